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

/// A point source (a star, a planet too far to resolve), drawn through the point-spread function.
public struct PointSource: Sendable, Equatable {
    /// Position in image coordinates (pixels, y down).
    public var u: Double
    public var v: Double
    /// Total light, grey levels × pixels, one per channel (1 or 3).
    public var flux: [Double]

    public init(u: Double, v: Double, flux: [Double]) {
        self.u = u
        self.v = v
        self.flux = flux
    }
}

/// Draws anti-aliased discs with exact area coverage and point sources through a point-spread
/// function onto a background, saturates, adds seeded Gaussian sensor noise, and quantises to 8
/// bits.
///
/// A pixel's value is min(saturation, background + Σ coverage·intensity + Σ flux·PSF-integral)
/// (+ noise), rounded to the nearest grey level and clipped to [0, 255]. Coverage is the exact
/// area of the pixel inside the disc (`Coverage`), so the intensity centroid of a disc is its
/// true centre up to quantisation; a PSF is integrated over each pixel (`PointSpread`).
/// Saturation comes before the noise: a saturated core reads its level plus read noise.
public struct Rasteriser: Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Background level per channel (grey levels).
    public let background: [Double]
    /// Standard deviation of additive Gaussian noise, grey levels; 0 for none.
    public let noiseSigma: Double
    /// How point sources spread (nil: point sources are not drawn).
    public let psf: PointSpread?
    /// Level (grey) at which the sensor saturates; light above it reads as this level.
    public let saturation: Double

    public init(width: Int, height: Int, channels: Int, background: [Double], noiseSigma: Double,
                psf: PointSpread? = nil, saturation: Double = 255) {
        self.width = width
        self.height = height
        self.channels = channels
        self.background = background
        self.noiseSigma = noiseSigma
        self.psf = psf
        self.saturation = saturation
    }

    /// Light of `discs` (exact coverage) and `points` (through the PSF) over the background,
    /// saturated, before noise and quantisation.
    public func exposure(_ discs: [Disc], points: [PointSource] = []) -> [Double] {
        var buffer = [Double](repeating: 0, count: width * height * channels)
        for p in 0..<(width * height) {
            for c in 0..<channels { buffer[p * channels + c] = background[c] }
        }
        _ = add(discs, to: &buffer)
        _ = add(points, to: &buffer)
        if saturation < 255 { for k in buffer.indices where buffer[k] > saturation { buffer[k] = saturation } }
        return buffer
    }

    /// Add each point source's pixel-integrated light to `buffer`; returns the first index of
    /// every pixel touched.
    private func add(_ points: [PointSource], to buffer: inout [Double]) -> [Int] {
        guard let psf else { return [] }
        var touched: [Int] = []
        for p in points where p.u.isFinite && p.v.isFinite {
            psf.add(u: p.u, v: p.v, flux: p.flux, to: &buffer, width: width, height: height, channels: channels) { touched.append($0) }
        }
        return touched
    }

    /// Add each disc's exact-coverage light to `buffer`; returns the first index of every pixel
    /// touched (a pixel appears once per disc covering it).
    private func add(_ discs: [Disc], to buffer: inout [Double]) -> [Int] {
        var touched: [Int] = []
        for disc in discs where disc.radius > 0 && disc.u.isFinite && disc.v.isFinite {
            guard let (i0, i1, j0, j1) = box(disc) else { continue }
            for j in j0...j1 {
                for i in i0...i1 {
                    let f = Coverage.pixelFraction(i: i, j: j, cu: disc.u, cv: disc.v, radius: disc.radius)
                    if f == 0 { continue }
                    let base = (j * width + i) * channels
                    for c in 0..<channels { buffer[base + c] += f * disc.intensity[c] }
                    touched.append(base)
                }
            }
        }
        return touched
    }

    /// The 8-bit frame: exposure plus noise drawn from `seed`, rounded and clipped.
    public func render(_ discs: [Disc], points: [PointSource] = [], seed: UInt64) -> Image {
        if noiseSigma > 0 {
            let light = exposure(discs, points: points)
            var pixels = [UInt8](repeating: 0, count: light.count)
            var rng = SplitMix64(seed: seed)
            for k in 0..<light.count {
                pixels[k] = Self.quantise(light[k] + noiseSigma * rng.nextGaussian())
            }
            return Image(width: width, height: height, channels: channels, pixels: pixels)
        }
        // Without noise only the discs' bounding boxes differ from the background: quantise
        // those pixels and fill the rest with the quantised background (same result, less work).
        let level = background.map(Self.quantise)
        var pixels: [UInt8]
        if channels == 1 {
            pixels = [UInt8](repeating: level[0], count: width * height)
        } else {
            pixels = [UInt8](repeating: 0, count: width * height * channels)
            for p in 0..<(width * height) {
                for c in 0..<channels { pixels[p * channels + c] = level[c] }
            }
        }
        var extra = [Double](repeating: 0, count: width * height * channels)
        let touched = add(discs, to: &extra) + add(points, to: &extra)
        for base in touched {
            for c in 0..<channels { pixels[base + c] = Self.quantise(min(saturation, background[c] + extra[base + c])) }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Pixel bounding box of a disc clipped to the image, or nil when it is off-image.
    func box(_ disc: Disc) -> (i0: Int, i1: Int, j0: Int, j1: Int)? {
        let lo = -1e9, hi = 1e9  // keep far-off positions from overflowing Int
        let i0 = max(0, Int(min(hi, max(lo, disc.u - disc.radius)).rounded(.down)))
        let i1 = min(width - 1, Int(min(hi, max(lo, disc.u + disc.radius)).rounded(.down)))
        let j0 = max(0, Int(min(hi, max(lo, disc.v - disc.radius)).rounded(.down)))
        let j1 = min(height - 1, Int(min(hi, max(lo, disc.v + disc.radius)).rounded(.down)))
        return i0 > i1 || j0 > j1 ? nil : (i0, i1, j0, j1)
    }

    @inlinable static func quantise(_ x: Double) -> UInt8 {
        let r = x.rounded()
        return r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
    }
}
