import Foundation

/// A uniformly bright disc to draw, in image coordinates (pixels, y down).
public struct Disc: Sendable, Equatable {
    /// Centre in image coordinates (pixel (i, j) spans [i, i+1) × [j, j+1)).
    public var u: Double
    public var v: Double
    /// Radius in pixels.
    public var radius: Double
    /// Grey levels added at full coverage, one per channel (1 or 3).
    public var intensity: [Double]

    public init(u: Double, v: Double, radius: Double, intensity: [Double]) {
        self.u = u
        self.v = v
        self.radius = radius
        self.intensity = intensity
    }
}

/// Draws anti-aliased discs with exact area coverage onto a background, adds seeded Gaussian
/// sensor noise, and quantises to 8 bits.
///
/// A pixel's value is background + Σ coverage·intensity (+ noise), rounded to the nearest grey
/// level and clipped to [0, 255]. Coverage is the exact area of the pixel inside the disc
/// (`Coverage`), so the intensity centroid of a disc is its true centre up to quantisation.
public struct Rasteriser: Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Background level per channel (grey levels).
    public let background: [Double]
    /// Standard deviation of additive Gaussian noise, grey levels; 0 for none.
    public let noiseSigma: Double

    public init(width: Int, height: Int, channels: Int, background: [Double], noiseSigma: Double) {
        self.width = width
        self.height = height
        self.channels = channels
        self.background = background
        self.noiseSigma = noiseSigma
    }

    /// Exact-coverage light of `discs` over the background, before noise and quantisation.
    public func exposure(_ discs: [Disc]) -> [Double] {
        var buffer = [Double](repeating: 0, count: width * height * channels)
        for p in 0..<(width * height) {
            for c in 0..<channels { buffer[p * channels + c] = background[c] }
        }
        for disc in discs where disc.radius > 0 && disc.u.isFinite && disc.v.isFinite {
            let i0 = max(0, Int((disc.u - disc.radius).rounded(.down)))
            let i1 = min(width - 1, Int((disc.u + disc.radius).rounded(.down)))
            let j0 = max(0, Int((disc.v - disc.radius).rounded(.down)))
            let j1 = min(height - 1, Int((disc.v + disc.radius).rounded(.down)))
            if i0 > i1 || j0 > j1 { continue }
            for j in j0...j1 {
                for i in i0...i1 {
                    let f = Coverage.pixelFraction(i: i, j: j, cu: disc.u, cv: disc.v, radius: disc.radius)
                    if f == 0 { continue }
                    let base = (j * width + i) * channels
                    for c in 0..<channels { buffer[base + c] += f * disc.intensity[c] }
                }
            }
        }
        return buffer
    }

    /// The 8-bit frame: exposure plus noise drawn from `seed`, rounded and clipped.
    public func render(_ discs: [Disc], seed: UInt64) -> Image {
        let light = exposure(discs)
        var pixels = [UInt8](repeating: 0, count: light.count)
        if noiseSigma > 0 {
            var rng = SplitMix64(seed: seed)
            for k in 0..<light.count {
                pixels[k] = Self.quantise(light[k] + noiseSigma * rng.nextGaussian())
            }
        } else {
            for k in 0..<light.count { pixels[k] = Self.quantise(light[k]) }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    @inlinable static func quantise(_ x: Double) -> UInt8 {
        let r = x.rounded()
        return r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
    }
}
