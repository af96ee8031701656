import Foundation
import Testing
@testable import Render

@Suite struct CoverageTests {
    /// Independent check: integrate the disc's chord length over the rectangle with Simpson's rule.
    func numericArea(r: Double, x0: Double, x1: Double, y0: Double, y1: Double) -> Double {
        let n = 20000
        let h = (x1 - x0) / Double(n)
        func chord(_ x: Double) -> Double {
            guard abs(x) < r else { return 0 }
            let half = (r * r - x * x).squareRoot()
            return max(0, min(y1, half) - max(y0, -half))
        }
        var sum = chord(x0) + chord(x1)
        for k in 1..<n { sum += chord(x0 + Double(k) * h) * (k % 2 == 1 ? 4 : 2) }
        return sum * h / 3
    }

    @Test func exactAreaMatchesNumericIntegration() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<60 {
            let r = 0.3 + 4 * rng.nextUnit()
            let x0 = -5 + 10 * rng.nextUnit(), y0 = -5 + 10 * rng.nextUnit()
            let w = 0.2 + 3 * rng.nextUnit(), h = 0.2 + 3 * rng.nextUnit()
            let exact = Coverage.discRectangle(radius: r, x0: x0, x1: x0 + w, y0: y0, y1: y0 + h)
            let numeric = numericArea(r: r, x0: x0, x1: x0 + w, y0: y0, y1: y0 + h)
            // Simpson's rule converges slowly at the disc edge (√ singularity): 1e-5 is its accuracy here.
            #expect(abs(exact - numeric) < 1e-5, "r=\(r) rect=(\(x0), \(y0), \(w), \(h))")
        }
    }

    @Test(arguments: [0.4, 1.0, 2.3, 7.7])
    func pixelCoveragesSumToDiscArea(r: Double) {
        var total = 0.0
        let cu = 20.37, cv = 19.81
        for j in 0..<40 { for i in 0..<40 { total += Coverage.pixelFraction(i: i, j: j, cu: cu, cv: cv, radius: r) } }
        #expect(abs(total - Double.pi * r * r) < 1e-10)
    }
}

@Suite struct RasteriserTests {
    /// Background-subtracted intensity centroid in image coordinates (pixel centres at i + 0.5).
    func centroid(_ image: Image, background: Double) -> (Double, Double) {
        var s = 0.0, su = 0.0, sv = 0.0
        for j in 0..<image.height {
            for i in 0..<image.width {
                let w = Double(image[i, j, 0]) - background
                s += w; su += w * (Double(i) + 0.5); sv += w * (Double(j) + 0.5)
            }
        }
        return (su / s, sv / s)
    }

    /// Exact area coverage is what a sensor integrates; the plain pixel-centre centroid of such a
    /// disc carries a small discretisation bias that grows as the disc shrinks (≈ 0.012 px at
    /// r = 1.5, 0.006 px at r = 2.5 before quantisation). Occam's scenarios use r ≥ 2.5 px.
    @Test(arguments: [2.5, 3.0, 4.0, 6.0])
    func centroidOfRenderedDiscIsTruePosition(radius: Double) {
        let background = 17.0
        let raster = Rasteriser(width: 24, height: 24, channels: 1, background: [background], noiseSigma: 0)
        var worst = 0.0
        // 13 × 13 sub-pixel offsets over a full pixel.
        for a in 0..<13 {
            for b in 0..<13 {
                let u = 11 + Double(a) / 13 + 0.013, v = 11.5 + Double(b) / 13 + 0.007
                let image = raster.render([Disc(u: u, v: v, radius: radius, intensity: [180])], seed: 0)
                let (cu, cv) = centroid(image, background: background)
                worst = max(worst, abs(cu - u), abs(cv - v))
            }
        }
        #expect(worst < 0.01, "worst centroid error \(worst) px")
    }

    @Test func noiseIsSeededAndHasTheRequestedSigma() {
        let raster = Rasteriser(width: 64, height: 64, channels: 1, background: [100], noiseSigma: 2)
        let a = raster.render([], seed: 42), b = raster.render([], seed: 42), c = raster.render([], seed: 43)
        #expect(a == b)
        #expect(a != c)
        let values = a.pixels.map { Double($0) - 100 }
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean) < 0.1)
        // Quantising N(0, 2²) to integers adds variance 1/12.
        #expect(abs(sd - (4 + 1.0 / 12).squareRoot()) < 0.08)
    }

    @Test func rgbDiscUsesItsColour() {
        let raster = Rasteriser(width: 16, height: 16, channels: 3, background: [0, 0, 0], noiseSigma: 0)
        let image = raster.render([Disc(u: 8, v: 8, radius: 3, intensity: [200, 100, 50])], seed: 0)
        #expect(image[8, 8, 0] == 200 && image[8, 8, 1] == 100 && image[8, 8, 2] == 50)
        #expect(image[0, 0, 0] == 0)
    }

    @Test func cameraMapsYUpToRowsDown() {
        let camera = Camera(width: 100, height: 80, pixelsPerUnit: 10, centreX: 1, centreY: 2)
        let p = camera.project(.init(1, 2, 0))
        #expect(p.u == 50 && p.v == 40)
        let q = camera.project(.init(2, 3, 0))
        #expect(q.u == 60 && q.v == 30)
        let back = camera.unproject(u: q.u, v: q.v)
        #expect(back.x == 2 && back.y == 3)
    }
}

/// Point sources through a point-spread function, checked against the tests' own integration:
/// midpoint sums on a 24×24 grid per pixel of the written-out profile formulas.
@Suite struct PointSpreadTests {
    static func profile(_ psf: PointSpread, _ r2: Double) -> Double {
        switch psf {
        case let .gaussian(s): return exp(-r2 / (2 * s * s)) / (2 * Double.pi * s * s)
        case let .moffat(fwhm, beta):
            let a = fwhm / (2 * (pow(2, 1 / beta) - 1).squareRoot())
            return (beta - 1) / (Double.pi * a * a) / pow(1 + r2 / (a * a), beta)
        case let .airy(r0):
            let x = 3.8317059702075125 / r0 * r2.squareRoot()
            let k = 3.8317059702075125 / r0
            let amp = x < 1e-9 ? 1 : 2 * j1(x) / x
            return k * k / (4 * Double.pi) * amp * amp
        }
    }

    static func brute(_ psf: PointSpread, i: Int, j: Int, u: Double, v: Double) -> Double {
        let n = 24
        var sum = 0.0
        for a in 0..<n {
            for b in 0..<n {
                let x = Double(i) + (Double(a) + 0.5) / Double(n) - u, y = Double(j) + (Double(b) + 0.5) / Double(n) - v
                sum += profile(psf, x * x + y * y)
            }
        }
        return sum / Double(n * n)
    }

    static let shapes: [PointSpread] = [.gaussian(sigma: 0.8), .gaussian(sigma: 1.3), .moffat(fwhm: 2.6, beta: 3),
                                        .moffat(fwhm: 1.5, beta: 2.5), .airy(firstZero: 2.0)]

    /// Every pixel's light within 0.5 % of the peak pixel's of the brute-force integral.
    @Test(arguments: shapes)
    func pixelIntegralsMatchBruteForce(psf: PointSpread) {
        let size = 48, u = 23.37, v = 24.81, flux = 1000.0
        var light = [Double](repeating: 0, count: size * size)
        psf.add(u: u, v: v, flux: [flux], to: &light, width: size, height: size, channels: 1) { _ in }
        var worst = 0.0, peak = 0.0
        for j in 16..<33 {
            for i in 16..<33 {
                let expected = flux * Self.brute(psf, i: i, j: j, u: u, v: v)
                peak = max(peak, expected)
                worst = max(worst, abs(light[j * size + i] - expected))
            }
        }
        #expect(worst < 0.005 * peak, "\(psf): worst \(worst) of peak \(peak)")
    }

    /// The drawn light adds up to the flux, less what lies beyond the profile's reach.
    @Test(arguments: shapes)
    func fluxIsConserved(psf: PointSpread) {
        let size = 160, flux = 5000.0
        var light = [Double](repeating: 0, count: size * size)
        psf.add(u: 80.2, v: 79.6, flux: [flux], to: &light, width: size, height: size, channels: 1) { _ in }
        let total = light.reduce(0, +)
        let lost: Double
        switch psf { case .gaussian: lost = 1e-5; case .moffat: lost = 2e-3; case .airy: lost = 0.03 }
        #expect(total <= flux * (1 + 1e-3) && total >= flux * (1 - lost), "\(psf): \(total) of \(flux)")
    }

    /// A saturated star reads the saturation level wherever its light would exceed it, and is
    /// unchanged everywhere else.
    @Test func saturationClipsOnlyTheCore() {
        func draw(_ level: Double) -> Image {
            Rasteriser(width: 64, height: 64, channels: 1, background: [20], noiseSigma: 0, psf: .gaussian(sigma: 1.3),
                       saturation: level).render([], points: [PointSource(u: 31.7, v: 32.2, flux: [4000])], seed: 1)
        }
        let clipped = draw(200), full = draw(255)
        var saturated = 0
        for j in 0..<64 {
            for i in 0..<64 {
                let c = clipped[i, j, 0], f = full[i, j, 0]
                if f > 200 { #expect(c == 200); saturated += 1 } else { #expect(c == f) }
            }
        }
        // peak 4000/(2π·1.3²) = 377 over a sky of 20: a core of several pixels
        #expect(saturated >= 4, "\(saturated) saturated pixels")
    }

    /// With noise the saturated core reads its level plus the noise, not 255.
    @Test func noiseComesAfterSaturation() {
        let r = Rasteriser(width: 32, height: 32, channels: 1, background: [20], noiseSigma: 2,
                           psf: .gaussian(sigma: 1.3), saturation: 200)
        let image = r.render([], points: [PointSource(u: 16, v: 16, flux: [40000])], seed: 3)
        let core = [image[15, 15, 0], image[16, 15, 0], image[15, 16, 0], image[16, 16, 0]].map(Double.init)
        #expect(core.allSatisfy { abs($0 - 200) <= 8 }, "\(core)")
    }
}
