import Render

/// Background level and sensor noise of one frame, estimated from its pixel histogram.
///
/// The noise is σ = q(97.72 %) − q(84.13 %): the distance between the +2σ and +1σ points of the
/// background distribution. Both quantiles lie above the background level, so the estimate is
/// unaffected by clipping at 0 (a black background with noise) and by objects as long as they
/// cover less than about 2 % of the frame. The level is q(84.13 %) − σ (the median for clean
/// frames, where σ is below half a grey level). Quantiles interpolate
/// within unit-wide grey-level bins, which is how an 8-bit sensor quantises. When objects cover
/// too much of the frame for that (the estimate is far above q(84.13 %) − q(50 %)), the latter
/// is used instead, with the median as the level.
public struct Background: Sendable, Equatable {
    /// Background grey level (before clipping).
    public var level: Double
    /// Standard deviation of the sensor noise, in grey levels (0 for clean renders).
    public var sigma: Double

    public init(level: Double, sigma: Double) {
        self.level = level
        self.sigma = sigma
    }

    public init(luminance: [Double]) {
        var histogram = [Int](repeating: 0, count: 257)
        for value in luminance {
            let bin = Int((value + 0.5).rounded(.down))
            histogram[min(max(bin, 0), 256)] += 1
        }
        self.init(histogram: histogram, count: luminance.count)
    }

    /// From 8-bit grey pixels directly (the same result as from their luminance, faster).
    public init(grey pixels: [UInt8]) {
        var histogram = [Int](repeating: 0, count: 257)
        pixels.withUnsafeBufferPointer { p in for v in p { histogram[Int(v)] += 1 } }
        self.init(histogram: histogram, count: pixels.count)
    }

    init(histogram: [Int], count: Int) {
        let n = Double(max(count, 1))
        func quantile(_ q: Double) -> Double {
            var cumulative = 0.0
            for (bin, count) in histogram.enumerated() where count > 0 {
                let next = cumulative + Double(count) / n
                if next >= q { return Double(bin) - 0.5 + (q - cumulative) / (next - cumulative) }
                cumulative = next
            }
            return 255.5
        }
        let q50 = quantile(0.5), q84 = quantile(0.841345), q98 = quantile(0.977250)
        let upper = max(0, q98 - q84)
        // Objects covering more than ~2 % of the frame reach the 97.7 % point and inflate the
        // upper estimate; the median-to-84 % spread tolerates up to ~16 % (and reads ~15 % low
        // when the noise is clipped at black). Far apart, trust the lower one.
        let lower = max(0, q84 - q50)
        if upper > 1.5 * lower + 1 {
            sigma = lower
            level = q50
        } else {
            sigma = upper
            // Below half a grey level the spread is quantisation, not noise: the median is the level.
            level = sigma < 0.5 ? q50 : q84 - sigma
        }
    }
}

/// One object found in one frame.
public struct Detection: Sendable, Equatable {
    /// Sub-pixel centroid in image coordinates (pixels, y down; pixel (i, j) has centre (i+½, j+½)).
    public var u: Double
    public var v: Double
    /// Background-subtracted flux (sum of grey levels above the local background).
    public var flux: Double
    /// Radius of a uniform disc with the same second moment, in pixels.
    public var radius: Double
    /// One-sigma uncertainty of each centroid coordinate from noise and quantisation, in pixels.
    public var sigma: Double
    /// Bounding box of the pixels above threshold (inclusive).
    public var minX: Int, maxX: Int, minY: Int, maxY: Int
    /// The object touches the image border: its centroid is biased and it is not used for motion.
    public var touchesEdge: Bool
    /// Number of pixels above threshold.
    public var area: Int

    /// Whether the image point (u, v) lies within the bounding box grown by `margin` pixels.
    public func covers(u: Double, v: Double, margin: Double) -> Bool {
        u >= Double(minX) - margin && u <= Double(maxX + 1) + margin
            && v >= Double(minY) - margin && v <= Double(maxY + 1) + margin
    }
}

/// Finds objects in a frame: estimate the background, threshold adaptively, label connected
/// components (8-connected), and measure each by a background-subtracted intensity-weighted
/// centroid over its bounding box grown by a margin (so the faint anti-aliased rim counts),
/// with the local background taken from the ring of the window that belongs to no object.
public struct Detector: Sendable {
    public struct Options: Sendable, Equatable {
        /// Pixels above level + `threshold`·σ belong to an object (σ floored at `minimumSigma`).
        public var threshold: Double = 3
        /// An object's brightest pixel must exceed level + `peakThreshold`·σ.
        public var peakThreshold: Double = 6
        /// Floor for σ, in grey levels: clean renders still have quantisation.
        public var minimumSigma: Double = 0.5
        /// Extra pixels around the bounding box used for the centroid and the local background.
        public var margin: Int = 3
        /// Components with fewer pixels are ignored when the frame is noisy (σ above the floor).
        public var minimumNoisyArea: Int = 3
        /// The centroid aperture's radius exceeds the object's estimated radius by this (pixels).
        public var apertureMargin: Double = 1.5
        /// Recentring passes of the aperture (0: plain window centroid).
        public var apertureIterations: Int = 3
        /// Refine each centroid by a maximum-likelihood fit of a pixel-integrated Gaussian
        /// profile where that profile describes the blob to the noise (`ProfileFit`).
        public var profileFit = true
        public init() {}
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Luminance of every pixel (BT.601 weights for RGB), not rounded.
    public static func luminance(_ image: Image) -> [Double] {
        if image.channels == 1 { return image.pixels.map(Double.init) }
        var out = [Double](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<out.count {
                out[i] = 0.299 * Double(p[3 * i]) + 0.587 * Double(p[3 * i + 1]) + 0.114 * Double(p[3 * i + 2])
            }
        }
        return out
    }

    /// Objects in `image`, and the background they were measured against.
    public func detect(_ image: Image) -> (detections: [Detection], background: Background) {
        let lum = Self.luminance(image)
        var background = image.channels == 1 ? Background(grey: image.pixels) : Background(luminance: lum)
        var found = detect(luminance: lum, width: image.width, height: image.height, background: background)
        // The noise estimate assumes objects cover under ~2 % of the frame. When they cover more
        // (large discs in a small frame) it comes out too high; measure it again without the
        // objects found (grown by the margin) and detect again.
        let w = image.width, h = image.height, m = options.margin
        var covered = 0
        for d in found { covered += (min(w - 1, d.maxX + m) - max(0, d.minX - m) + 1) * (min(h - 1, d.maxY + m) - max(0, d.minY - m) + 1) }
        if covered * 100 > w * h {
            var mask = [Bool](repeating: false, count: w * h)
            for d in found {
                for y in max(0, d.minY - m)...min(h - 1, d.maxY + m) {
                    for x in max(0, d.minX - m)...min(w - 1, d.maxX + m) { mask[y * w + x] = true }
                }
            }
            let rest = lum.indices.filter { !mask[$0] }.map { lum[$0] }
            if rest.count * 2 >= lum.count {
                background = Background(luminance: rest)
                found = detect(luminance: lum, width: w, height: h, background: background)
            }
        }
        return (found, background)
    }

    public func detect(luminance lum: [Double], width: Int, height: Int, background: Background) -> [Detection] {
        let sigma = max(background.sigma, options.minimumSigma)
        let noisy = background.sigma > options.minimumSigma
        let cut = background.level + options.threshold * sigma
        let peakCut = background.level + options.peakThreshold * sigma
        // Label 8-connected components above the cut with an explicit stack (no recursion).
        var label = [Int32](repeating: 0, count: width * height)
        var components: [(pixels: [Int], peak: Double)] = []
        var stack: [Int] = []
        for start in 0..<(width * height) where lum[start] > cut && label[start] == 0 {
            let id = Int32(components.count + 1)
            label[start] = id
            stack.append(start)
            var pixels: [Int] = []
            var peak = -Double.infinity
            while let p = stack.popLast() {
                pixels.append(p)
                peak = max(peak, lum[p])
                let x = p % width, y = p / width
                for dy in -1...1 {
                    let yy = y + dy
                    if yy < 0 || yy >= height { continue }
                    for dx in -1...1 {
                        let xx = x + dx
                        if xx < 0 || xx >= width || (dx == 0 && dy == 0) { continue }
                        let q = yy * width + xx
                        if label[q] == 0 && lum[q] > cut {
                            label[q] = id
                            stack.append(q)
                        }
                    }
                }
            }
            components.append((pixels, peak))
        }
        var out: [Detection] = []
        for (index, component) in components.enumerated() {
            guard component.peak > peakCut else { continue }
            if noisy && component.pixels.count < options.minimumNoisyArea { continue }
            let id = Int32(index + 1)
            var minX = width, maxX = -1, minY = height, maxY = -1
            for p in component.pixels {
                let x = p % width, y = p / width
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
            let m = options.margin
            let x0 = max(0, minX - m), x1 = min(width - 1, maxX + m)
            let y0 = max(0, minY - m), y1 = min(height - 1, maxY + m)
            let touchesEdge = minX - 1 < 0 || minY - 1 < 0 || maxX + 1 >= width || maxY + 1 >= height
            // Local background: window pixels more than one pixel outside the box that belong to
            // no component, sigma-clipped around the global level.
            var ringSum = 0.0, ringCount = 0
            for y in y0...y1 {
                for x in x0...x1 where x < minX - 1 || x > maxX + 1 || y < minY - 1 || y > maxY + 1 {
                    let q = y * width + x
                    if label[q] == 0 && lum[q] <= cut {
                        ringSum += lum[q]
                        ringCount += 1
                    }
                }
            }
            let local: Double
            if ringCount >= 8 {
                local = ringSum / Double(ringCount)
            } else {
                local = background.level
            }
            // First pass: the whole window. Then a circular aperture a little larger than the
            // object, recentred a few times: fewer background pixels, so less noise.
            // With little net flux (negative weights from the background subtraction) the centroid
            // can land anywhere, even at ±∞: such a blob is not measurable and is skipped.
            func inside(_ u: Double, _ v: Double) -> Bool {
                u >= Double(x0) && u <= Double(x1 + 1) && v >= Double(y0) && v <= Double(y1 + 1)
            }
            guard var c = weightedCentroid(lum, width: width, id: id, label: label, local: local,
                                           box: (x0, x1, y0, y1), aperture: nil), inside(c.u, c.v)
            else { continue }
            let areaRadius = (Double(component.pixels.count) / Double.pi).squareRoot()
            let boxRadius = Double(max(x1 - x0, y1 - y0) + 1)
            let apertureRadius = min(c.radius.isFinite ? max(c.radius, areaRadius) : areaRadius, boxRadius) + options.apertureMargin
            for _ in 0..<options.apertureIterations {
                let ax0 = max(0, Int((c.u - apertureRadius - 1).rounded(.down)))
                let ax1 = min(width - 1, Int((c.u + apertureRadius + 1).rounded(.up)))
                let ay0 = max(0, Int((c.v - apertureRadius - 1).rounded(.down)))
                let ay1 = min(height - 1, Int((c.v + apertureRadius + 1).rounded(.up)))
                guard ax0 <= ax1, ay0 <= ay1,
                      let next = weightedCentroid(lum, width: width, id: id, label: label, local: local,
                                                  box: (ax0, ax1, ay0, ay1), aperture: (c.u, c.v, apertureRadius))
                else { break }
                guard inside(next.u, next.v) else { break }
                let moved = abs(next.u - c.u) + abs(next.v - c.v)
                c = (next.u, next.v, c.radius, next.flux, next.spread)
                if moved < 1e-4 { break }
            }
            // Noise per pixel: sensor σ plus uniform quantisation (1/12 of a grey level squared).
            let pixelSigma = (background.sigma * background.sigma + 1.0 / 12.0).squareRoot()
            var position = (u: c.u, v: c.v, sigma: pixelSigma * c.spread.squareRoot() / c.flux)
            if options.profileFit {
                // saturated: 8-bit white, or the peak level held by three pixels or more
                let top = component.pixels.reduce(0) { $0 + (lum[$1] >= component.peak - 0.5 ? 1 : 0) }
                let saturated = component.peak >= 254.5 || top >= 3 ? component.peak - 0.5 : .infinity
                if let f = ProfileFit.fit(lum, width: width, height: height, label: label, id: id,
                                          start: (c.u, c.v, c.flux, c.radius / 2), background: local,
                                          pixelSigma: pixelSigma, saturated: saturated),
                   f.reducedChiSquare <= ProfileFit.maxReducedChiSquare, inside(f.u, f.v) {
                    position = (f.u, f.v, max(f.sigmaU, f.sigmaV))
                }
            }
            out.append(Detection(
                u: position.u, v: position.v, flux: c.flux, radius: c.radius,
                sigma: position.sigma,
                minX: minX, maxX: maxX, minY: minY, maxY: maxY,
                touchesEdge: touchesEdge, area: component.pixels.count))
        }
        return out
    }

    /// Background-subtracted intensity-weighted centroid over `box`, skipping other objects'
    /// pixels; with an aperture, each pixel is weighted by the share of it inside the circle
    /// (a linear ramp over one pixel at the rim, so the centroid moves smoothly with the circle).
    /// Returns nil when the net flux is not positive.
    func weightedCentroid(_ lum: [Double], width: Int, id: Int32, label: [Int32], local: Double,
                          box: (Int, Int, Int, Int), aperture: (u: Double, v: Double, r: Double)?)
        -> (u: Double, v: Double, radius: Double, flux: Double, spread: Double)? {
        var sw = 0.0, sx = 0.0, sy = 0.0
        var mask = [Double](repeating: 1, count: (box.1 - box.0 + 1) * (box.3 - box.2 + 1))
        var k = 0
        for y in box.2...box.3 {
            for x in box.0...box.1 {
                defer { k += 1 }
                let q = y * width + x
                if label[q] != 0 && label[q] != id { mask[k] = 0; continue }   // another object's pixels
                if let a = aperture {
                    let du = Double(x) + 0.5 - a.u, dv = Double(y) + 0.5 - a.v
                    mask[k] = min(1, max(0, a.r + 0.5 - (du * du + dv * dv).squareRoot()))
                    if mask[k] == 0 { continue }
                }
                let w = mask[k] * (lum[q] - local)
                sw += w
                sx += w * (Double(x) + 0.5)
                sy += w * (Double(y) + 0.5)
            }
        }
        guard sw > 0 else { return nil }
        let cu = sx / sw, cv = sy / sw
        var s2 = 0.0, spread = 0.0
        k = 0
        for y in box.2...box.3 {
            for x in box.0...box.1 {
                defer { k += 1 }
                let m = mask[k]
                if m == 0 { continue }
                let du = Double(x) + 0.5 - cu, dv = Double(y) + 0.5 - cv
                s2 += m * max(0, lum[y * width + x] - local) * (du * du + dv * dv)
                spread += m * m * du * du
            }
        }
        return (cu, cv, (2 * s2 / sw).squareRoot(), sw, spread)
    }
}
