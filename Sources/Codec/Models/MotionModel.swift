import Foundation
import Render
import Tracking

/// The object levels (`motion`, `learned`, `neural`, `law`): a predicted frame drawn from a model
/// of the scene and its objects' appearance learned from the decoded frames. The static scene
/// (background, stars) is a per-pixel running mean of the decoded frames, which averages sensor
/// noise down; moving objects are found in each decoded frame (Occam's detector), linked across
/// frames, moved to the next frame by the level's `Predictor` (constant acceleration, a library
/// regression, a network or a law) and drawn with a profile (`ObjectProfile`) whose shape and
/// brightness are fitted to their decoded pixels: an exact-coverage disc, or — with the
/// `profiles-1`, `-2` and `-3` appearances (stream versions 4 and 5) — whichever of an exact disc, a
/// disc sampled on an n×n grid and a pixel-integrated Gaussian fitted the object best so far
/// (`profiles-2`/`-3` measure clean frames more finely: `MotionModel+Cells.swift`). Nothing about
/// Occam's renderer is assumed.
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
        o.stitchesAmbiguous = false
        o.contestsByFlux = false
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

    /// Which profiles the objects may take (`disc`: stream version 3).
    let appearance: ObjectAppearance

    /// From stream version 5 the clean-frame measurements of `profiles-2` and `-3` — the vote on
    /// how x.5 rounds, a sampled disc's brightness as the median of its covered pixels averaged
    /// over 63 fits — apply only while the decoded frames are clean (noise ≤ 0.5); under noise
    /// the vote pauses (x.5 rounds up unless clean frames voted otherwise before) and the
    /// brightness is the least-squares level averaged over 1023 fits, as with `profiles-1`.
    /// Versions 3 and 4 measured so on every frame: on Occam's noisy Kepler render the vote,
    /// driven by the noise, cost the motion level 0.07 % against `profiles-1`.
    let cleanMeasuresOnlyWhenClean: Bool
    /// Whether the clean-frame measurements apply now (`noise` is the last decoded frame's, the
    /// same on both sides).
    var measuresClean: Bool { appearance.measuresCells && (!cleanMeasuresOnlyWhenClean || noise <= 0.5) }

    init(geometry: Geometry, predictor: Predictor, appearance: ObjectAppearance = .disc, version: UInt16 = 4) {
        self.geometry = geometry
        self.predictor = predictor
        self.appearance = appearance
        cleanMeasuresOnlyWhenClean = version >= 5
        if appearance.measuresCells {
            self.predictor.smooth(over: Self.trailLength, correctedVelocities: appearance.correctsPathVelocities)
        }
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

    /// One way an object may look: a profile with its shape, the brightness per channel it
    /// scales (summed over channels: the profile's brightness), how many fits they average, and
    /// how badly it fitted the object's recent decoded pixels (squared grey levels, decayed).
    struct Look {
        var profile: any ObjectProfile
        var brightness: [Double]
        var fits = 0.0
        var misfit = 0.0
    }

    /// An object to draw: its centre and its looks (one per profile the appearance allows),
    /// of which `chosen` is drawn.
    struct Sprite {
        var u: Double; var v: Double
        var looks: [Look]
        var chosen = 0
        var look: Look { looks[chosen] }
        /// `profiles-2`/`-3`, clean frames, a sampled disc: where the object was measured to be in the
        /// frame just coded (the centroid of its cell of centres); the dynamics take it when the
        /// drawn object reproduced the frame. (Not the coded centre of other profiles: the
        /// encoder chooses it near the prediction, and a wrong law would confirm itself.)
        var measured: (u: Double, v: Double)?
        /// `profiles-2`/`-3`: the positions the dynamics saw in the object's last consecutive frames
        /// (up to `trailLength`, the latest last), for predictors that fit a longer path.
        var trail: [(u: Double, v: Double)] = []
    }
    static var trailLength: Int { 33 }
    var sprites: [Sprite] = []
    /// `profiles-2`/`-3`: how decoded pixels whose predicted value was exactly x.5 rounded — votes
    /// for up, down and to even — and the rule that won (0 up, 1 down, 2 even).
    var halfVotes = [0, 0, 0]
    var halfRule = 0
    /// `profiles-2`/`-3`: the rank of each sampled disc's cell (−1: an explicit correction follows).
    var cellRanks = SignedCoder()
    /// Scratch for the shares of a sprite's pixels.
    var shareBuffer: [Double] = []

    public mutating func beginFrame<C: BinaryCoder>(_ index: Int, original: UnsafePointer<UInt8>?, coder: inout C) {
        guard decodedFrames > 0 else { return }
        let g = geometry
        // Position corrections: the encoder fits each predicted object to the frame it is about
        // to code and sends the difference, in 1/`quantum` px; the decoder applies the same.
        // Their cost is what the dynamics model failed to predict.
        for k in sprites.indices {
            if appearance.measuresCells, noise <= 0.5, sprites[k].look.profile.followsDisc,
               let window = cellWindow(sprites[k]) {
                var escape = true
                codeCell(k, window: window, original: original, coder: &coder, escape: &escape)
                if !escape { continue }
            }
            var du = 0, dv = 0
            if let original {
                let look = sprites[k].look
                let fit = mean.withUnsafeBufferPointer {
                    Self.fit(look.profile.fitted, u: sprites[k].u, v: sprites[k].v, brightness: look.brightness.reduce(0, +),
                             frame: original, background: $0.baseAddress!, geometry: g, skipSaturated: appearance != .disc)
                }
                if let fit, abs(fit.u - sprites[k].u) < 8, abs(fit.v - sprites[k].v) < 8 {
                    du = Int(((fit.u - sprites[k].u) * Self.quantum).rounded())
                    dv = Int(((fit.v - sprites[k].v) * Self.quantum).rounded())
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
            let look = s.look
            guard let (x0, x1, y0, y1) = look.profile.window(u: s.u, v: s.v, margin: 1, geometry: g) else { continue }
            look.profile.shares(u: s.u, v: s.v, x0: x0, x1: x1, y0: y0, y1: y1, into: &shareBuffer)
            var k = 0
            for y in y0...y1 {
                objectRows[y] = 1
                for x in x0...x1 {
                    let f = shareBuffer[k]
                    k += 1
                    if f == 0 { continue }
                    for c in 0..<g.channels { predicted[(y * g.width + x) * g.channels + c] += f * look.brightness[c] }
                }
            }
        }
        let rule = halfRule
        predicted.withUnsafeBufferPointer { src in
            predictedInt.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = Self.quantise(src[i], rule: rule) }
            }
        }
        // Class of each predicted value: its level near the clipping limits, where the noise is
        // one-sided, and its fraction — near a rounding boundary (x.5) a ±1 is likely, and its
        // sign follows the side.
        predicted.withUnsafeBufferPointer { src in
            valueClass.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    let v = min(255, max(0, src[i]))
                    let f = v - v.rounded(.towardZero)
                    // Counted, not branched on: in noisy frames the static scene's fractions are
                    // random and a branch per class mispredicted (a tenth of the coder's time).
                    let fraction = (f >= 0.35 ? 1 : 0) + (f >= 0.5 ? 1 : 0) + (f >= 0.65 ? 1 : 0)
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
                            // counted, not branched on (the classes of a noisy scene are random)
                            st[i] = (a > 0 ? 1 : 0) + (a > 4 ? 1 : 0) + (a > 40 ? 1 : 0)
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
        let g = geometry, look = sprite.look, r = look.profile.reach
        // In noisy frames every candidate leaves the noise; the search would only cost time.
        guard noise <= 0.5 else { return fit }
        guard sprite.u.isFinite, sprite.v.isFinite, r.isFinite, abs(sprite.u) < 1e6, abs(sprite.v) < 1e6, r < 64 else { return fit }
        // Every pixel the profile can touch at the fit's position, or at none (correction 0).
        let fu = sprite.u + Double(fit.0) / Self.quantum, fv = sprite.v + Double(fit.1) / Self.quantum
        let x0 = max(0, Int((min(sprite.u, fu) - r).rounded(.down)) - 1), x1 = min(g.width - 1, Int((max(sprite.u, fu) + r).rounded(.up)) + 1)
        let y0 = max(0, Int((min(sprite.v, fv) - r).rounded(.down)) - 1), y1 = min(g.height - 1, Int((max(sprite.v, fv) + r).rounded(.up)) + 1)
        guard x0 <= x1, y0 <= y1 else { return fit }
        let pixelBits = 8.0
        var shares: [Double] = []
        func mismatches(_ du: Int, _ dv: Int, bound: Int) -> Int {
            let cu = sprite.u + Double(du) / Self.quantum, cv = sprite.v + Double(dv) / Self.quantum
            var n = 0
            drawn(look, at: (cu, cv), window: (x0, x1, y0, y1), shares: &shares) { i, value in
                if Self.quantise(value, rule: halfRule) != Int32(original[i]) { n += 1 }
                return n <= bound
            }
            return n
        }
        let reach = look.profile.correctionReach
        if look.profile.followsDisc {
            // A sampled rim reproduces the frame over a whole cell of centres: take the middle of
            // the cell, not its member nearest the prediction — else any law that lands in the
            // cell codes alike, and the corrections stop measuring how far off the prediction was.
            var least = Int.max, cell: [(Int, Int)] = []
            for a in -reach...reach {
                for b in -reach...reach {
                    let n = mismatches(fit.0 + a, fit.1 + b, bound: least)
                    if n < least { least = n; cell = [] }
                    if n == least { cell.append((fit.0 + a, fit.1 + b)) }
                }
            }
            let cu = cell.reduce(0.0) { $0 + Double($1.0) } / Double(cell.count)
            let cv = cell.reduce(0.0) { $0 + Double($1.1) } / Double(cell.count)
            return cell.min(by: { hypot(Double($0.0) - cu, Double($0.1) - cv) < hypot(Double($1.0) - cu, Double($1.1) - cv) })!
        }
        var candidates: [(Int, Int)] = [(0, 0)]
        for a in -reach...reach { for b in -reach...reach { candidates.append((fit.0 + a, fit.1 + b)) } }
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
        let codingNoise = noise
        noise = background.sigma
        if measuresClean, decodedFrames > 0 { voteOnHalves(frame) }
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
        var levels = (0..<g.channels).map { g.channels == 1 ? background.level : levelOfChannel(frame, $0) }
        // Without noise the sky is a whole grey level (the histogram's level interpolates).
        if appearance.measuresCells, noise < 0.5 { levels = levels.map { $0.rounded() } }
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
        // Each object's looks and fitted track first, then (the predictor seeing every track of
        // the frame) each one's next position, in the same order.
        var prepared: [(track: PixelTrack, looks: [Look], chosen: Int, trail: [(u: Double, v: Double)])] = []
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
            let brightness = (0..<g.channels).map { max(0, peak[$0] - levels[$0]) }
            let lumBrightness = g.channels == 1 ? brightness[0] : 0.299 * brightness[0] + 0.587 * brightness[1] + 0.114 * brightness[2]
            guard lumBrightness > 0 else { continue }
            // The sprite predicted for this frame near this detection carries the earlier looks
            // (a rigid object keeps its appearance).
            let old = previousSprites.first(where: { hypot($0.u - d.u, $0.v - d.v) < 2 })
            var looks: [Look] = []
            var positions: [(u: Double, v: Double)?] = []
            for (kind, profile) in Self.profiles(appearance).enumerated() {
                let (look, position) = frame.withUnsafeBufferPointer { f in
                    mean.withUnsafeBufferPointer { m in
                        updateLook(profile, old: old?.looks[kind], disc: looks.first.map { ($0, positions[0]) },
                                   coded: old.map { (u: $0.u, v: $0.v) }, detection: d,
                                   brightness: brightness, lumBrightness: lumBrightness, frame: f.baseAddress!, background: m.baseAddress!)
                    }
                }
                looks.append(look)
                positions.append(position)
            }
            // Draw the look that fitted the object's pixels best so far.
            let chosen = looks.indices.min(by: { looks[$0].misfit < looks[$1].misfit }) ?? 0
            var track = t
            var measured = positions[chosen]
            if appearance.measuresCells, codingNoise <= 0.5, let old, let m = old.measured, reproduced(d, frame: frame) { measured = m }
            if let p = measured { fitted[fitted.count - 1].append((d.u, d.v, p.u, p.v)) }
            var trail = !appearance.measuresCells || measured == nil ? [] : (old?.trail ?? []) + [measured!]
            if trail.count > Self.trailLength { trail.removeFirst(trail.count - Self.trailLength) }
            // Predict from the fitted positions where there are any.
            for (k, point) in track.points.enumerated() {
                if let f = fitted[point.frame].first(where: { $0.cu == point.u && $0.cv == point.v }) {
                    track.points[k].u = f.u
                    track.points[k].v = f.v
                }
            }
            // The positions before the recent history, from the trail, where the track runs
            // unbroken to this frame (predictors that fit a longer path use them).
            if appearance.measuresCells, let first = track.points.first, let last = track.points.last,
               last.frame == history.count - 1, track.points.count == last.frame - first.frame + 1, measured != nil,
               trail.count > track.points.count {
                let older = trail.count - track.points.count
                track.points = (0..<older).map { j in
                    var p = first
                    p.frame = first.frame - older + j
                    (p.u, p.v) = trail[j]
                    return p
                } + track.points
            }
            prepared.append((track, looks, chosen, trail))
        }
        predictor.observe(prepared.map(\.track), referenceBody: reference != nil)
        let origin = reference.map { (u: $0.u, v: $0.v) } ?? (u: Double(g.width) / 2, v: Double(g.height) / 2)
        for o in prepared {
            let next = predictor.nextPosition(of: o.track, next: history.count, decoded: decodedFrames, origin: origin)
            sprites.append(Sprite(u: next.u, v: next.v, looks: o.looks, chosen: o.chosen, trail: o.trail))
        }
        predictor.endFrame(decoded: decodedFrames)
        decodedFrames += 1
    }

    /// The profiles an appearance allows (their shapes are set by each object's fits), in the
    /// order of a sprite's looks; the exact-coverage disc is first (others may follow its fit).
    static func profiles(_ appearance: ObjectAppearance) -> [any ObjectProfile] {
        switch appearance {
        case .disc: [DiscProfile(shape: 1)]
        case .profiles1, .profiles2, .profiles3:
            [DiscProfile(shape: 1), GaussianProfile(shape: 1)] + [2, 3, 4, 8].map { SampledDiscProfile(shape: 1, n: $0) }
        }
    }

    /// Fit `profile` (at its shape) from (u, v) with `brightness`: the fitted centre, shape and brightness.
    static func fit<P: ObjectProfile>(_ profile: P, u: Double, v: Double, brightness: Double, frame: UnsafePointer<UInt8>,
                                      background: UnsafePointer<Double>, geometry: Geometry,
                                      skipSaturated: Bool) -> (u: Double, v: Double, shape: Double, brightness: Double)? {
        ObjectFit.fit(frame, background: background, geometry: geometry,
                      start: ObjectFit(u: u, v: v, profile: profile, brightness: brightness), skipSaturated: skipSaturated)
            .map { ($0.u, $0.v, $0.profile.shape, $0.brightness) }
    }

    /// One look of a detected object in the decoded frame: a first guess from the detection
    /// (its flux and peak, `brightness` per channel), or the earlier look of the same object
    /// mixed 9:1 with it, refined by a fit to the decoded pixels and averaged with the earlier
    /// fits (up to 64: one fit's shape and brightness scatter with the pixel grid; a rigid
    /// object's do not). Returns the look, with its misfit updated, and the fitted centre.
    /// A profile that follows the disc (`disc`: the object's disc look and its fitted centre)
    /// takes the disc's shape, brightness and centre instead of a fit of its own.
    func updateLook(_ template: any ObjectProfile, old: Look?, disc: (look: Look, position: (u: Double, v: Double)?)?,
                    coded: (u: Double, v: Double)?, detection d: Detection, brightness peakBrightness: [Double],
                    lumBrightness: Double, frame: UnsafePointer<UInt8>, background: UnsafePointer<Double>) -> (Look, (u: Double, v: Double)?) {
        let g = geometry
        var look: Look
        if template.followsDisc, let disc {
            // The disc's radius averaged longer (a sampled rim flips with a radius 1e-3 px off),
            // and the brightness that fits this profile's shares at the disc's centre.
            var profile = template
            let n = min(old?.fits ?? 0, measuresClean ? 63 : 1023)
            profile.shape = old.map { $0.profile.shape } ?? disc.look.profile.shape
            look = Look(profile: profile, brightness: old?.brightness ?? disc.look.brightness, fits: old?.fits ?? 0, misfit: old?.misfit ?? 0)
            guard let position = disc.position else { return (look, nil) }
            if let fitted = brightness(of: profile, at: position, frame: frame) {
                look.brightness = n > 0 ? (0..<g.channels).map { (look.brightness[$0] * n + fitted[$0]) / (n + 1) } : fitted
                // The radius whose rim fits the frame best, near the average (the average of
                // these converges where the disc fit's scatter would not).
                // (The misfit is flat between rim flips: the middle of the best run of radii.)
                let at = coded ?? position
                var trial = look
                let misfits = (-8...8).map { k -> Double in
                    trial.profile.shape = look.profile.shape + Double(k) * 0.0005
                    return self.misfit(trial, at: at, around: d, frame: frame)
                }
                let least = misfits.min()!
                let ties = misfits.indices.filter { misfits[$0] == least }
                let best = look.profile.shape + Double(ties[ties.count / 2] - 8) * 0.0005
                if n > 0 { look.profile.shape = (profile.shape * n + best) / (n + 1) } else { look.profile.shape = best }
                look.fits = n + 1
            }
            let misfit = self.misfit(look, at: position, around: d, frame: frame)
            look.misfit = old.map { 0.8 * $0.misfit + 0.2 * misfit } ?? misfit
            return (look, position)
        }
        if template is DiscProfile {
            // As stream version 3: radius from flux / peak, mixed with the earlier look.
            var radius = (d.flux / (Double.pi * lumBrightness)).squareRoot()
            var brightness = peakBrightness
            if let old {
                radius = 0.9 * old.profile.shape + 0.1 * radius
                brightness = (0..<g.channels).map { 0.9 * old.brightness[$0] + 0.1 * brightness[$0] }
            }
            look = Look(profile: DiscProfile(shape: radius), brightness: brightness)
        } else if let old {
            look = old
            look.fits = 0
        } else {
            let total = peakBrightness.reduce(0, +)
            let guess = template.start(flux: d.flux * total / lumBrightness, peak: total)
            var profile = template
            profile.shape = max(guess.shape, type(of: profile).minimumShape * 1.01)
            look = Look(profile: profile, brightness: peakBrightness.map { $0 * guess.brightness / total })
        }
        let fit = Self.fit(look.profile, u: d.u, v: d.v, brightness: look.brightness.reduce(0, +), frame: frame,
                           background: background, geometry: g, skipSaturated: appearance != .disc)
        var position: (u: Double, v: Double)?
        var fits = 0.0
        if let fit, hypot(fit.u - d.u, fit.v - d.v) < 1 {
            position = (fit.u, fit.v)
            let total = look.brightness.reduce(0, +)
            let n = min(old?.fits ?? 0, 63)
            if let old, n > 0 {
                look.profile.shape = (old.profile.shape * n + fit.shape) / (n + 1)
                let oldTotal = old.brightness.reduce(0, +)
                let mixed = (oldTotal * n + fit.brightness) / (n + 1)
                if oldTotal > 0 { look.brightness = old.brightness.map { $0 * mixed / oldTotal } }
            } else {
                look.profile.shape = fit.shape
                if total > 0 { look.brightness = look.brightness.map { $0 * fit.brightness / total } }
            }
            fits = n + 1
        }
        look.fits = fits
        // How well the look draws the object where it was fitted (`disc` has one look).
        if appearance != .disc, let position {
            let misfit = self.misfit(look, at: position, around: d, frame: frame)
            look.misfit = old.map { 0.8 * $0.misfit + 0.2 * misfit } ?? misfit
        } else if let old {
            look.misfit = old.misfit
        }
        return (look, position)
    }

    /// Per channel, the brightness that fits `profile`'s shares at `position` to the frame above
    /// the static scene best (least squares; saturated pixels left out) — over the pixels the
    /// profile covers fully where there are any (a rim a little off must not bias it); nil
    /// without shares.
    func brightness(of profile: any ObjectProfile, at position: (u: Double, v: Double), frame: UnsafePointer<UInt8>) -> [Double]? {
        let g = geometry
        guard let (x0, x1, y0, y1) = profile.window(u: position.u, v: position.v, margin: 1, geometry: g) else { return nil }
        var shares: [Double] = []
        profile.shares(u: position.u, v: position.v, x0: x0, x1: x1, y0: y0, y1: y1, into: &shares)
        let interior = shares.contains(1)
        if interior, measuresClean { return medianInterior(shares, window: (x0, x1, y0, y1), frame: frame) }
        var sd = [Double](repeating: 0, count: g.channels), ss = [Double](repeating: 0, count: g.channels), k = 0
        for y in y0...y1 {
            for x in x0...x1 {
                let f = shares[k]
                k += 1
                if interior && f != 1 { continue }
                for c in 0..<g.channels {
                    let i = (y * g.width + x) * g.channels + c
                    if frame[i] == 255 { continue }
                    sd[c] += f * (Double(frame[i]) - mean[i])
                    ss[c] += f * f
                }
            }
        }
        guard ss.allSatisfy({ $0 > 0 }) else { return nil }
        return (0..<g.channels).map { sd[$0] / ss[$0] }
    }

    /// Squared difference between the frame and `look` drawn at `position` over the
    /// detection's box grown by 3 px, predictions clipped to 0…255 as the coder's are.
    func misfit(_ look: Look, at position: (u: Double, v: Double), around d: Detection, frame: UnsafePointer<UInt8>) -> Double {
        let g = geometry
        var sum = 0.0, shares: [Double] = []
        let window = (max(0, d.minX - 3), min(g.width - 1, d.maxX + 3), max(0, d.minY - 3), min(g.height - 1, d.maxY + 3))
        drawn(look, at: position, window: window, shares: &shares) { i, value in
            let e = min(255, max(0, value)) - Double(frame[i])
            sum += e * e
            return true
        }
        return sum
    }

    /// `look` drawn at `position` over the window x0...x1 × y0...y1 on the static scene: `body`
    /// gets each sample's index and predicted value (not yet clipped) and returns false to stop.
    @inline(__always)
    func drawn(_ look: Look, at position: (u: Double, v: Double), window: (x0: Int, x1: Int, y0: Int, y1: Int),
               shares: inout [Double], _ body: (Int, Double) -> Bool) {
        let g = geometry, (x0, x1, y0, y1) = window
        look.profile.shares(u: position.u, v: position.v, x0: x0, x1: x1, y0: y0, y1: y1, into: &shares)
        var k = 0
        for y in y0...y1 {
            for x in x0...x1 {
                let f = shares[k]
                k += 1
                for c in 0..<g.channels {
                    let i = (y * g.width + x) * g.channels + c
                    if !body(i, mean[i] + f * look.brightness[c]) { return }
                }
            }
        }
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
