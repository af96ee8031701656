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
    public static func fit(_ formula: Formula, columns: [[Double]], target y: [Double], weights: [Double]? = nil,
                           starts: [[Double]]? = nil, iterations: Int = 60) -> Result? {
        let n = y.count
        let p = formula.constantCount
        let w = weights ?? [Double](repeating: 1, count: n)
        func residualSS(_ f: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n { let d = (f[i] - y[i]) * w[i]; s += d * d }
            return s.isFinite ? s : .infinity
        }
        if p == 0 {
            let f = formula.evaluate(columns, rows: n, constants: [])
            let ss = residualSS(f)
            return ss.isFinite ? Result(constants: [], mse: ss / Double(n), jacobian: []) : nil
        }
        let initial = starts ?? [[Double](repeating: 1, count: p), [Double](repeating: -1, count: p),
                                 [Double](repeating: 0.5, count: p), [Double](repeating: 2, count: p),
                                 (0..<p).map { $0 % 2 == 0 ? 1.5 : -0.5 }]
        var best: Result? = nil
        let variance = (0..<n).reduce(0.0) { $0 + y[$1] * y[$1] * w[$1] * w[$1] } / Double(n)
        for start in initial {
            // Further starts only when the fit so far leaves a visible misfit.
            if let b = best, b.mse <= 1e-10 * variance { break }
            var theta = start
            var f = formula.evaluate(columns, rows: n, constants: theta)
            var cost = residualSS(f)
            if !cost.isFinite { continue }
            var lambda = 1e-3
            var jac: [[Double]] = []
            for _ in 0..<iterations {
                jac = jacobian(formula, columns, n, theta, f, w)
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
                    let ft = formula.evaluate(columns, rows: n, constants: trial)
                    let ct = residualSS(ft)
                    if ct < cost {
                        let relative = (cost - ct) / max(cost, 1e-300)
                        theta = trial
                        f = ft
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
                best = Result(constants: theta, mse: mse, jacobian: jacobian(formula, columns, n, theta, f, w))
            }
        }
        return best
    }

    /// Columns of the weighted Jacobian w_k·∂f_k/∂θ_i.
    static func jacobian(_ formula: Formula, _ columns: [[Double]], _ n: Int, _ theta: [Double], _ f: [Double],
                         _ w: [Double]) -> [[Double]] {
        var out: [[Double]] = []
        for i in 0..<theta.count {
            var t = theta
            let h = 1e-7 * max(1e-8, abs(t[i]))
            t[i] += h
            let ft = formula.evaluate(columns, rows: n, constants: t)
            out.append((0..<n).map { (ft[$0] - f[$0]) / h * w[$0] })
        }
        return out
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
