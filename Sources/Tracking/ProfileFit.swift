import Foundation

/// Maximum-likelihood position of a blob by fitting a point-spread profile to its pixels: a
/// circular Gaussian integrated over each pixel, b + F·Gₓ(i)·G_y(j) with
/// Gₓ(i) = ½[erf((i+1−u)/(s√2)) − erf((i−u)/(s√2))], over the pixels within about three widths
/// of the centroid, by damped Gauss–Newton in (u, v, F, s, b). With Gaussian noise of constant σ
/// the least-squares fit is the maximum-likelihood one, and its position error approaches the
/// Cramér–Rao bound where a centroid's does not (a centroid weighs the noise of every aperture
/// pixel by its distance from the centre).
///
/// The fit is only used where it describes the blob: its residuals must be noise
/// (χ²/dof ≤ `maxReducedChiSquare`), so discs, whose flat top and sharp rim a Gaussian does not
/// follow, keep their centroid. Saturated pixels (the blob's peak value held by several pixels,
/// or 255) are left out of the fit: their light is unknown.
enum ProfileFit {
    struct Result {
        var u: Double, v: Double, flux: Double, width: Double
        /// 1σ of u and of v from the fit's covariance, pixels.
        var sigmaU: Double, sigmaV: Double
        var reducedChiSquare: Double
    }

    static let maxReducedChiSquare = 1.6

    /// Fit around `start` (a centroid; `width` the starting Gaussian σ in pixels), skipping
    /// pixels of other components (`label` ≠ 0, ≠ `id`) and pixels at or above `saturated`.
    static func fit(_ lum: [Double], width w: Int, height h: Int, label: [Int32], id: Int32,
                    start: (u: Double, v: Double, flux: Double, width: Double), background: Double,
                    pixelSigma: Double, saturated: Double) -> Result? {
        let s0 = min(max(start.width, 0.5), 8)
        let reach = max(3.0, 3 * s0) + 0.5
        let x0 = max(0, Int((start.u - reach).rounded(.down))), x1 = min(w - 1, Int((start.u + reach).rounded(.down)))
        let y0 = max(0, Int((start.v - reach).rounded(.down))), y1 = min(h - 1, Int((start.v + reach).rounded(.down)))
        guard x1 - x0 >= 3, y1 - y0 >= 3 else { return nil }
        var xs: [Int] = [], ys: [Int] = [], zs: [Double] = []
        for y in y0...y1 {
            for x in x0...x1 {
                let du = Double(x) + 0.5 - start.u, dv = Double(y) + 0.5 - start.v
                if du * du + dv * dv > reach * reach { continue }
                let q = y * w + x
                if label[q] != 0 && label[q] != id { continue }
                if lum[q] >= saturated { continue }
                xs.append(x); ys.append(y); zs.append(lum[q])
            }
        }
        let n = zs.count
        guard n > 12 else { return nil }
        // parameters: u, v, F, s, b
        var p = [start.u, start.v, max(start.flux, 1), s0, background]
        let root2 = 2.0.squareRoot(), rootTwoPi = (2 * Double.pi).squareRoot()

        /// Per-axis shares and their derivatives in the centre and the width, for cells a...b.
        func axis(_ a: Int, _ b: Int, centre c: Double, width s: Double) -> (g: [Double], dc: [Double], ds: [Double]) {
            var g: [Double] = [], dc: [Double] = [], ds: [Double] = []
            let edges = (a...(b + 1)).map { Double($0) - c }
            let e = edges.map { erf($0 / (s * root2)) }
            let phi = edges.map { exp(-$0 * $0 / (2 * s * s)) / (s * rootTwoPi) }
            for k in 0..<(edges.count - 1) {
                g.append(0.5 * (e[k + 1] - e[k]))
                dc.append(-(phi[k + 1] - phi[k]))
                ds.append(-(edges[k + 1] * phi[k + 1] - edges[k] * phi[k]) / s)
            }
            return (g, dc, ds)
        }
        func evaluate(_ p: [Double], jacobian: Bool) -> (residuals: [Double], rows: [[Double]]) {
            let gx = axis(x0, x1, centre: p[0], width: p[3]), gy = axis(y0, y1, centre: p[1], width: p[3])
            var r = [Double](repeating: 0, count: n)
            var rows: [[Double]] = jacobian ? Array(repeating: [Double](repeating: 0, count: 5), count: n) : []
            for k in 0..<n {
                let i = xs[k] - x0, j = ys[k] - y0
                let shape = gx.g[i] * gy.g[j]
                r[k] = zs[k] - (p[4] + p[2] * shape)
                if jacobian {
                    rows[k] = [p[2] * gx.dc[i] * gy.g[j], p[2] * gx.g[i] * gy.dc[j], shape,
                               p[2] * (gx.ds[i] * gy.g[j] + gx.g[i] * gy.ds[j]), 1]
                }
            }
            return (r, rows)
        }
        /// JᵀJ and Jᵀr of an evaluation.
        func normal(_ e: (residuals: [Double], rows: [[Double]])) -> (ata: [Double], atb: [Double]) {
            var ata = [Double](repeating: 0, count: 25), atb = [Double](repeating: 0, count: 5)
            for (row, rk) in zip(e.rows, e.residuals) {
                for a in 0..<5 {
                    atb[a] += row[a] * rk
                    for b in 0..<5 { ata[a * 5 + b] += row[a] * row[b] }
                }
            }
            return (ata, atb)
        }
        var current = evaluate(p, jacobian: true)
        var equations = normal(current)
        var cost = current.residuals.reduce(0) { $0 + $1 * $1 }
        var lambda = 1e-3
        let variance = pixelSigma * pixelSigma
        for iteration in 0..<30 {
            // a profile that still misses by far after a few steps (a disc's flat top and rim)
            // will not be used: stop early instead of polishing it
            if iteration == 4 && cost / variance / Double(n - 5) > 4 * maxReducedChiSquare { return nil }
            let (ata, atb) = equations
            var damped = ata
            for a in 0..<5 { damped[a * 5 + a] *= 1 + lambda }
            guard let inverse = Differentiator.invertSymmetric(damped, size: 5) else { return nil }
            let step = (0..<5).map { a in (0..<5).reduce(0.0) { $0 + inverse[a * 5 + $1] * atb[$1] } }
            var q = zip(p, step).map { $0 + $1 }
            q[3] = min(max(q[3], 0.3), 10)
            let trial = evaluate(q, jacobian: true)
            let trialCost = trial.residuals.reduce(0) { $0 + $1 * $1 }
            if trialCost.isFinite && trialCost <= cost {
                let moved = abs(q[0] - p[0]) + abs(q[1] - p[1])
                p = q; current = trial; equations = normal(trial)
                let gain = cost - trialCost
                cost = trialCost
                lambda = max(lambda / 4, 1e-9)
                if moved < 1e-6 && gain <= 1e-10 * cost { break }
            } else {
                lambda *= 8
                if lambda > 1e6 { break }
            }
        }
        guard p.allSatisfy(\.isFinite), p[2] > 0,
              abs(p[0] - start.u) < 1, abs(p[1] - start.v) < 1 else { return nil }
        guard let covariance = Differentiator.invertSymmetric(equations.ata, size: 5), covariance[0] > 0, covariance[6] > 0 else { return nil }
        return Result(u: p[0], v: p[1], flux: p[2], width: p[3],
                      sigmaU: (variance * covariance[0]).squareRoot(), sigmaV: (variance * covariance[6]).squareRoot(),
                      reducedChiSquare: cost / variance / Double(n - 5))
    }
}
