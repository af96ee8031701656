import Discovery
import Foundation

/// A dynamics law for the `law` level: the acceleration as formulas in the state,
/// `ax = …; ay = …`, over t, x, y, vx, vy and r = √(x² + y²) in the scene's physical units
/// (y up, origin at the reference body when there is one, else at the frame centre).
/// Names that are not variables are constants, shared between the two formulas and fitted
/// online — by encoder and decoder alike — to the accelerations of the decoded frames.
public struct Law: Sendable {
    public static let variables = ["t", "x", "y", "vx", "vy", "r"]
    public let text: String
    let ax: ParsedFormula
    let ay: ParsedFormula
    /// Names of the fitted constants and their current values.
    public private(set) var names: [String] = []
    public private(set) var values: [Double] = []
    /// Recent samples: columns t, x, y, vx, vy, r and the measured ax, ay.
    var samples: [[Double]] = Array(repeating: [], count: 8)
    /// How many recent samples the constants are fitted to.
    public var window = 4096
    /// Gauss–Newton steps per refit (one suffices for a model linear in its constants).
    public var iterations = 4

    /// The `learned` level's model: no law is given, so each acceleration component is a
    /// general quadratic in the state (1, x, y, vx, vy and their 10 products, 15 weights per
    /// axis), fitted by least squares to the last `window` measured accelerations — a local
    /// dynamics model learned while coding (SINDy-style library regression, online). The window
    /// holds about four samples per weight.
    public static func quadraticLibrary(window: Int = 64) -> Law {
        let terms = ["1", "x", "y", "vx", "vy", "x*x", "x*y", "x*vx", "x*vy", "y*y", "y*vx", "y*vy", "vx*vx", "vx*vy", "vy*vy"]
        func axis(_ prefix: String) -> String {
            terms.enumerated().map { "\(prefix)\($0.offset)*\($0.element)" }.joined(separator: " + ")
        }
        var law: Law
        do {
            law = try Law(text: "ax = \(axis("a")); ay = \(axis("b"))")
        } catch {
            preconditionFailure("the built-in quadratic library does not parse: \(error)")   // fixed text; a test parses it
        }
        law.window = window
        law.iterations = 1
        return law
    }

    public init(text: String) throws {
        self.text = text
        var parts: [String: ParsedFormula] = [:]
        for statement in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let sides = statement.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2, ["ax", "ay"].contains(sides[0]) else {
                throw CodecError("--law: expected 'ax = …; ay = …' (got '\(statement.trimmingCharacters(in: .whitespaces))')")
            }
            do {
                parts[sides[0]] = try Formula.parse(sides[1], variables: Self.variables)
            } catch let e as DiscoveryError {
                throw CodecError("--law: \(sides[0]): \(e.message)")
            }
        }
        guard let ax = parts["ax"], let ay = parts["ay"] else { throw CodecError("--law: give both ax = … and ay = …") }
        self.ax = ax
        self.ay = ay
        for f in [ax, ay] {
            for case let name? in f.constantNames where !names.contains(name) {
                names.append(name)
                values.append(1)
            }
        }
    }

    /// Constants of one formula for the parameter vector `p`.
    func constants(_ f: ParsedFormula, _ p: [Double]) -> [Double] {
        f.constantNames.indices.map { k in
            if let name = f.constantNames[k], let i = names.firstIndex(of: name) { return p[i] }
            return f.formula.constants[k]
        }
    }

    /// Accelerations for states given as columns t, x, y, vx, vy, r.
    public func acceleration(_ columns: [[Double]], rows: Int, parameters p: [Double]? = nil) -> (ax: [Double], ay: [Double]) {
        let p = p ?? values
        return (ax.formula.evaluate(columns, rows: rows, constants: constants(ax, p)),
                ay.formula.evaluate(columns, rows: rows, constants: constants(ay, p)))
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
    public func uncertainties() -> [Double] {
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
