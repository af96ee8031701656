import TestSupport
import Foundation
import Render

/// Frames drawn by the tests' own code, independent of Occam's renderer: discs by brute-force
/// supersampling (not exact area coverage), Gaussian blobs (another renderer's look), a
/// background level, and Gaussian noise from a local generator, rounded and clipped to 8 bits.
struct Sketch {
    var width: Int
    var height: Int
    var background: Double = 0
    var noise: Double = 0
    var seed: UInt64 = 7
    /// Subsamples per pixel side for discs.
    var supersampling = 12

    enum Shape { case disc(radius: Double), gaussian(sigma: Double) }
    struct Object { var u: Double; var v: Double; var shape: Shape; var brightness: Double }

    func draw(_ objects: [Object], frame: Int) -> Image {
        var value = [Double](repeating: background, count: width * height)
        for o in objects {
            switch o.shape {
            case .disc(let r):
                let n = supersampling
                for y in TestSupport.Sketch.span(o.v, radius: r, size: height) {
                    for x in TestSupport.Sketch.span(o.u, radius: r, size: width) {
                        let inside = TestSupport.Sketch.samplesInside(x: x, y: y, cu: o.u, cv: o.v, radius: r, n: n)
                        value[y * width + x] += o.brightness * Double(inside) / Double(n * n)
                    }
                }
            case .gaussian(let s):
                let reach = Int(4 * s) + 1
                for y in max(0, Int(o.v) - reach)...min(height - 1, Int(o.v) + reach) {
                    for x in max(0, Int(o.u) - reach)...min(width - 1, Int(o.u) + reach) {
                        let dx = Double(x) + 0.5 - o.u, dy = Double(y) + 0.5 - o.v
                        value[y * width + x] += o.brightness * exp(-(dx * dx + dy * dy) / (2 * s * s))
                    }
                }
            }
        }
        var rng = XorShift64Star(seed: seed &+ UInt64(frame) &* 0x9E37_79B9)
        let pixels = value.map { v -> UInt8 in
            let noisy = noise > 0 ? v + noise * rng.gaussian() : v
            return UInt8(max(0, min(255, noisy.rounded())))
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }
}
