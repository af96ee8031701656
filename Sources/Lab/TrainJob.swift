import Codec
import Discovery
import Foundation
import Formulas
import Render

/// `occam train`: pretrain the neural level's network on a corpus of simulated videos.
///
/// The corpus is drawn here, from a broad family of motions — central forces with random
/// exponents (r⁻³ … r¹) and strengths about a star, anisotropic harmonic wells, uniform
/// fields, magnetic and crossed fields — with random starts, sizes and brightnesses, as exact
/// discs or Gaussian point sources, clean or with σ = 2 noise; integrated by RK4 (16 substeps
/// per frame) in pixels and frames. Each video is coded with the neural level in memory; the
/// states at which the coder's network learned (`NeuralField`: the decoded objects' states,
/// exactly what a stream's network sees), each with the true acceleration there, become one
/// task of `NeuralPretraining`.
public enum TrainJob {
    public struct Options: Sendable {
        /// The defaults make the shipped prior-1 weights.
        public var videos = 120
        public var frames = 240
        public var size = 256
        public var steps = 4000
        public var seed: UInt64 = 1
        /// weights.json to write.
        public var output: String
        /// Also write the weights as the Swift source the codec embeds (`NeuralPriorWeights.swift`).
        public var swiftSource: String? = nil
        public var force = false
        public var showProgress = true
        /// Scaling instead of weights (`scaling`): hidden widths, corpus sizes and held-out frame
        /// folders to code.
        public var widths: [Int] = []
        public var corpusSizes: [Int] = []
        public var heldOut: [String] = []
        /// With scaling: the first held-out video's law, its constants as numbers in the video's
        /// units (`ax = …; ay = …`): each network's law is distilled (`Distillation`) and
        /// compared with it off the filmed orbits. Calibration from the folder's scene.json or
        /// `distillPxPerUnit` and `distillDt`.
        public var distillLaw: String? = nil
        public var distillPxPerUnit: Double? = nil
        public var distillDt: Double? = nil
        /// The distillation's search (every core by default).
        public var distillSearch: SearchOptions = {
            var s = SearchOptions()
            s.threads = ProcessInfo.processInfo.activeProcessorCount
            return s
        }()
        public init(output: String) { self.output = output }
    }

    public struct Outcome: Sendable {
        public var tasks: Int
        public var samples: Int
        public var result: NeuralPretraining.Result
        /// prior-2's sample gate and the corpus samples in each of its bins.
        public var gate: SampleGate
        public var gateCounts: [Int]
        public var seconds: (corpus: Double, training: Double, gate: Double)
    }

    /// One video of the family: its frames (size², grey) and the true acceleration field
    /// (px/frame², y up, origin at the frame centre, where the star is when there is one).
    /// `wide`: faster and more eccentric motion (periods 15–240 frames, log-uniform; orbits
    /// started at 0.6–1.2 of the circular speed) — prior-2's gate corpus; prior-1's corpus
    /// (periods 60–240, 0.75–1.15) stays as it was, its weights reproducible.
    static func video(_ k: Int, options o: Options, wide: Bool = false) -> (frames: [[UInt8]], accel: (Double, Double, Double, Double) -> (Double, Double)) {
        var random = SplitMix64(seed: o.seed &* 0x9E37_79B9 &+ UInt64(k))
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * random.nextHalfOpenUnit() }
        let n = Double(o.size), frames = o.frames
        let period = wide ? 15 * pow(16, uniform(0, 1)) : uniform(60, 240), omega = 2 * Double.pi / period
        // the force (px/frame², y up, origin at the frame centre) and the start
        var accel: (Double, Double, Double, Double) -> (Double, Double)
        var star = false
        var x = 0.0, y = 0.0, vx = 0.0, vy = 0.0
        let angle = uniform(0, 2 * .pi)
        switch k % 5 {
        case 0:   // central power law a = −k·r^p about a star
            let p = [-3.0, -2.5, -2, -1.5, -1, 0, 1][random.next(below: 7)]
            let r0 = uniform(0.12, 0.3) * n
            let strength = omega * omega * pow(r0, 1 - p)
            accel = { x, y, _, _ in
                let r = max((x * x + y * y).squareRoot(), 1)
                let a = -strength * pow(r, p - 1)
                return (a * x, a * y)
            }
            star = true
            let v = omega * r0 * (wide ? uniform(0.6, 1.2) : uniform(0.75, 1.15)), tilt = uniform(-0.3, 0.3)
            (x, y) = (r0 * cos(angle), r0 * sin(angle))
            (vx, vy) = (-v * sin(angle + tilt), v * cos(angle + tilt))
        case 1:   // anisotropic harmonic well
            let kx = omega * omega, ky = kx * uniform(0.5, 2)
            accel = { x, y, _, _ in (-kx * x, -ky * y) }
            star = random.nextHalfOpenUnit() < 0.5
            (x, y) = (uniform(0.1, 0.3) * n * cos(angle), uniform(0.1, 0.3) * n * sin(angle))
            (vx, vy) = (uniform(-1, 1) * omega * 0.2 * n, uniform(-1, 1) * omega * 0.2 * n)
        case 2:   // a uniform field (a throw)
            let g = uniform(0.0005, 0.003), direction = uniform(0, 2 * .pi)
            accel = { _, _, _, _ in (g * cos(direction), g * sin(direction)) }
            let t = Double(frames)
            (x, y) = (-0.5 * g * cos(direction) * t * t / 4, -0.5 * g * sin(direction) * t * t / 4)
            (vx, vy) = (uniform(-0.3, 0.3), uniform(-0.3, 0.3))
        case 3:   // a magnetic field: circles
            accel = { _, _, vx, vy in (omega * vy, -omega * vx) }
            let radius = uniform(0.08, 0.3) * n, v = omega * radius
            (x, y) = (uniform(-0.1, 0.1) * n, uniform(-0.1, 0.1) * n)
            (vx, vy) = (v * cos(angle), v * sin(angle))
        default:  // crossed electric and magnetic fields: a drift
            let drift = uniform(0.05, 0.25), e = omega * drift, direction = uniform(0, 2 * .pi)
            accel = { _, _, vx, vy in (omega * vy + e * sin(direction), -omega * vx - e * cos(direction)) }
            let along = Double(frames) * drift / 2
            (x, y) = (-along * cos(direction), -along * sin(direction))
            let v = uniform(0.3, 1.5) * drift
            (vx, vy) = (v * cos(angle), v * sin(angle))
        }
        let noise = random.nextHalfOpenUnit() < 0.34 ? 2.0 : 0
        let pointSources = random.nextHalfOpenUnit() < 0.5
        let radius = uniform(1.8, 3.5), brightness = uniform(120, 230)
        let rasteriser = Rasteriser(width: o.size, height: o.size, channels: 1, background: [uniform(0, 30)], noiseSigma: noise,
                                    psf: pointSources ? .gaussian(sigma: uniform(0.9, 1.6)) : nil)
        var out: [[UInt8]] = []
        let sub = 16, h = 1.0 / Double(sub), c = n / 2
        for f in 0..<frames {
            var discs: [Disc] = [], points: [PointSource] = []
            if pointSources {
                if star { points.append(PointSource(u: c, v: c, flux: [3 * brightness * 6])) }
                points.append(PointSource(u: c + x, v: c - y, flux: [brightness * 2 * Double.pi * 1.2 * 1.2]))
            } else {
                if star { discs.append(Disc(u: c, v: c, radius: 4, intensity: [250])) }
                discs.append(Disc(u: c + x, v: c - y, radius: radius, intensity: [brightness]))
            }
            out.append(rasteriser.render(discs, points: points, seed: o.seed &+ UInt64(k * 100_000 + f)).pixels)
            for _ in 0..<sub {   // RK4
                let k1 = accel(x, y, vx, vy)
                let k2 = accel(x + h / 2 * vx, y + h / 2 * vy, vx + h / 2 * k1.0, vy + h / 2 * k1.1)
                let k3 = accel(x + h / 2 * (vx + h / 2 * k1.0), y + h / 2 * (vy + h / 2 * k1.1), vx + h / 2 * k2.0, vy + h / 2 * k2.1)
                let k4 = accel(x + h * (vx + h / 2 * k2.0), y + h * (vy + h / 2 * k2.1), vx + h * k3.0, vy + h * k3.1)
                x += h * (vx + h / 6 * (k1.0 + k2.0 + k3.0))
                y += h * (vy + h / 6 * (k1.1 + k2.1 + k3.1))
                vx += h / 6 * (k1.0 + 2 * k2.0 + 2 * k3.0 + k4.0)
                vy += h / 6 * (k1.1 + 2 * k2.1 + 2 * k3.1 + k4.1)
            }
        }
        return (out, accel)
    }

    /// The states at which the neural level learns while coding `frames`, each with the true
    /// acceleration there: the coder's own state distribution (its measurement errors included),
    /// with noise-free answers — the five-point accelerations it measures are mostly noise on
    /// many of these videos, which would teach the hidden layers nothing.
    static func task(_ frames: [[UInt8]], size: Int, accel: (Double, Double, Double, Double) -> (Double, Double)) throws -> NeuralPretraining.Task? {
        // The disc appearance (version 3's object model) the shipped weights were trained with: the
        // corpus's states, and so `occam train`'s weights, stay byte for byte reproducible.
        var writer = try StreamWriter(geometry: Geometry(width: size, height: size, channels: 1), frameCount: frames.count,
                                      model: .neural, scene: Data(), appearance: .disc)
        for f in frames { try writer.append(f) }
        guard let field = writer.neuralField, !field.states.isEmpty else { return nil }
        let states = field.states.map { Array($0[1...4]) }
        return NeuralPretraining.Task(states: states, accelerations: states.map { q in
            let a = accel(q[0], q[1], q[2], q[3])
            return [a.0, a.1]
        })
    }

    /// `work(k)` for each of the corpus's videos, on all cores, in order; the first error ends
    /// the job.
    static func perVideo<T>(_ o: Options, label: String, _ work: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let slots = SharedSlots([Result<T, Error>?](repeating: nil, count: o.videos))
        let progress = Progress(label: label, total: o.videos, enabled: o.showProgress && isatty(2) != 0)
        DispatchQueue.concurrentPerform(iterations: o.videos) { k in
            slots[k] = Result { try work(k) }
            progress.advance()
        }
        progress.finish()
        return try slots.all.map { r in
            do { return try r!.get() } catch { throw LabError("occam train: \(error)") }
        }
    }

    /// The corpus's tasks, videos drawn and coded on all cores.
    static func corpus(_ o: Options) throws -> [NeuralPretraining.Task] {
        try perVideo(o, label: "drawing and coding \(o.videos) videos") { k -> NeuralPretraining.Task? in
            let v = video(k, options: o)
            return try task(v.frames, size: o.size, accel: v.accel)
        }.compactMap { $0 }
    }

    /// prior-2's sample gate (`SampleGate`), fitted on the corpus's videos coded as streams
    /// are coded today (the default appearance, online start): each sample's window measured,
    /// against the true acceleration at the sample's state. Also the samples per bin of the
    /// gate's statistic.
    public static func gate(_ o: Options) throws -> (gate: SampleGate, counts: [Int]) {
        let videos = try perVideo(o, label: "measuring \(o.videos) videos' samples") { k -> (samples: [SampleGate.Sample], truth: [[Double]]) in
            let v = video(k, options: o, wide: true)
            let s = try SampleGate.samples(frames: v.frames, geometry: Geometry(width: o.size, height: o.size, channels: 1))
            return (s, s.map { q in
                let a = v.accel(q.state[0], q.state[1], q.state[2], q.state[3])
                return [a.0, a.1]
            })
        }
        // each video weighs the same: its samples by 1/(its mean squared acceleration)
        let weights = videos.flatMap { v -> [Double] in
            let mean = v.truth.reduce(0) { $0 + $1[0] * $1[0] + $1[1] * $1[1] } / Double(max(1, v.truth.count))
            return [Double](repeating: mean > 0 ? 1 / mean : 0, count: v.truth.count)
        }
        return SampleGate.fit(videos.flatMap(\.samples), truth: videos.flatMap(\.truth).map { ($0[0], $0[1]) }, weights: weights)
    }

    public struct ScalingRow: Sendable {
        public var width: Int
        public var parameters: Int
        /// Corpus videos the hidden layers were pretrained on (0: the online start).
        public var videos: Int
        /// Bits per frame of each held-out video, in the order given.
        public var bitsPerFrame: [Double]
        /// The law distilled from the network that coded the first held-out video (with
        /// `Options.distillLaw`; nil when none was asked for or none fitted the network).
        public var distilled: DistilledLaw? = nil
    }

    /// A network's distilled law against the video's law (`Options.distillLaw`).
    public struct DistilledLaw: Sendable {
        /// `ax = …; ay = …` in the video's units.
        public var law: String
        /// RMS(distilled − network)/RMS(network) at the states the network learned from.
        public var fitToNetwork: Double
        /// Largest over positions ×0.7 and ×1.4 about the reference body: RMS(network − law) and
        /// RMS(distilled − law), each over RMS(law).
        public var networkOffOrbit: Double
        public var distilledOffOrbit: Double
        /// Discovery succeeded: the distilled law is the video's law to 1 % off the filmed orbits
        /// (a constant 1 % off, or a wrong structure, fails).
        public var recovered: Bool { distilledOffOrbit <= 0.01 }
    }

    /// Bits per frame of the held-out videos against the network's size (online start and
    /// pretrained on the whole corpus) and against the corpus size (the shipped width).
    public static func scaling(_ o: Options) throws -> [ScalingRow] {
        try check(o)
        guard !o.widths.isEmpty, !o.corpusSizes.isEmpty, !o.heldOut.isEmpty, o.widths.allSatisfy({ $0 >= 1 }),
              o.corpusSizes.allSatisfy({ $0 >= 2 && $0 <= o.videos }) else {
            throw LabError("occam train --scaling: give --widths, --corpus-sizes (each 2…--videos) and --held-out folders")
        }
        if FileManager.default.fileExists(atPath: o.output) && !o.force {
            throw LabError("\(o.output): already exists; choose another name or pass --force")
        }
        var held: [(frames: [[UInt8]], geometry: Geometry)] = []
        for path in o.heldOut {
            let folder: FrameFolder
            do { folder = try FrameFolder(path: path) } catch { throw LabError("\(error)") }
            var frames: [[UInt8]] = []
            var geometry = Geometry(width: 1, height: 1, channels: 1)
            for k in 0..<folder.count {
                let image: Image
                do { image = try folder.frame(k) } catch { throw LabError("\(error)") }
                geometry = Geometry(width: image.width, height: image.height, channels: image.channels)
                frames.append(image.pixels)
            }
            held.append((frames, geometry))
        }
        // the law to distil against, and the first held-out video's calibration
        var target: (law: Law, pxPerUnit: Double, dt: Double, startTime: Double)? = nil
        if let text = o.distillLaw {
            let law: Law
            do { law = try Law(text: text) } catch let e as FormulaError { throw LabError("--distill-law: \(e.message)") }
            guard law.constantNames.allSatisfy({ $0.allSatisfy { $0 == nil } }) else {
                throw LabError("--distill-law: give the law's constants as numbers (the video's law, not a form to fit)")
            }
            let c = try TrackJob.calibration(folder: o.heldOut[0], pxPerUnit: o.distillPxPerUnit, fps: nil, dt: o.distillDt,
                                             origin: nil, startTime: nil)
            target = (law, c.pxPerUnit, c.dt, c.startTime)
        }
        let tasks = try corpus(o)
        func distil(_ field: NeuralField?) throws -> DistilledLaw? {
            guard let target, let field,
                  let d = try Distillation.run(field: field, pxPerUnit: target.pxPerUnit, dt: target.dt, startTime: target.startTime,
                                               explicit: target.law, maxRows: 240, options: o.distillSearch,
                                               source: "\(o.heldOut[0]): the network's accelerations")
            else { return nil }
            let names = FrameDiscoverJob.variables
            return DistilledLaw(law: "ax = \(d.law.ax.formula.sympyString(names: names)); ay = \(d.law.ay.formula.sympyString(names: names))",
                                fitToNetwork: d.fitToNetwork, networkOffOrbit: d.offOrbit.map(\.network).max() ?? .nan,
                                distilledOffOrbit: d.offOrbit.map(\.distilled).max() ?? .nan)
        }
        func measure(width: Int, videos: Int) throws -> ScalingRow {
            let sizes = [4, width, width, 2]
            var parameters: [Double]? = nil
            if videos > 0 {
                parameters = NeuralPretraining.train(Array(tasks.prefix(videos)), steps: o.steps, seed: o.seed, hidden: width).parameters
            }
            var bits: [Double] = []
            var distilled: DistilledLaw? = nil
            for (k, h) in held.enumerated() {
                let coded = try NeuralScaling.code(frames: h.frames, geometry: h.geometry, sizes: sizes, parameters: parameters,
                                                   pretrained: videos > 0)
                bits.append(Double(coded.bytes * 8) / Double(h.frames.count))
                if k == 0 { distilled = try distil(coded.field) }
            }
            return ScalingRow(width: width, parameters: NeuralScaling.parameterCount(width: width), videos: videos, bitsPerFrame: bits,
                              distilled: distilled)
        }
        var rows: [ScalingRow] = []
        let progress = Progress(label: "scaling", total: 2 * o.widths.count + o.corpusSizes.count, enabled: o.showProgress && isatty(2) != 0)
        for w in o.widths {
            rows.append(try measure(width: w, videos: 0)); progress.advance()
            rows.append(try measure(width: w, videos: tasks.count)); progress.advance()
        }
        let shipped = NeuralScaling.shippedWidth
        for n in o.corpusSizes where n != tasks.count || !o.widths.contains(shipped) {
            rows.append(try measure(width: shipped, videos: min(n, tasks.count))); progress.advance()
        }
        progress.finish()
        struct Distilled: Encodable {
            var law: String, fit_to_network: Double?, network_off_orbit: Double?, distilled_off_orbit: Double?, recovered: Bool
        }
        struct Row: Encodable {
            var width: Int; var parameters: Int; var pretraining_videos: Int; var bits_per_frame: [Double]; var mean_bits_per_frame: Double
            var distilled: Distilled?
        }
        struct Document: Encodable {
            var format = "occam-neural-scaling"
            var version = 1
            var command: String
            var held_out: [String]
            var distill_law: String?
            var note = "bits per frame of each held-out video coded by the neural level (in memory, round trip checked) with a network "
                + "of hidden width w (4-w-w-2), from the online start's seed (pretraining_videos 0) or pretrained by occam train on the "
                + "first n videos of the corpus; distilled: the law distilled from the network that coded the first held-out video, "
                + "against distill_law off the filmed orbits (positions x0.7 and x1.4; the larger relative RMS), recovered when within 1 %"
            var rows: [Row]
        }
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let document = Document(command: command(o) + " --scaling", held_out: o.heldOut, distill_law: o.distillLaw, rows: rows.map {
            Row(width: $0.width, parameters: $0.parameters, pretraining_videos: $0.videos, bits_per_frame: $0.bitsPerFrame,
                mean_bits_per_frame: $0.bitsPerFrame.reduce(0, +) / Double($0.bitsPerFrame.count),
                distilled: $0.distilled.map {
                    Distilled(law: $0.law, fit_to_network: finite($0.fitToNetwork), network_off_orbit: finite($0.networkOffOrbit),
                              distilled_off_orbit: finite($0.distilledOffOrbit), recovered: $0.recovered)
                })
        })
        try AtomicFile.write(o.output, try EquationsDocument.encoder.encode(document))
        return rows
    }

    static func check(_ o: Options) throws {
        guard o.videos >= 2, o.frames >= 32, o.size >= 32, o.steps >= 1 else {
            throw LabError("occam train: --videos ≥ 2, --frames ≥ 32, --size ≥ 32 and --steps ≥ 1")
        }
    }

    public static func run(_ o: Options) throws -> Outcome {
        try check(o)
        if FileManager.default.fileExists(atPath: o.output) && !o.force {
            throw LabError("\(o.output): already exists; choose another name or pass --force")
        }
        let start = Date()
        let tasks = try corpus(o)
        let corpus = Date().timeIntervalSince(start)
        let training = Progress(label: "training", total: o.steps, enabled: o.showProgress && isatty(2) != 0)
        let result = NeuralPretraining.train(tasks, steps: o.steps, seed: o.seed) { training.set(done: $0) }
        training.finish()
        let trained = Date().timeIntervalSince(start)
        let gate = try self.gate(o)
        let outcome = Outcome(tasks: tasks.count, samples: tasks.reduce(0) { $0 + $1.states.count }, result: result,
                              gate: gate.gate, gateCounts: gate.counts,
                              seconds: (corpus, trained - corpus, Date().timeIntervalSince(start) - trained))
        try AtomicFile.write(o.output, try json(outcome, options: o))
        if let path = o.swiftSource { try AtomicFile.write(path, Data(swiftSource(outcome, options: o).utf8)) }
        return outcome
    }

    /// The command that makes these weights.
    static func command(_ o: Options) -> String {
        "occam train --videos \(o.videos) --frames \(o.frames) --size \(o.size) --steps \(o.steps) --seed \(o.seed)"
    }

    static func json(_ outcome: Outcome, options o: Options) throws -> Data {
        struct Point: Encodable { var step: Int; var train_misfit: Double; var held_out_misfit: Double }
        struct Document: Encodable {
            var format = "occam-neural-weights"
            var version = 1
            var command: String
            var sizes: [Int]
            var parameters_base64: String
            var note = "parameters: little-endian IEEE 754 doubles, per layer weights (out × in, row-major) then biases; the readout "
                + "(last layer) is zero: each stream fits its own. misfit: RMS(network − true acceleration)/RMS(true acceleration) at the coder's states, with each video's "
                + "own least-squares readout; every tenth video held out"
            var videos: Int, samples: Int
            var history: [Point]
            var gate_bounds: [Double]
            var gate_weights_base64: String
            var gate_weights: [Double]
            var gate_samples: [Int]
            var gate_note = "prior-2's sample gate: a sample's acceleration is a4 + w(F)*(a6 - a4), the degree-4 and degree-6 "
                + "Savitzky-Golay fits of its 11 positions, F = (RSS4 - RSS6)/(the object's decayed RSS6), one weight per bin of F "
                + "(gate_bounds: the bins' upper bounds, the last bin open); fitted against the true accelerations of the "
                + "corpus's videos drawn wide (periods 15-240 frames, orbits started at 0.6-1.2 of the circular speed), "
                + "each video weighted equally; gate_samples: samples per bin"
            var seconds_corpus: Double, seconds_training: Double, seconds_gate: Double
        }
        let r = outcome.result
        let d = Document(command: command(o), sizes: r.sizes, parameters_base64: NeuralPretraining.encode(r.parameters),
                         videos: outcome.tasks, samples: outcome.samples,
                         history: r.history.map { Point(step: $0.step, train_misfit: $0.train, held_out_misfit: $0.heldOut) },
                         gate_bounds: SampleGate.bounds, gate_weights_base64: NeuralPretraining.encode(outcome.gate.weights),
                         gate_weights: outcome.gate.weights, gate_samples: outcome.gateCounts,
                         seconds_corpus: outcome.seconds.corpus, seconds_training: outcome.seconds.training,
                         seconds_gate: outcome.seconds.gate)
        return try EquationsDocument.encoder.encode(d)
    }

    static func swiftSource(_ outcome: Outcome, options o: Options) -> String {
        let text = NeuralPretraining.encode(outcome.result.parameters)
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty { lines.append(String(rest.prefix(96))); rest = rest.dropFirst(96) }
        let last = outcome.result.history.last
        return """
            // Generated by `\(command(o))` — do not edit: streams that start from these weights
            // (NeuralStart.prior1) decode only with these exact bits. \(outcome.tasks) videos, \
            \(outcome.samples) samples; misfit with each video's own readout \
            \(String(format: "%.3f", last?.train ?? .nan)) (training), \(String(format: "%.3f", last?.heldOut ?? .nan)) (held out).

            extension NeuralPrior {
                static let prior1Sizes = \(outcome.result.sizes)
                static let prior1Base64 = \"\"\"
            \(lines.map { "        " + $0 }.joined(separator: "\n"))
                    \"\"\"
                /// (NeuralStart.prior2: prior-1 and this sample gate, weights \(outcome.gate.weights.map { String(format: "%.3f", $0) }.joined(separator: " ")))
                static let prior2GateBase64 = "\(NeuralPretraining.encode(outcome.gate.weights))"
            }

            """
    }
}
