import Render

/// Least-squares fit of an object's profile to a frame: centre (u, v), the profile's shape
/// (a disc's radius, a PSF's σ) and brightness (summed over channels) on top of a known
/// background, by Gauss–Newton with forward-difference derivatives. Sub-pixel to ~1e-3 px on
/// clean 8-bit discs, where a plain centroid is ~1e-2. (With `DiscProfile` this is stream
/// version 3's disc fit, operation for operation.)
struct ObjectFit<Profile: ObjectProfile> {
    var u: Double
    var v: Double
    var profile: Profile
    var brightness: Double

    /// Fit starting from `start`; nil if the fit leaves the frame, diverges or has no pixels.
    /// `skipSaturated` leaves out pixels at 255 in any channel (they only bound the object).
    static func fit(_ frame: UnsafePointer<UInt8>, background: UnsafePointer<Double>, geometry g: Geometry,
                    start: ObjectFit, iterations: Int = 8, skipSaturated: Bool = false) -> ObjectFit? {
        var p = start
        guard p.profile.shape > Profile.minimumShape, p.brightness > 0 else { return nil }
        var f: [Double] = [], fu: [Double] = [], fv: [Double] = [], fr: [Double] = []
        for _ in 0..<iterations {
            // A wild prediction (a bad law) must not reach the Int conversions below.
            guard p.u.isFinite, p.v.isFinite, p.profile.shape.isFinite, abs(p.u) < 1e6, abs(p.v) < 1e6, p.profile.shape < 1e4 else { return nil }
            let reach = p.profile.reach + 2
            let x0 = max(0, Int((p.u - reach).rounded(.down))), x1 = min(g.width - 1, Int((p.u + reach).rounded(.up)))
            let y0 = max(0, Int((p.v - reach).rounded(.down))), y1 = min(g.height - 1, Int((p.v + reach).rounded(.up)))
            guard x0 < x1, y0 < y1 else { return nil }
            var ata = [Double](repeating: 0, count: 16), atb = [Double](repeating: 0, count: 4)
            let h = 1e-4
            var wider = p.profile
            wider.shape += h
            p.profile.shares(u: p.u, v: p.v, x0: x0, x1: x1, y0: y0, y1: y1, into: &f)
            p.profile.shares(u: p.u + h, v: p.v, x0: x0, x1: x1, y0: y0, y1: y1, into: &fu)
            p.profile.shares(u: p.u, v: p.v + h, x0: x0, x1: x1, y0: y0, y1: y1, into: &fv)
            wider.shares(u: p.u, v: p.v, x0: x0, x1: x1, y0: y0, y1: y1, into: &fr)
            var k = 0
            for y in y0...y1 {
                for x in x0...x1 {
                    defer { k += 1 }
                    var data = 0.0, base = 0.0, saturated = false
                    for c in 0..<g.channels {
                        let i = (y * g.width + x) * g.channels + c
                        data += Double(frame[i])
                        base += background[i]
                        if frame[i] == 255 { saturated = true }
                    }
                    if skipSaturated && saturated { continue }
                    let residual = data - base - p.brightness * f[k]
                    let j = [p.brightness * (fu[k] - f[k]) / h, p.brightness * (fv[k] - f[k]) / h, p.brightness * (fr[k] - f[k]) / h, f[k]]
                    for a in 0..<4 {
                        atb[a] += j[a] * residual
                        for b in 0..<4 { ata[a * 4 + b] += j[a] * j[b] }
                    }
                }
            }
            guard let step = solveLinear(ata, atb, size: 4, minimumPivot: 1e-12) else { return nil }
            p.u += max(-1, min(1, step[0]))
            p.v += max(-1, min(1, step[1]))
            p.profile.shape = max(Profile.minimumShape, p.profile.shape + max(-0.5, min(0.5, step[2])))
            p.brightness = max(1, p.brightness + step[3])
            if abs(step[0]) + abs(step[1]) < 1e-7 { break }
        }
        let r = p.profile.reach
        guard p.u.isFinite, p.v.isFinite, p.profile.shape.isFinite, p.brightness.isFinite,
              p.u > -r, p.v > -r, p.u < Double(g.width) + r, p.v < Double(g.height) + r
        else { return nil }
        return p
    }
}
