import Formulas
import Foundation

/// The online fit of a law's named constants, run identically by encoder and decoder: samples
/// of the measured state and acceleration of the decoded objects go in (`add`), and a few damped
/// Gauss–Newton steps move the constants towards their least-squares values (`fit`). Nothing
/// fitted here is stored in the stream. Every named constant starts at 1.
///
/// The arithmetic (sample order, finite-difference Jacobian, normal equations) is part of the
/// stream format: the object levels of version 3 streams decode only if it stays as it is.
struct LawFit: Sendable {
    let law: Law
    /// Names of the fitted constants and their current values.
    let names: [String]
    private(set) var values: [Double]
    /// Recent samples: columns t, x, y, vx, vy, r and the measured ax, ay.
    private var samples: [[Double]] = Array(repeating: [], count: 8)
    /// How many recent samples the constants are fitted to.
    let window: Int
    /// Gauss–Newton steps per refit (one suffices for a model linear in its constants).
    let iterations: Int

    init(_ law: Law, window: Int = 4096, iterations: Int = 4) {
        self.law = law
        names = law.names
        values = Array(repeating: 1, count: names.count)
        self.window = window
        self.iterations = iterations
    }

    /// Accelerations for states given as columns t, x, y, vx, vy, r.
    func acceleration(_ columns: [[Double]], rows: Int, parameters p: [Double]? = nil) -> (ax: [Double], ay: [Double]) {
        let a = law.acceleration(columns, rows: rows, values: p ?? values)
        return (a[0], a[1])
    }

    /// Add a measured acceleration at a state (physical units).
    mutating func add(t: Double, x: Double, y: Double, vx: Double, vy: Double, ax: Double, ay: Double) {
        let row = [t, x, y, vx, vy, (x * x + y * y).squareRoot(), ax, ay]
        for c in 0..<8 {
            samples[c].append(row[c])
            if samples[c].count > window { samples[c].removeFirst() }
        }
    }

    var sampleCount: Int { samples[0].count }

    /// Measured minus predicted accelerations over the samples (x rows, then y rows).
    func residuals(_ p: [Double]) -> [Double] {
        let n = sampleCount
        let (px, py) = acceleration(Array(samples[0..<6]), rows: n, parameters: p)
        return (0..<n).map { samples[6][$0] - px[$0] } + (0..<n).map { samples[7][$0] - py[$0] }
    }

    /// ∂model/∂p_j by forward differences, one row per constant, given r = residuals(p).
    func jacobian(at p: [Double], residuals r: [Double]) -> [[Double]] {
        (0..<p.count).map { j in
            var q = p
            let h = 1e-6 * max(1, abs(p[j]))
            q[j] += h
            let rq = residuals(q)
            return (0..<r.count).map { (r[$0] - rq[$0]) / h }
        }
    }

    /// Refit the constants to the samples by a few damped Gauss–Newton steps from their
    /// current values (finite-difference Jacobian).
    mutating func fit() {
        let n = sampleCount, m = names.count
        guard m > 0, n >= 1 else { return }
        var p = values
        var r = residuals(p)
        var cost = r.reduce(0) { $0 + $1 * $1 }
        guard cost.isFinite else { return }
        for _ in 0..<iterations {
            let jacobian = self.jacobian(at: p, residuals: r)
            var ata = [Double](repeating: 0, count: m * m), atb = [Double](repeating: 0, count: m)
            for a in 0..<m {
                for i in 0..<(2 * n) { atb[a] += jacobian[a][i] * r[i] }
                for b in 0..<m { for i in 0..<(2 * n) { ata[a * m + b] += jacobian[a][i] * jacobian[b][i] } }
                ata[a * m + a] *= 1 + 1e-9
            }
            guard let step = solveLinear(ata, atb, size: m, minimumPivot: 1e-300) else { return }
            let q = zip(p, step).map { $0 + $1 }
            let rq = residuals(q)
            let newCost = rq.reduce(0) { $0 + $1 * $1 }
            guard newCost.isFinite, newCost <= cost else { return }
            p = q
            r = rq
            let improved = cost - newCost
            cost = newCost
            values = p
            if improved <= 1e-15 * cost { return }
        }
    }

    /// 1σ of each constant at the current values over the current samples,
    /// σ_j = √(s²·[(JᵀJ)⁻¹]_jj) with s² = RSS/(2n − m): how well the frames' finite-difference
    /// accelerations pin it down (poorly at high frame rates, where they are noisy). Computed on
    /// demand, not per frame.
    func uncertainties() -> [Double] {
        let n = sampleCount, m = names.count
        var uncertainties = [Double](repeating: .infinity, count: m)
        guard m > 0, 2 * n > m else { return uncertainties }
        let r = residuals(values)
        let s2 = r.reduce(0) { $0 + $1 * $1 } / Double(2 * n - m)
        let jacobian = self.jacobian(at: values, residuals: r)
        var ata = [Double](repeating: 0, count: m * m)
        for a in 0..<m { for b in 0..<m { for i in 0..<(2 * n) { ata[a * m + b] += jacobian[a][i] * jacobian[b][i] } } }
        for j in 0..<m {
            var unit = [Double](repeating: 0, count: m)
            unit[j] = 1
            if let column = solveLinear(ata, unit, size: m, minimumPivot: 1e-300), column[j] > 0, s2.isFinite {
                uncertainties[j] = (s2 * column[j]).squareRoot()
            }
        }
        return uncertainties
    }
}

extension LawFit: AccelerationModel {
    /// Predict only once the constants are overdetermined (two samples per constant).
    var ready: Bool { sampleCount >= max(1, 2 * names.count) }

    func acceleration(t: Double, x: Double, y: Double, vx: Double, vy: Double) -> (ax: Double, ay: Double)? {
        let a = acceleration([[t], [x], [y], [vx], [vy], [(x * x + y * y).squareRoot()]], rows: 1)
        guard a.ax[0].isFinite, a.ay[0].isFinite else { return nil }
        return (a.ax[0], a.ay[0])
    }
}
