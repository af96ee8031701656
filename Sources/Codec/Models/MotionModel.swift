import Foundation
import Render
import Tracking

/// The object levels (`motion`, `learned`, `law`): a predicted frame drawn from a model of the
/// scene and its objects' appearance learned from the decoded frames. The static scene
/// (background, stars) is a per-pixel running mean of the decoded frames, which averages sensor
/// noise down; moving objects are found in each decoded frame (Occam's detector), linked across
/// frames, moved to the next frame by the level's `Predictor` (constant acceleration, a library
/// regression, or a law) and drawn as discs with exact area coverage, with a radius and
/// brightness fitted to their pixels (radius from flux / peak brightness). Nothing about
/// Occam's renderer is assumed beyond "objects are roughly uniform discs".
///
/// Each pixel is predicted either as the predicted frame itself or as the predicted frame plus
/// the median-edge prediction of the neighbours' misprediction; per context the model keeps
/// the recent absolute error of both and uses the better one (noise favours the first,
/// a slightly wrong object the second).
struct MotionModel<Predictor: MotionPredictor>: PixelModel {
    let geometry: Geometry
    var temporal: TemporalModel
    /// Running mean of the static scene and how many frames it averages (per sample).
    var mean: [Double]
    var count: [UInt16]
    /// The predicted frame for the frame being coded.
    var predicted: [Double]
    var predictedInt: [Int32]
    /// Per pixel: level and rounding-fraction class of the predicted value (see `beginFrame`).
    var valueClass: [UInt8]
    /// Structure of the predicted frame per pixel (bucket of its local gradient).
    var structure: [UInt8]
    /// Rows that a predicted object touches.
    /// Per row: 0 without a predicted object, else 1 + how many of its predicted pixels sit near a
    /// rounding boundary (0, 1–2, 3+), where a ±1 is likely.
    var objectRows: [UInt8]
    /// Detections of the last few decoded frames (oldest first) and the frame index of the last.
    var history: [[Detection]] = []
    var decodedFrames = 0
    var noise = 0.0
    /// Per selection context: recent absolute error of [plain, corrected].
    var errors: [Int32]

    static var historyLength: Int { 6 }
    /// The detector and associator as stream version 3 has them: the object levels' predictions
    /// depend on every position they return, bit for bit, so the tracker's later refinements
    /// (the profile fit, the flux gate) stay out of the codec until a stream version says so.
    static var detector: Detector {
        var o = Detector.Options()
        o.profileFit = false
        return Detector(options: o)
    }
    static var associator: Associator {
        var o = Associator.Options()
        o.fluxRatio = .infinity
        return Associator(options: o)
    }
    /// Position corrections are coded in 1/quantum pixel.
    static var quantum: Double { 1024 }
    var corrections = SignedCoder()
    /// Disc-fitted positions of the moving objects in each frame of `history`, keyed by centroid.
    var fitted: [[(cu: Double, cv: Double, u: Double, v: Double)]] = []

    /// Where each moving object goes next: constant acceleration (`motion`), a library
    /// regression (`learned`) or a law (`law`).
    var predictor: Predictor
    /// Pixel position of the reference body (the brightest static object), averaged over frames.
    var reference: (u: Double, v: Double, n: Double)?

    init(geometry: Geometry, predictor: Predictor) {
        self.geometry = geometry
        self.predictor = predictor
        temporal = TemporalModel(geometry: geometry)
        mean = Array(repeating: 0, count: geometry.count)
        count = Array(repeating: 0, count: geometry.count)
        predicted = Array(repeating: 0, count: geometry.count)
        predictedInt = Array(repeating: 0, count: geometry.count)
        structure = Array(repeating: 0, count: geometry.count)
        valueClass = Array(repeating: 0, count: geometry.count)
        objectRows = Array(repeating: 0, count: geometry.height)
        errors = Array(repeating: 0, count: 16 * 2)
    }

    public var contexts: Int { 64 + 4 * 5 * 64 }

    /// An object to draw: centre, radius and per-channel brightness above the background.
    struct Sprite {
        var u: Double; var v: Double; var radius: Double; var brightness: [Double]
        /// How many disc fits `radius` and `brightness` average.
        var fits = 0.0
    }
    var sprites: [Sprite] = []

    public mutating func beginFrame<C: BinaryCoder>(_ index: Int, original: UnsafePointer<UInt8>?, coder: inout C) {
        guard decodedFrames > 0 else { return }
        let g = geometry
        // Position corrections: the encoder fits each predicted object to the frame it is about
        // to code and sends the difference, in 1/`quantum` px; the decoder applies the same.
        // Their cost is what the dynamics model failed to predict.
        for k in sprites.indices {
            var du = 0, dv = 0
            if let original {
                let start = DiscFit(u: sprites[k].u, v: sprites[k].v, radius: sprites[k].radius,
                                    brightness: sprites[k].brightness.reduce(0, +))
                let fit = mean.withUnsafeBufferPointer { DiscFit.fit(original, background: $0.baseAddress!, geometry: g, start: start) }
                if let fit, abs(fit.u - start.u) < 8, abs(fit.v - start.v) < 8 {
                    du = Int(((fit.u - start.u) * Self.quantum).rounded())
                    dv = Int(((fit.v - start.v) * Self.quantum).rounded())
                    (du, dv) = bestCorrection(for: sprites[k], near: (du, dv), original: original)
                }
            }
            du = corrections.code(du, coder: &coder)
            dv = corrections.code(dv, coder: &coder)
            sprites[k].u += Double(du) / Self.quantum
            sprites[k].v += Double(dv) / Self.quantum
        }
        for i in 0..<g.count { predicted[i] = mean[i] }
        for k in objectRows.indices { objectRows[k] = 0 }
        for s in sprites {
            let r = s.radius
            // off the frame or not finite (a bad law's prediction): nothing to draw
            guard s.u.isFinite, s.v.isFinite, r.isFinite, abs(s.u) < 1e6, abs(s.v) < 1e6, r < 1e4 else { continue }
            let x0 = max(0, Int((s.u - r).rounded(.down)) - 1), x1 = min(g.width - 1, Int((s.u + r).rounded(.up)) + 1)
            let y0 = max(0, Int((s.v - r).rounded(.down)) - 1), y1 = min(g.height - 1, Int((s.v + r).rounded(.up)) + 1)
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                objectRows[y] = 1
                for x in x0...x1 {
                    let f = Coverage.pixelFraction(i: x, j: y, cu: s.u, cv: s.v, radius: r)
                    if f == 0 { continue }
                    for c in 0..<g.channels { predicted[(y * g.width + x) * g.channels + c] += f * s.brightness[c] }
                }
            }
        }
        predicted.withUnsafeBufferPointer { src in
            predictedInt.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = Int32(min(255, max(0, src[i])) + 0.5) }   // round half up
            }
        }
        // Class of each predicted value: its level near the clipping limits, where the noise is
        // one-sided, and its fraction — near a rounding boundary (x.5) a ±1 is likely, and its
        // sign follows the side.
        predicted.withUnsafeBufferPointer { src in
            valueClass.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    let v = min(255, max(0, src[i]))
                    let whole = Int(v)
                    let f = v - Double(whole)
                    let fraction = f < 0.35 ? 0 : f < 0.5 ? 1 : f < 0.65 ? 2 : 3
                    let plain = Int(v + 0.5)
                    let level = plain <= 2 ? plain : plain >= 253 ? 4 : 3
                    dst[i] = UInt8(fraction * 5 + level)
                }
            }
        }
        // Rows with objects: count the pixels whose predicted value is close to x.5.
        for y in 0..<g.height where objectRows[y] > 0 {
            var uncertain = 0
            for k in (y * g.rowStride)..<((y + 1) * g.rowStride) {
                let f = predicted[k] - predicted[k].rounded(.down)
                if f > 0.3 && f < 0.7 && predicted[k] > 0.5 && predicted[k] < 254.5 { uncertain += 1 }
            }
            objectRows[y] = uncertain == 0 ? 1 : uncertain <= 2 ? 2 : 3
        }
        // Structure: the predicted frame's local gradient (0 where it is flat).
        let w = g.width, h = g.height, ch = g.channels, rs = g.rowStride
        predictedInt.withUnsafeBufferPointer { pb in
            structure.withUnsafeMutableBufferPointer { sb in
                let p = pb.baseAddress!, st = sb.baseAddress!
                for y in 0..<h {
                    for x in 0..<w {
                        for c in 0..<ch {
                            let i = (y * w + x) * ch + c
                            let v = p[i]
                            var a: Int32 = 0
                            if x > 0 { a &+= abs(v &- p[i - ch]) }
                            if x + 1 < w { a &+= abs(v &- p[i + ch]) }
                            if y > 0 { a &+= abs(v &- p[i - rs]) }
                            if y + 1 < h { a &+= abs(v &- p[i + rs]) }
                            st[i] = a == 0 ? 0 : a <= 4 ? 1 : a <= 40 ? 2 : 3
                        }
                    }
                }
            }
        }
    }

    /// The encoder's rate–distortion choice of a sprite's position correction: among corrections
    /// near the disc fit's (and none at all), the one whose drawn sprite leaves the fewest
    /// mispredicted pixels, each counted at `pixelBits`, plus what the correction itself costs.
    /// The fit is the least-squares position, not the one that rounds to the frame's pixels;
    /// a correction a unit or two away often reproduces the frame exactly, and one of 0 is
    /// nearly free. The decoder only applies what is coded, so this is the encoder's business.
    func bestCorrection(for sprite: Sprite, near fit: (Int, Int), original: UnsafePointer<UInt8>) -> (Int, Int) {
        let g = geometry, r = sprite.radius
        // In noisy frames every candidate leaves the noise; the search would only cost time.
        guard noise <= 0.5 else { return fit }
        guard sprite.u.isFinite, sprite.v.isFinite, r.isFinite, abs(sprite.u) < 1e6, abs(sprite.v) < 1e6, r < 64 else { return fit }
        // Every pixel the disc can touch at the fit's position, or at none (correction 0).
        let fu = sprite.u + Double(fit.0) / Self.quantum, fv = sprite.v + Double(fit.1) / Self.quantum
        let x0 = max(0, Int((min(sprite.u, fu) - r).rounded(.down)) - 1), x1 = min(g.width - 1, Int((max(sprite.u, fu) + r).rounded(.up)) + 1)
        let y0 = max(0, Int((min(sprite.v, fv) - r).rounded(.down)) - 1), y1 = min(g.height - 1, Int((max(sprite.v, fv) + r).rounded(.up)) + 1)
        guard x0 <= x1, y0 <= y1 else { return fit }
        let pixelBits = 8.0
        func mismatches(_ du: Int, _ dv: Int, bound: Int) -> Int {
            let cu = sprite.u + Double(du) / Self.quantum, cv = sprite.v + Double(dv) / Self.quantum
            var n = 0
            for y in y0...y1 {
                for x in x0...x1 {
                    let f = Coverage.pixelFraction(i: x, j: y, cu: cu, cv: cv, radius: r)
                    for c in 0..<g.channels {
                        let i = (y * g.width + x) * g.channels + c
                        let p = Int32(min(255, max(0, mean[i] + f * sprite.brightness[c])) + 0.5)
                        if p != Int32(original[i]) { n += 1; if n > bound { return n } }
                    }
                }
            }
            return n
        }
        var candidates: [(Int, Int)] = [(0, 0)]
        for a in -3...3 { for b in -3...3 { candidates.append((fit.0 + a, fit.1 + b)) } }
        var best = fit, bestCost = Double.infinity
        for (du, dv) in candidates {
            let side = corrections.cost(du) + corrections.cost(dv)
            guard side < bestCost else { continue }
            let bound = bestCost.isFinite ? Int((bestCost - side) / pixelBits) + 1 : Int.max
            let cost = side + pixelBits * Double(mismatches(du, dv, bound: bound))
            if cost < bestCost { bestCost = cost; best = (du, dv) }
        }
        return best
    }

    @inline(__always)
    public func predict(_ frame: UnsafePointer<UInt8>, x: Int, y: Int, c: Int, westResidual: Int) -> (prediction: Int, context: Int) {
        guard decodedFrames > 0 else { return temporal.predict(frame, x: x, y: y, c: c, westResidual: westResidual) }
        let g = geometry
        let i = (y * g.width + x) * g.channels + c
        let plain = Int(predictedInt[i])
        let (ew, en, enw, bucket) = neighbourErrors(frame, i: i, x: x, y: y)
        // Where the predicted frame is flat, mispredictions are noise: correcting by the
        // neighbours' noise only mixes distributions. Corrections are for object edges.
        let useCorrected = structure[i] > 0 && errors[bucket * 2 + 1] < errors[bucket * 2]
        let prediction = useCorrected ? min(255, max(0, plain + med(ew, en, enw))) : plain
        // The predicted level matters near the clipping limits, where the noise is one-sided.
        return (prediction, 64 + ((Int(valueClass[i]) * 16 + bucket) * 2 + (useCorrected ? 1 : 0)) * 2
                    + min(residualBucket(westResidual), 1))
    }

    public func rowContext(_ y: Int) -> Int { decodedFrames > 0 ? Int(objectRows[y]) : 0 }

    /// How the decoded neighbours W, N, NW differ from the predicted frame, and the selection
    /// bucket (structure of the predicted frame × activity of those differences incl. NE).
    /// Shared by `predict` and `learnRow`, so both see the same numbers.
    @inline(__always)
    func neighbourErrors(_ frame: UnsafePointer<UInt8>, i: Int, x: Int, y: Int) -> (Int, Int, Int, Int) {
        let s = geometry.rowStride, ch = geometry.channels
        var ew = 0, en = 0, enw = 0, ene = 0
        if x > 0 { ew = Int(frame[i - ch]) - Int(predictedInt[i - ch]) }
        if y > 0 {
            en = Int(frame[i - s]) - Int(predictedInt[i - s])
            if x > 0 { enw = Int(frame[i - s - ch]) - Int(predictedInt[i - s - ch]) }
            if x + 1 < geometry.width { ene = Int(frame[i - s + ch]) - Int(predictedInt[i - s + ch]) }
        }
        let activity = abs(ew) + abs(en) + abs(enw) + abs(ene)
        return (ew, en, enw, Int(structure[i]) * 4 + residualBucket(activity / 2))
    }

    public mutating func learnRow(_ frame: UnsafePointer<UInt8>, y: Int, predictions: UnsafePointer<Int32>) {
        guard decodedFrames > 0 else { return }
        let g = geometry
        for x in 0..<g.width {
            for c in 0..<g.channels {
                let i = (y * g.width + x) * g.channels + c
                // Only object edges use the selection (see `predict`); flat pixels teach nothing.
                if structure[i] == 0 { continue }
                let value = Int32(frame[i])
                let plain = predictedInt[i]
                let (ew, en, enw, bucket) = neighbourErrors(frame, i: i, x: x, y: y)
                let corrected = min(255, max(0, plain + Int32(med(ew, en, enw))))
                // Exponentially decayed error sums (×15/16 per update), in 1/16 units.
                errors[bucket * 2] += abs(value - plain) * 16 - errors[bucket * 2] / 16
                errors[bucket * 2 + 1] += abs(value - corrected) * 16 - errors[bucket * 2 + 1] / 16
            }
        }
    }

    public mutating func endFrame(_ frame: [UInt8]) {
        temporal.endFrame(frame)
        let g = geometry
        let image = Image(width: g.width, height: g.height, channels: g.channels, pixels: frame)
        let (detections, background) = Self.detector.detect(image)
        noise = background.sigma
        history.append(detections)
        fitted.append([])
        if history.count > Self.historyLength { history.removeFirst(); fitted.removeFirst() }
        // Link the recent frames; tracks that reach this frame and move are the moving objects.
        let tracks = Self.associator.link(history).filter { $0.points.last?.frame == history.count - 1 }
        var moving: [(track: PixelTrack, detection: Detection)] = []
        for t in tracks {
            guard let last = t.points.last, t.points.count >= 2, let first = t.points.first else { continue }
            let displacement = hypot(last.u - first.u, last.v - first.v)
            guard displacement > 0.05 * Double(t.points.count - 1) else { continue }
            guard let d = detections.first(where: { $0.u == last.u && $0.v == last.v }) else { continue }
            moving.append((t, d))
        }
        // Update the static scene: moving objects' footprints get the background level, pixels
        // that changed beyond the noise restart their average, the rest average in.
        let threshold = 4 * max(noise, 0.5) + 1
        var footprint = [Bool](repeating: false, count: g.width * g.height)
        for (_, d) in moving {
            for y in max(0, d.minY - 2)...min(g.height - 1, d.maxY + 2) {
                for x in max(0, d.minX - 2)...min(g.width - 1, d.maxX + 2) { footprint[y * g.width + x] = true }
            }
        }
        let levels = (0..<g.channels).map { g.channels == 1 ? background.level : levelOfChannel(frame, $0) }
        for p in 0..<(g.width * g.height) {
            for c in 0..<g.channels {
                let i = p * g.channels + c
                let value = Double(frame[i])
                if footprint[p] {
                    mean[i] = levels[c]
                    count[i] = 1
                } else if count[i] == 0 || abs(value - mean[i]) > threshold {
                    mean[i] = value
                    count[i] = 1
                } else {
                    // Average only what is noise: in clean frames the last value is the best
                    // estimate (a star's sub-pixel wobble flips its rim pixels for many frames).
                    count[i] = min(count[i] + 1, noise > 0.5 ? 64 : 1)
                    mean[i] += (value - mean[i]) / Double(count[i])
                }
            }
        }
        // The reference body: the brightest object that does not move.
        let movingIDs = Set(moving.map(\.track.id))
        if let brightest = tracks.filter({ !movingIDs.contains($0.id) && $0.points.count >= 2 })
            .compactMap({ t in detections.first(where: { $0.u == t.points.last!.u && $0.v == t.points.last!.v }) })
            .max(by: { $0.flux < $1.flux }) {
            if var r = reference {
                r.n = min(r.n + 1, 256)
                r.u += (brightest.u - r.u) / r.n
                r.v += (brightest.v - r.v) / r.n
                reference = r
            } else {
                reference = (brightest.u, brightest.v, 1)
            }
        }
        // Appearance and next position of each moving object.
        let previousSprites = sprites
        sprites = []
        for (t, d) in moving {
            var peak = [Double](repeating: 0, count: g.channels)
            var best = -1.0
            for y in d.minY...d.maxY {
                for x in d.minX...d.maxX {
                    var lum = 0.0
                    for c in 0..<g.channels { lum += Double(frame[(y * g.width + x) * g.channels + c]) }
                    if lum > best {
                        best = lum
                        for c in 0..<g.channels { peak[c] = Double(frame[(y * g.width + x) * g.channels + c]) }
                    }
                }
            }
            var brightness = (0..<g.channels).map { max(0, peak[$0] - levels[$0]) }
            let lumBrightness = g.channels == 1 ? brightness[0] : 0.299 * brightness[0] + 0.587 * brightness[1] + 0.114 * brightness[2]
            guard lumBrightness > 0 else { continue }
            var radius = (d.flux / (Double.pi * lumBrightness)).squareRoot()
            // Smooth the appearance over the object's life (a rigid object keeps it): the sprite
            // predicted for this frame near this detection carries the earlier estimate.
            let old = previousSprites.first(where: { hypot($0.u - d.u, $0.v - d.v) < 2 })
            if let old {
                radius = 0.9 * old.radius + 0.1 * radius
                brightness = (0..<g.channels).map { 0.9 * old.brightness[$0] + 0.1 * brightness[$0] }
            }
            // Refine position, radius and brightness by fitting a disc to the decoded pixels.
            let start = DiscFit(u: d.u, v: d.v, radius: radius, brightness: brightness.reduce(0, +))
            let fit = frame.withUnsafeBufferPointer { f in
                mean.withUnsafeBufferPointer { DiscFit.fit(f.baseAddress!, background: $0.baseAddress!, geometry: g, start: start) }
            }
            var track = t
            var fits = 0.0
            if let fit, hypot(fit.u - d.u, fit.v - d.v) < 1 {
                fitted[fitted.count - 1].append((d.u, d.v, fit.u, fit.v))
                let total = brightness.reduce(0, +)
                // Average the fits over the object's life (up to 64): one fit's radius and
                // brightness scatter with the pixel grid; a rigid object's do not.
                let n = min(old?.fits ?? 0, 63)
                if let old, n > 0 {
                    radius = (old.radius * n + fit.radius) / (n + 1)
                    let oldTotal = old.brightness.reduce(0, +)
                    let mixed = (oldTotal * n + fit.brightness) / (n + 1)
                    if oldTotal > 0 { brightness = old.brightness.map { $0 * mixed / oldTotal } }
                } else {
                    radius = fit.radius
                    if total > 0 { brightness = brightness.map { $0 * fit.brightness / total } }
                }
                fits = n + 1
            }
            // Predict from the fitted positions where there are any.
            for (k, point) in track.points.enumerated() {
                if let f = fitted[point.frame].first(where: { $0.cu == point.u && $0.cv == point.v }) {
                    track.points[k].u = f.u
                    track.points[k].v = f.v
                }
            }
            let origin = reference.map { (u: $0.u, v: $0.v) } ?? (u: Double(g.width) / 2, v: Double(g.height) / 2)
            let next = predictor.nextPosition(of: track, next: history.count, decoded: decodedFrames, origin: origin)
            sprites.append(Sprite(u: next.u, v: next.v, radius: radius, brightness: brightness, fits: fits))
        }
        predictor.endFrame(decoded: decodedFrames)
        decodedFrames += 1
    }

    /// Median of one channel (the background level of colour frames).
    func levelOfChannel(_ frame: [UInt8], _ c: Int) -> Double {
        var histogram = [Int](repeating: 0, count: 256)
        var k = c
        while k < frame.count { histogram[Int(frame[k])] += 1; k += geometry.channels }
        var cumulative = 0
        let half = (frame.count / geometry.channels) / 2
        for (v, n) in histogram.enumerated() {
            cumulative += n
            if cumulative > half { return Double(v) }
        }
        return 0
    }
}
