import Render

/// Least-squares fit of a uniform disc with exact area coverage to a frame: centre (u, v),
/// radius and brightness (summed over channels) on top of a known background, by
/// Gauss–Newton with forward-difference derivatives. Sub-pixel to ~1e-3 px on clean 8-bit
/// discs, where a plain centroid is ~1e-2.
struct DiscFit {
    var u: Double
    var v: Double
    var radius: Double
    var brightness: Double

    /// Fit starting from `start`; nil if the fit leaves the frame, diverges or has no pixels.
    static func fit(_ frame: UnsafePointer<UInt8>, background: UnsafePointer<Double>, geometry g: Geometry,
                    start: DiscFit, iterations: Int = 8) -> DiscFit? {
        var p = start
        guard p.radius > 0.3, p.brightness > 0 else { return nil }
        for _ in 0..<iterations {
            // A wild prediction (a bad law) must not reach the Int conversions below.
            guard p.u.isFinite, p.v.isFinite, p.radius.isFinite, abs(p.u) < 1e6, abs(p.v) < 1e6, p.radius < 1e4 else { return nil }
            let reach = p.radius + 2
            let x0 = max(0, Int((p.u - reach).rounded(.down))), x1 = min(g.width - 1, Int((p.u + reach).rounded(.up)))
            let y0 = max(0, Int((p.v - reach).rounded(.down))), y1 = min(g.height - 1, Int((p.v + reach).rounded(.up)))
            guard x0 < x1, y0 < y1 else { return nil }
            var ata = [Double](repeating: 0, count: 16), atb = [Double](repeating: 0, count: 4)
            let h = 1e-4
            for y in y0...y1 {
                for x in x0...x1 {
                    var data = 0.0, base = 0.0
                    for c in 0..<g.channels {
                        let i = (y * g.width + x) * g.channels + c
                        data += Double(frame[i])
                        base += background[i]
                    }
                    let f = Coverage.pixelFraction(i: x, j: y, cu: p.u, cv: p.v, radius: p.radius)
                    let fu = Coverage.pixelFraction(i: x, j: y, cu: p.u + h, cv: p.v, radius: p.radius)
                    let fv = Coverage.pixelFraction(i: x, j: y, cu: p.u, cv: p.v + h, radius: p.radius)
                    let fr = Coverage.pixelFraction(i: x, j: y, cu: p.u, cv: p.v, radius: p.radius + h)
                    let residual = data - base - p.brightness * f
                    let j = [p.brightness * (fu - f) / h, p.brightness * (fv - f) / h, p.brightness * (fr - f) / h, f]
                    for a in 0..<4 {
                        atb[a] += j[a] * residual
                        for b in 0..<4 { ata[a * 4 + b] += j[a] * j[b] }
                    }
                }
            }
            guard let step = solveLinear(ata, atb, size: 4, minimumPivot: 1e-12) else { return nil }
            p.u += max(-1, min(1, step[0]))
            p.v += max(-1, min(1, step[1]))
            p.radius = max(0.3, p.radius + max(-0.5, min(0.5, step[2])))
            p.brightness = max(1, p.brightness + step[3])
            if abs(step[0]) + abs(step[1]) < 1e-7 { break }
        }
        guard p.u.isFinite, p.v.isFinite, p.radius.isFinite, p.brightness.isFinite,
              p.u > -p.radius, p.v > -p.radius, p.u < Double(g.width) + p.radius, p.v < Double(g.height) + p.radius
        else { return nil }
        return p
    }
}
