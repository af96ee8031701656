import Formulas
import Foundation

/// Levenberg–Marquardt least squares for a formula's constants.
///
/// Minimises Σ (f(x; θ) − y)² with a forward-difference Jacobian and Marquardt's diagonal
/// damping; several starting points guard against local minima. Formulas whose constants enter
/// linearly converge in one or two steps whatever their scale.
/// Reference: Moré, "The Levenberg–Marquardt algorithm: implementation and theory" (1978).
public enum ConstantFitter {
    public struct Result: Sendable {
        public var constants: [Double]
        /// Mean squared (weighted) error.
        public var mse: Double
        /// Weighted Jacobian columns ∂f/∂θ_i at the optimum (for the Fisher information).
        public var jacobian: [[Double]]
    }

    /// `weights` scale each row's residual (1/|y| fits relative errors); nil weighs rows equally.
    /// `free` lists the constants to fit (default all); the others keep the formula's values
    /// (rational exponents snapped by the search).
    public static func fit(_ formula: Formula, columns: [[Double]], target y: [Double], weights: [Double]? = nil,
                           starts: [[Double]]? = nil, iterations: Int = 60, free: [Int]? = nil) -> Result? {
        let n = y.count
        let all = formula.constants
        let freeIndices = free ?? (0..<formula.constantCount).filter { !formula.fixedConstants.contains($0) }
        let p = freeIndices.count
        let w = weights ?? [Double](repeating: 1, count: n)
        let constantCount = formula.constantCount
        var scratch: [Double] = []
        var f = [Double](repeating: 0, count: n)
        var ft = [Double](repeating: 0, count: n)
        // Every node's values at the current constants (`fTrace`) and at a trial (`ftTrace`):
        // a Jacobian column recomputes only the nodes above its constant.
        var fTrace: [Double] = [], ftTrace: [Double] = []
        func full(_ theta: [Double]) -> [Double] {
            var c = all
            if c.count < constantCount { c += [Double](repeating: 1, count: constantCount - c.count) }
            for (k, i) in freeIndices.enumerated() { c[i] = theta[k] }
            return c
        }
        func residualSS(_ f: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n { let d = (f[i] - y[i]) * w[i]; s += d * d }
            return s.isFinite ? s : .infinity
        }
        func jacobian(_ theta: [Double], _ f: [Double]) -> [[Double]] {
            var out: [[Double]] = []
            for i in 0..<p {
                var t = theta
                let h = 1e-7 * max(1e-8, abs(t[i]))
                t[i] += h
                formula.evaluate(columns, rows: n, constants: full(t), changing: freeIndices[i], trace: fTrace, into: &ft, scratch: &scratch)
                var col = [Double](repeating: 0, count: n)
                for k in 0..<n { col[k] = (ft[k] - f[k]) / h * w[k] }
                out.append(col)
            }
            return out
        }
        if p == 0 {
            formula.evaluate(columns, rows: n, constants: full([]), into: &f, scratch: &scratch)
            let ss = residualSS(f)
            return ss.isFinite ? Result(constants: full([]), mse: ss / Double(n), jacobian: []) : nil
        }
        let initial = starts ?? [[Double](repeating: 1, count: p), [Double](repeating: -1, count: p),
                                 [Double](repeating: 0.5, count: p), [Double](repeating: 2, count: p),
                                 (0..<p).map { $0 % 2 == 0 ? 1.5 : -0.5 }]
        // A frequency inside sin or cos has a local minimum at every wrong number of periods
        // across the data: from 1 or 2, sin(2π·E·t/h)² is never reached. So, after the usual
        // starts and only when they leave a misfit, the constants also start from the value on a
        // geometric grid from 2.5 to 20 whose formula values correlate best with the target
        // (amplitudes and offsets are then fitted from there). Without weights it is tried only
        // when that correlation explains more than the best fit so far; with weights the two are
        // not comparable and it is always tried (gating those lost III.8.54 and I.37.4 in
        // bench/feynman's units track).
        let periodic = starts == nil && formula.tokens.contains(where: { $0.op == .sin || $0.op == .cos })
        func frequencyStart(after best: Result?) -> [Double]? {
            var bestCorrelation = 0.0, bestValue: Double? = nil
            var v = 2.5
            while v <= 20 {
                formula.evaluate(columns, rows: n, constants: full([Double](repeating: v, count: p)), into: &f, scratch: &scratch)
                let r2 = Self.squaredCorrelation(f, y)
                if r2 > bestCorrelation { bestCorrelation = r2; bestValue = v }
                v *= 1.08
            }
            guard let bestValue else { return nil }
            if weights == nil, let b = best {
                let mean = y.reduce(0, +) / Double(n)
                let spread = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
                if 1 - b.mse / max(spread, 1e-300) >= bestCorrelation { return nil }
            }
            return [Double](repeating: bestValue, count: p)
        }
        var best: Result? = nil
        var bestTheta: [Double] = []
        let variance = (0..<n).reduce(0.0) { $0 + y[$1] * y[$1] * w[$1] * w[$1] } / Double(n)
        // a start may list every constant: its free ones are taken
        let startsOfFree = initial.map { start in
            start.count == formula.constantCount && start.count != p ? freeIndices.map { start[$0] } : start
        }
        for index in 0..<(startsOfFree.count + (periodic ? 1 : 0)) {
            // Further starts only when the fit so far leaves a visible misfit.
            if let b = best, b.mse <= 1e-10 * variance { break }
            guard let start = index < startsOfFree.count ? startsOfFree[index] : frequencyStart(after: best) else { break }
            if start.count != p { continue }
            var theta = start
            formula.evaluate(columns, rows: n, constants: full(theta), into: &f, scratch: &scratch, recording: &fTrace)
            var cost = residualSS(f)
            if !cost.isFinite { continue }
            var lambda = 1e-3
            for _ in 0..<iterations {
                let jac = jacobian(theta, f)
                // Normal equations (JᵀJ + λ·diag) δ = −Jᵀr
                var a = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
                var g = [Double](repeating: 0, count: p)
                for i in 0..<p {
                    for k in 0..<n { g[i] += jac[i][k] * (f[k] - y[k]) * w[k] }
                    for j in i..<p {
                        var s = 0.0
                        for k in 0..<n { s += jac[i][k] * jac[j][k] }
                        a[i][j] = s
                        a[j][i] = s
                    }
                }
                var improved = false
                for _ in 0..<10 {
                    var m = a
                    for i in 0..<p { m[i][i] += lambda * max(a[i][i], 1e-300) }
                    guard let delta = solve(m, g.map { -$0 }) else { lambda *= 10; continue }
                    let trial = zip(theta, delta).map { $0 + $1 }
                    formula.evaluate(columns, rows: n, constants: full(trial), into: &ft, scratch: &scratch, recording: &ftTrace)
                    let ct = residualSS(ft)
                    if ct < cost {
                        let relative = (cost - ct) / max(cost, 1e-300)
                        theta = trial
                        swap(&f, &ft)
                        swap(&fTrace, &ftTrace)
                        cost = ct
                        lambda = max(lambda / 3, 1e-12)
                        improved = relative > 1e-14
                        break
                    }
                    lambda *= 4
                }
                if !improved { break }
            }
            let mse = cost / Double(n)
            if mse.isFinite, mse < (best?.mse ?? .infinity) {
                best = Result(constants: full(theta), mse: mse, jacobian: [])
                bestTheta = theta
            }
        }
        guard var result = best else { return nil }
        formula.evaluate(columns, rows: n, constants: result.constants, into: &f, scratch: &scratch, recording: &fTrace)
        // Jacobian columns for every constant in formula order; fixed ones get zero columns.
        let jac = jacobian(bestTheta, f)
        var columnsByConstant = [[Double]](repeating: [Double](repeating: 0, count: n), count: constantCount)
        for (k, i) in freeIndices.enumerated() { columnsByConstant[i] = jac[k] }
        result.jacobian = columnsByConstant
        return result
    }

    /// Squared Pearson correlation of two columns; 0 when either is constant or not finite.
    static func squaredCorrelation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        let r2 = sab * sab / (saa * sbb)
        return r2.isFinite ? r2 : 0
    }

    /// Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, v = b
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(col + 1, n) where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
            if !(abs(m[pivot][col]) > 1e-300) { return nil }
            m.swapAt(col, pivot)
            v.swapAt(col, pivot)
            for r in (col + 1)..<max(col + 1, n) {
                let factor = m[r][col] / m[col][col]
                for c in col..<n { m[r][c] -= factor * m[col][c] }
                v[r] -= factor * v[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = v[r]
            for c in (r + 1)..<max(r + 1, n) { s -= m[r][c] * x[c] }
            x[r] = s / m[r][r]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
