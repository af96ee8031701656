/// A Gaussian point-spread function integrated over each pixel — how a telescope or a camera
/// out of focus draws a star or a planet. `shape` is σ in pixels; the brightness is the
/// object's total flux (grey levels summed over its pixels). Separable: a pixel's share is the
/// product of its share along x and along y.
struct GaussianProfile: ObjectProfile {
    var shape: Double
    static var minimumShape: Double { 0.3 }
    /// Beyond 5σ (+ the pixel) a flux of 60000 leaves less than 0.05 grey levels in a pixel.
    var reach: Double { 5 * shape + 1 }

    /// erf at the pixel edge `edge` (px) relative to the centre `c`.
    @inline(__always)
    func edge(_ edge: Int, _ c: Double) -> Double {
        ExactMath.erf((Double(edge) - c) / (shape * 1.4142135623730951))
    }

    func share(x: Int, y: Int, u: Double, v: Double) -> Double {
        0.25 * (edge(x + 1, u) - edge(x, u)) * (edge(y + 1, v) - edge(y, v))
    }

    func shares(u: Double, v: Double, x0: Int, x1: Int, y0: Int, y1: Int, into out: inout [Double]) {
        let ex = (x0...(x1 + 1)).map { edge($0, u) }, ey = (y0...(y1 + 1)).map { edge($0, v) }
        out.removeAll(keepingCapacity: true)
        for j in 0...(y1 - y0) {
            let sy = ey[j + 1] - ey[j]
            for i in 0...(x1 - x0) { out.append(0.25 * (ex[i + 1] - ex[i]) * sy) }
        }
    }

    /// σ of the Gaussian whose pixel-integrated peak (≈ flux / 2π(σ² + 1/12)) is the
    /// detection's; brightness = the flux.
    func start(flux: Double, peak: Double) -> (shape: Double, brightness: Double) {
        let variance = flux / (2 * Double.pi * peak) - 1.0 / 12
        return (max(Self.minimumShape * Self.minimumShape, variance).squareRoot(), flux)
    }
}

/// Functions the codec needs bit-identical on every machine: computed from +, −, ×, ÷ only, in a
/// fixed order (libm's results may differ in the last bit between libraries and versions).
enum ExactMath {
    /// e^x for x ≤ 0 (≥ −700): e^(x/64) by its Taylor series, squared six times.
    static func exp(_ x: Double) -> Double {
        guard x > -700 else { return 0 }
        let y = x / 64
        var term = 1.0, sum = 1.0
        for n in 1...30 {
            term *= y / Double(n)
            sum += term
            if abs(term) < 1e-18 { break }
        }
        for _ in 0..<6 { sum *= sum }
        return sum
    }

    /// The error function, to ~1e-14: its Taylor series below |t| = 3, above it
    /// 1 − e^(−t²)/√π times a continued fraction (evaluated from a fixed depth).
    static func erf(_ t: Double) -> Double {
        let a = abs(t)
        if !(a < 3) {
            if !(a < 27) { return t.isNaN ? t : (t < 0 ? -1 : 1) }
            // erfc(a) = e^(−a²)/√π · 1/(a + ½/(a + 1/(a + (3/2)/(a + …))))
            var fraction = a
            for k in stride(from: 60, through: 1, by: -1) { fraction = a + Double(k) * 0.5 / fraction }
            let erfc = exp(-a * a) * 0.5641895835477563 / fraction
            return t < 0 ? erfc - 1 : 1 - erfc
        }
        let t2 = t * t
        var term = t, sum = t
        for n in 1...80 {
            term *= -t2 / Double(n)
            let add = term / Double(2 * n + 1)
            sum += add
            if abs(add) < 1e-17 { break }
        }
        return 1.1283791670955126 * sum
    }
}
