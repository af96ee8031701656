import Foundation

/// Gragg–Bulirsch–Stoer extrapolation with adaptive steps for y′ = f(y) (autonomous systems).
///
/// Each step runs Gragg's modified midpoint rule with n = 2, 4, 6, … substeps and extrapolates
/// the results to zero substep length (Aitken–Neville in h²); the step is accepted when two
/// successive extrapolations agree to `tolerance` (relative to each component's scale), and the
/// next step grows or shrinks from how fast that happened. Error-controlled rather than
/// symplectic: it follows close approaches of comparable masses and charges (where fixed-step
/// maps fail) with an energy error set by the tolerance — about 1e-12 per orbit at the default.
public struct BulirschStoer: Sendable {
    /// Relative error allowed per step.
    public var tolerance: Double
    /// The step the next `advance` starts from (0: chosen from the first derivative).
    public var step: Double = 0
    /// Steps taken so far (accepted ones).
    public private(set) var steps = 0

    /// Substep counts of the extrapolation columns (Deuflhard's even sequence).
    static let sequence = [2, 4, 6, 8, 10, 12, 14, 16, 18]

    /// The state is read as this many equal blocks (positions, velocities, …); a block's error
    /// is measured against the largest magnitude in it, so a coordinate passing through zero
    /// does not demand an absolute precision its neighbours never need.
    public var blocks: Int

    public init(tolerance: Double = 1e-13, blocks: Int = 1) {
        self.tolerance = tolerance
        self.blocks = max(1, blocks)
    }

    /// Advance `y` by `interval` (> 0) under `derivative`, in as many adaptive steps as needed.
    /// Throws if the step collapses (a singularity, e.g. two bodies at the same point).
    public mutating func advance(_ y: inout [Double], by interval: Double, derivative: ([Double]) -> [Double]) throws {
        var remaining = interval
        if step <= 0 || !step.isFinite {
            // First step: a tenth of the time the fastest block takes to change by its own size.
            let f = derivative(y)
            let size = blockScales(y), speed = blockScales(f)
            var rate = 0.0
            for b in size.indices where speed[b] > 0 { rate = max(rate, speed[b] / max(size[b], 1e-300)) }
            step = rate > 0 ? min(interval, 0.1 / rate) : interval
        }
        var attempts = 0
        while remaining > 0 {
            attempts += 1
            guard attempts <= 1_000_000 else {
                throw PhysicsError.invalidParameter("the integrator needed over a million steps for one frame (a near-collision?)")
            }
            let last = step >= remaining * (1 - 1e-12)
            let h = last ? remaining : step
            let (next, accepted, suggestion) = attempt(y, h: h, derivative: derivative)
            if accepted {
                y = next
                steps += 1
                remaining = last ? 0 : remaining - h
                // A final short step must not shrink the step the next call starts from.
                step = last ? max(step, suggestion) : suggestion
            } else {
                step = suggestion
            }
            guard step.isFinite, step > interval * 1e-14 || remaining == 0 else {
                throw PhysicsError.invalidParameter("the integrator's step collapsed (a collision or a singular force?)")
            }
        }
    }

    /// One extrapolated step of length h: the new state, whether its error was within the
    /// tolerance, and the step length to try next.
    func attempt(_ y: [Double], h: Double, derivative: ([Double]) -> [Double]) -> ([Double], Bool, Double) {
        let n = y.count
        let f0 = derivative(y)
        let size = blockScales(y), change = blockScales(f0)
        let width = max(1, n / blocks)
        var scale = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let b = min(i / width, blocks - 1)
            scale[i] = size[b] + abs(h) * change[b] + 1e-300
        }
        var table: [[Double]] = []
        for (k, substeps) in Self.sequence.enumerated() {
            var row = midpoint(y, f0: f0, h: h, substeps: substeps, derivative: derivative)
            // Aitken–Neville: row becomes T[k][k] column by column, using the previous row.
            var columns: [[Double]] = [row]
            for j in 1...max(1, k) where k >= 1 {
                let ratio = Double(substeps) / Double(Self.sequence[k - j])
                let factor = 1 / (ratio * ratio - 1)
                let previous = table[j - 1]
                var next = columns[j - 1]
                for i in 0..<n { next[i] += (next[i] - previous[i]) * factor }
                columns.append(next)
            }
            row = columns[columns.count - 1]
            if k >= 1 {
                var err = 0.0
                let a = columns[columns.count - 1], b = columns[columns.count - 2]
                for i in 0..<n { err = max(err, abs(a[i] - b[i]) / scale[i]) }
                err /= tolerance
                if err <= 1 || !err.isFinite {
                    if !err.isFinite { return (y, false, h / 4) }
                    // Converged at column k: aim to converge around column 5 next time.
                    let growth = 0.9 * pow(max(err, 1e-10), -1 / Double(2 * k + 1))
                    let target = k < 4 ? min(4, growth) : (k > 6 ? min(1, growth) : min(2, growth))
                    return (a, true, h * max(0.25, target))
                }
            }
            table = columns
        }
        return (y, false, h * 0.3)
    }

    /// The largest magnitude in each block of `v`.
    func blockScales(_ v: [Double]) -> [Double] {
        let width = max(1, v.count / blocks)
        var out = [Double](repeating: 0, count: blocks)
        for i in v.indices { let b = min(i / width, blocks - 1); out[b] = max(out[b], abs(v[i])) }
        return out
    }

    /// Gragg's modified midpoint rule: `substeps` steps of h/substeps with the smoothing end step.
    func midpoint(_ y: [Double], f0: [Double], h: Double, substeps: Int, derivative: ([Double]) -> [Double]) -> [Double] {
        let n = y.count
        let hs = h / Double(substeps)
        var z0 = y
        var z1 = y
        for i in 0..<n { z1[i] = y[i] + hs * f0[i] }
        for _ in 1..<substeps {
            let f = derivative(z1)
            for i in 0..<n {
                let z2 = z0[i] + 2 * hs * f[i]
                z0[i] = z1[i]
                z1[i] = z2
            }
        }
        let f = derivative(z1)
        var out = z1
        for i in 0..<n { out[i] = 0.5 * (z1[i] + z0[i] + hs * f[i]) }
        return out
    }
}
