import Foundation

/// How an optical system spreads the light of a point source over the sensor: the point-spread
/// function (PSF), integrated over each pixel. Widths are in pixels.
///
/// - `gaussian(sigma:)`: exp(−r²/2σ²)/(2πσ²); pixel integrals are exact (products of error
///   functions, the profile being separable).
/// - `moffat(fwhm:beta:)`: (β−1)/(πα²)·(1 + r²/α²)^(−β) with α = FWHM/(2√(2^(1/β) − 1)) (Moffat
///   1969), the usual model of atmospheric seeing; β = 2.5–4.765 in practice.
/// - `airy(firstZero:)`: the diffraction pattern of a circular aperture,
///   (k²/4π)·(2J₁(kr)/(kr))² with k = 3.8317/r₀ and r₀ = 1.22·λ·F-number the radius of the first dark
///   ring.
///
/// Moffat and Airy pixels are integrated by Gauss–Legendre quadrature: 4×4 points per pixel
/// within three FWHM of the centre (on 3×3 sub-cells in the core of a profile narrower than
/// 2 px), 2×2 beyond. Each profile is drawn out to `reach`: the light beyond it is dropped
/// (10⁻⁶ of a Gaussian's flux, 10⁻³ of a Moffat's, about 2 % of an Airy pattern's, whose
/// wings fall off only as r⁻³) — at most a few hundredths of a grey level per pixel.
public enum PointSpread: Sendable, Equatable, Codable {
    case gaussian(sigma: Double)
    case moffat(fwhm: Double, beta: Double)
    case airy(firstZero: Double)

    /// Radius (pixels) out to which the profile is drawn.
    public var reach: Double {
        switch self {
        case let .gaussian(s): return min(64, 5 * s + 1)
        case let .moffat(fwhm, beta):
            // flux outside R is (1 + R²/α²)^(1−β): R where that is 10⁻³
            let alpha = Self.moffatAlpha(fwhm: fwhm, beta: beta)
            return min(64, alpha * (pow(1e-3, 1 / (1 - beta)) - 1).squareRoot() + 1)
        case let .airy(r0): return min(64, 8 * r0 + 1)
        }
    }

    /// The profile's width as a full width at half maximum, pixels.
    public var fwhm: Double {
        switch self {
        case let .gaussian(s): return 2 * (2 * log(2.0)).squareRoot() * s
        case let .moffat(f, _): return f
        case let .airy(r0): return 0.8436 * r0  // FWHM of the Airy disc = 1.029 λF = 0.8436 r₀
        }
    }

    static func moffatAlpha(fwhm: Double, beta: Double) -> Double {
        fwhm / (2 * (pow(2, 1 / beta) - 1).squareRoot())
    }

    /// Light per unit area at distance² (pixels²) from a unit-flux source, with the profile's
    /// constants worked out once (not per quadrature point).
    func density() -> @Sendable (Double) -> Double {
        switch self {
        case let .gaussian(s):
            let a = 1 / (2 * s * s), norm = 1 / (2 * Double.pi * s * s)
            return { r2 in norm * exp(-r2 * a) }
        case let .moffat(fwhm, beta):
            let alpha = Self.moffatAlpha(fwhm: fwhm, beta: beta)
            let a = 1 / (alpha * alpha), norm = (beta - 1) / (Double.pi * alpha * alpha)
            return { r2 in norm * pow(1 + r2 * a, -beta) }
        case let .airy(r0):
            let k = 3.8317059702075125 / r0, norm = k * k / (4 * Double.pi)
            return { r2 in
                let x = k * r2.squareRoot()
                let amplitude = x < 1e-6 ? 1 - x * x / 8 : 2 * j1(x) / x
                return norm * amplitude * amplitude
            }
        }
    }

    /// Add the pixel-integrated light of a source of `flux` (per channel) at image coordinates
    /// (u, v) to `buffer` (row-major, `channels` interleaved), calling `touched` with the first
    /// index of every pixel it adds light to.
    func add(u: Double, v: Double, flux: [Double], to buffer: inout [Double], width: Int, height: Int, channels: Int,
             touched: (Int) -> Void) {
        let r = reach
        let lo = -1e9, hi = 1e9
        let i0 = max(0, Int(min(hi, max(lo, u - r)).rounded(.down)))
        let i1 = min(width - 1, Int(min(hi, max(lo, u + r)).rounded(.down)))
        let j0 = max(0, Int(min(hi, max(lo, v - r)).rounded(.down)))
        let j1 = min(height - 1, Int(min(hi, max(lo, v + r)).rounded(.down)))
        guard i0 <= i1, j0 <= j1 else { return }
        if case let .gaussian(s) = self {
            // separable: pixel (i, j) gets X_i·Y_j, each an exact difference of error functions
            let scale = 1 / (s * 2.0.squareRoot())
            func strip(_ a: Int, _ b: Int, _ c: Double) -> [Double] {
                (a...b).map { k in 0.5 * (erf((Double(k + 1) - c) * scale) - erf((Double(k) - c) * scale)) }
            }
            let xs = strip(i0, i1, u), ys = strip(j0, j1, v)
            for j in j0...j1 {
                let y = ys[j - j0]
                if y < 1e-12 { continue }
                for i in i0...i1 {
                    let f = xs[i - i0] * y
                    if f < 1e-12 { continue }
                    let base = (j * width + i) * channels
                    for c in 0..<channels { buffer[base + c] += f * flux[c] }
                    touched(base)
                }
            }
            return
        }
        let w = fwhm, near = 3 * w, density = density()
        for j in j0...j1 {
            for i in i0...i1 {
                // distance² from the source to the pixel's nearest point
                let dx = max(0, abs(Double(i) + 0.5 - u) - 0.5), dy = max(0, abs(Double(j) + 0.5 - v) - 0.5)
                let d2 = dx * dx + dy * dy
                if d2 > r * r { continue }
                let f = d2 >= near * near ? Self.pixelIntegral(density, i: i, j: j, u: u, v: v, cells: 1, fine: false)
                    : Self.pixelIntegral(density, i: i, j: j, u: u, v: v, cells: w < 2 && d2 < w * w ? 3 : 1, fine: true)
                if f < 1e-12 { continue }
                let base = (j * width + i) * channels
                for c in 0..<channels { buffer[base + c] += f * flux[c] }
                touched(base)
            }
        }
    }

    static let nodes4 = [0.0694318442029737, 0.3300094782075719, 0.6699905217924281, 0.9305681557970262]
    static let weights4 = [0.1739274225687269, 0.3260725774312731, 0.3260725774312731, 0.1739274225687269]
    static let nodes2 = [0.2113248654051871, 0.7886751345948129], weights2 = [0.5, 0.5]

    /// ∫∫ over pixel (i, j) of the unit-flux profile centred at (u, v): `cells`×`cells`
    /// sub-cells, each by 4×4-point (`fine`) or 2×2-point Gauss–Legendre quadrature.
    static func pixelIntegral(_ density: (Double) -> Double, i: Int, j: Int, u: Double, v: Double, cells: Int, fine: Bool) -> Double {
        let nodes = fine ? Self.nodes4 : Self.nodes2, weights = fine ? Self.weights4 : Self.weights2
        let h = 1 / Double(cells)
        var sum = 0.0
        for cy in 0..<cells {
            for cx in 0..<cells {
                for (a, wa) in zip(nodes, weights) {
                    let x = Double(i) + (Double(cx) + a) * h - u
                    for (b, wb) in zip(nodes, weights) {
                        let y = Double(j) + (Double(cy) + b) * h - v
                        sum += wa * wb * density(x * x + y * y)
                    }
                }
            }
        }
        return sum * h * h
    }
}
