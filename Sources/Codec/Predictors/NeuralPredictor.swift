import Render
import Tracking

/// The `neural` level's predictor: no law is given; a small network (`NeuralDynamics`) learns
/// the acceleration field a(x, y, vx, vy) from the decoded objects while coding — its hidden
/// layers by gradient descent, its linear readout by least squares — and objects are stepped
/// with it by Störmer's method (`StormerStep`), in pixels and frames (the units every video
/// shares, so that weights learned on other videos transfer).
///
/// The network is used only where it predicts better: each object's last position is also
/// predicted from the points before it, by the network and by constant acceleration (the
/// `motion` level's predictor), and the better of the two predicts the object's next one.
/// Both sides see the same decoded positions, so the choice costs no bits; a network that has
/// not learned yet costs little. From stream version 5, with the `profiles-2` and `-3`
/// appearances, the network's step may also start from its trajectory through the last 8, 16 or
/// 32 positions (as the law level's), every candidate judged by its decayed error, and the
/// network learns from Savitzky–Golay derivatives over 11 positions instead of five-point
/// differences (`record`). From stream version 6 a second network, `central`, learns the same
/// samples as a central field about the reference body — the radial acceleration as a function
/// of the distance alone (`NeuralDynamics.central`), an inductive bias of the kind Liu et al.
/// 2026 found makes such models learn Newtonian forces — and its steps are candidates beside
/// the general network's, so a field that is not central (crossed fields) keeps the general
/// one; both networks' readouts are solved every frame. From stream version 7 a third, the pair
/// network (`PairField`), learns each object's acceleration from the other moving objects'
/// positions, graph-style, and its steps are candidates too, judged the same way. The `prior-2`
/// start (any version from 5) measures the samples' accelerations through a gate learned on
/// simulated videos (`SampleGate`).
struct NeuralPredictor: MotionPredictor {
    var dynamics: NeuralDynamics
    /// The central-field network (stream version 6 with trajectories; nil before).
    var central: NeuralDynamics?
    /// The pair network (stream version 7 with trajectories; nil before).
    var pairs: PairField?
    /// Pixels and frames: the network's units.
    let stepper = StormerStep(calibration: StreamCalibration())
    /// Whether `smooth(over:)` may give the network's step the trajectory windows the law level
    /// has, and the network its smoothed samples (stream version 5; before it the request was
    /// ignored).
    let followsTrajectories: Bool
    /// With windows: the network's step from the last four points (0) and from its trajectory
    /// through the last 8, 16 or 32 positions.
    var windows: [Int] = []
    var correctedVelocities = false
    /// Per object: its predicted position and the candidates' recent squared errors (constant
    /// acceleration's, then each window's), found again next frame as the object within 2 px of
    /// that prediction (as `MotionModel` finds its sprites); `predicted` collects this frame's.
    var objects: [(u: Double, v: Double, errors: [Double])] = []
    /// The `prior-2` start's estimator of the samples' accelerations (nil: degree-4 fits only).
    let gate: SampleGate?
    /// When not nil, every sample's window measure is collected here (`SampleGate.samples`).
    var gateSamples: [SampleGate.Sample]? = nil
    /// With the gate: per object, the windows' degree-6 residual sum of squares, decayed (the
    /// gate's noise), found as `objects` are; `notedNoises` collects this frame's.
    var noises: [(u: Double, v: Double, rss: Double)] = []
    var notedNoises: [(u: Double, v: Double, rss: Double)] = []
    var predicted: [(u: Double, v: Double, errors: [Double])] = []

    init(start: NeuralStart, followsTrajectories: Bool = false, centralField: Bool = false, pairs: Bool = false) {
        dynamics = NeuralDynamics(start: start, solvesEveryFrame: centralField)
        self.followsTrajectories = followsTrajectories
        gate = start == .prior2 ? NeuralPrior.gate2 : nil
        if followsTrajectories && centralField { central = NeuralDynamics(centralSeed: 0x0CCA_0002) }
        if followsTrajectories && pairs { self.pairs = PairField() }
    }

    mutating func observe(_ objects: [PixelTrack], referenceBody: Bool) {
        pairs?.objects = objects
        pairs?.aboutReference = referenceBody
    }

    /// A network given in memory (`NeuralScaling`: no stream names it).
    init(network: Perceptron, rate: Double) {
        dynamics = NeuralDynamics(network: network, rate: rate)
        followsTrajectories = false
        gate = nil
    }

    mutating func smooth(over frames: Int, correctedVelocities: Bool) {
        guard followsTrajectories else { return }
        windows = [0] + [8, 16, 32].filter { $0 <= frames }
        self.correctedVelocities = correctedVelocities
    }

    mutating func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        guard !windows.isEmpty else { return lastPointChoice(of: track, next: next, decoded: decoded, origin: origin) }
        let p = track.points
        let n = p.count
        guard let last = p.last else { return track.predict(next) }
        // Per object, as `lastPointChoice`, but remembered: each candidate's prediction of the
        // object's last position from the positions before it, its squared error decayed by
        // half in about seven frames (as the law level's windows). (One record shared by all
        // objects, as the law level's, cost the four planets 11 %: the network fits a fast
        // inner planet long before a slow outer one.)
        // Candidates: constant acceleration, the general network's windows, the central one's.
        let count = windows.count + 1 + (central == nil ? 0 : windows.count)
        var errors = objects.first(where: { ($0.u - last.u) * ($0.u - last.u) + ($0.v - last.v) * ($0.v - last.v) < 4 })?.errors
            ?? [Double](repeating: 0, count: count)
        if n >= 6 && p[n - 1].frame == p[n - 6].frame + 5 {
            var before = track
            before.points.removeLast()
            func error(_ q: (u: Double, v: Double)) -> Double { min((q.u - last.u) * (q.u - last.u) + (q.v - last.v) * (q.v - last.v), 1) }
            if dynamics.ready {
                errors[0] = 0.9 * errors[0] + 0.1 * error(before.predict(last.frame))
                for (k, w) in windows.enumerated() {
                    guard let q = stepper.step(before, decoded: decoded - 1, origin: origin, model: &dynamics, record: false,
                                               smoothing: w, correctedVelocities: correctedVelocities) else { continue }
                    errors[k + 1] = 0.9 * errors[k + 1] + 0.1 * error(q)
                }
            }
            if var c = central, c.ready {
                for (k, w) in windows.enumerated() {
                    guard let q = stepper.step(before, decoded: decoded - 1, origin: origin, model: &c, record: false,
                                               smoothing: w, correctedVelocities: correctedVelocities) else { continue }
                    errors[windows.count + 1 + k] = 0.9 * errors[windows.count + 1 + k] + 0.1 * error(q)
                }
            }
        }
        // Version 7: the pair network's record of this object, its candidates judged.
        var body = pairs == nil ? nil : judgePairs(track, decoded: decoded, origin: origin)
        // The sample: from the last 11 positions where the track has them (see `record`), else
        // the stepper's five-point differences.
        var noise = gate == nil && gateSamples == nil ? nil
            : noises.first(where: { ($0.u - last.u) * ($0.u - last.u) + ($0.v - last.v) * ($0.v - last.v) < 4 })?.rss
        let own = record(track, decoded: decoded, origin: origin, body: &body, noise: &noise)
        let stepped = stepper.step(track, decoded: decoded, origin: origin, model: &dynamics, record: !own)
        if !own, central != nil { _ = stepper.step(track, decoded: decoded, origin: origin, model: &central!, record: true) }
        // Ties (before any comparison) go to constant acceleration, then to the general network;
        // a network's candidates only once it predicts (the central one may be a sample behind:
        // it drops a sample taken exactly at the reference body).
        let centralReady = central?.ready ?? false
        let candidates = errors.indices.filter { $0 == 0 || ($0 <= windows.count ? dynamics.ready : centralReady) }
        let best = candidates.min(by: { errors[$0] < errors[$1] }) ?? 0
        var position = track.predict(next)
        if best > windows.count, var c = central, c.ready {
            if let q = stepper.step(track, decoded: decoded, origin: origin, model: &c, record: false,
                                    smoothing: windows[best - windows.count - 1], correctedVelocities: correctedVelocities) {
                position = q
            }
        } else if dynamics.ready, best > 0 {
            let w = windows[best - 1]
            if w == 0, let stepped { position = stepped }
            if w > 0, let q = stepper.step(track, decoded: decoded, origin: origin, model: &dynamics, record: false, smoothing: w,
                                           correctedVelocities: correctedVelocities) ?? stepped { position = q }
        }
        // Version 7: the pair network's best candidate where it predicted better than the
        // candidate chosen above (constant acceleration's error as the pair record keeps it).
        if let b = body, b.readout != nil {
            let chosenError = best == 0 ? b.errors[0] : errors[best]
            if let k = (1..<b.errors.count).filter({ b.errors[$0] != nil }).min(by: { b.errors[$0]! < b.errors[$1]! }),
               let e = b.errors[k], let reference = chosenError, e < reference,
               var model = pairModel(track, decoded: decoded, now: decoded, origin: origin, body: b),
               let q = stepper.step(track, decoded: decoded, origin: origin, model: &model, record: false,
                                    smoothing: windows[k - 1], correctedVelocities: correctedVelocities) {
                position = q
            }
        }
        if var b = body {
            b.last = (last.u, last.v)
            b.lastFrame = decoded
            pairs!.seen.append(b)
        }
        predicted.append((position.u, position.v, errors))
        if let noise { notedNoises.append((position.u, position.v, noise)) }
        return position
    }

    /// The pair network as `track`'s acceleration model: its record, the other objects'
    /// numbers (this frame's, `now`) and positions by frame (the stream's clock: the track's
    /// last point is frame `decoded`); nil before the record's readout is solved or when
    /// another object has no record.
    func pairModel(_ track: PixelTrack, decoded: Int, now: Int, origin: (u: Double, v: Double), body: PairField.Body) -> PairModel? {
        guard let field = pairs, let readout = body.readout else { return nil }
        let lastFrame = track.points.last?.frame ?? 0
        var others: [(id: Int, points: [Int: (x: Double, y: Double)])] = []
        for o in field.objects where o.id != track.id {
            guard let id = field.id(of: o, decoded: now) else { return nil }
            others.append((id, Dictionary(o.points.map { (decoded + $0.frame - lastFrame, stepper.physical($0.u, $0.v, origin)) },
                                          uniquingKeysWith: { a, _ in a })))
        }
        return PairModel(field: field, body: body, readout: readout, others: others)
    }

    /// Version 7: this object's pair record (found by its previous point, else new; claimed),
    /// its candidates — constant acceleration first, then the pair network per window — judged
    /// on how they predicted its last position from the points before it.
    mutating func judgePairs(_ track: PixelTrack, decoded: Int, origin: (u: Double, v: Double)) -> PairField.Body {
        let p = track.points, n = p.count
        let last = p[n - 1]
        var body = pairs!.claim(previous: PairField.previous(track, decoded: decoded), last: (last.u, last.v), decoded: decoded,
                                candidates: windows.count + 1)
        guard n >= 6 && p[n - 1].frame == p[n - 6].frame + 5 else { return body }
        var before = track
        before.points.removeLast()
        func error(_ q: (u: Double, v: Double)) -> Double { min((q.u - last.u) * (q.u - last.u) + (q.v - last.v) * (q.v - last.v), 1) }
        func update(_ k: Int, _ e: Double) { body.errors[k] = body.errors[k].map { 0.9 * $0 + 0.1 * e } ?? e }
        update(0, error(before.predict(last.frame)))
        guard var model = pairModel(before, decoded: decoded - 1, now: decoded, origin: origin, body: body) else { return body }
        for (k, w) in windows.enumerated() {
            guard let q = stepper.step(before, decoded: decoded - 1, origin: origin, model: &model, record: false,
                                       smoothing: w, correctedVelocities: correctedVelocities) else { continue }
            update(k + 1, error(q))
        }
        return body
    }

    /// Savitzky–Golay weights (degree 4 over 11 consecutive positions) of the first and second
    /// derivative at the middle position, computed once by least squares (+, −, ×, ÷ only).
    static let derivativeWeights: (first: [Double], second: [Double]) =
        (SampleGate.fourth.map { $0[1] }, SampleGate.fourth.map { 2 * $0[2] })

    static func power(_ t: Double, _ k: Int) -> Double { (0..<k).reduce(1.0) { p, _ in p * t } }

    /// With trajectories (stream version 5): record the track's state and acceleration at the
    /// middle of its last 11 positions, by Savitzky–Golay derivatives of degree 4, when the last
    /// 11 are consecutive. Five-point differences turn the positions' measurement error into
    /// acceleration noise ×3.13 (√1414/12), these ×0.26, and their bias stays below 10⁻⁴ of
    /// the acceleration on an orbit of 60 frames per turn (degree 2 over the same points: 2 %,
    /// which a distilled law would inherit). On sampled discs, whose positions are good to a few
    /// thousandths of a pixel, the five-point targets were mostly noise for the network and the
    /// level coded no shorter than `motion` (the law level, one constant over thousands of
    /// samples, averages the noise out). Chosen among 5 to 15 positions and degrees 2 and 4 by
    /// the bytes of five 300-frame streams and the distilled GM of `DistillationTests` (README,
    /// "The neural level"). From the `prior-2` start the acceleration is the learned gate's
    /// blend of this fit and a degree-6 one (`SampleGate`; `noise` is the object's decayed
    /// degree-6 residual, updated). False when nothing was recorded.
    mutating func record(_ track: PixelTrack, decoded: Int, origin: (u: Double, v: Double), body: inout PairField.Body?,
                         noise: inout Double?) -> Bool {
        guard followsTrajectories else { return false }
        let p = track.points, n = p.count
        let (w1, w2) = Self.derivativeWeights
        let L = w1.count, h = L / 2
        guard n >= L, p[n - 1].frame == p[n - L].frame + L - 1 else { return false }
        var du = 0.0, dv = 0.0, au = 0.0, av = 0.0
        for k in 0..<L {
            let q = p[n - L + k]
            du += w1[k] * q.u
            dv += w1[k] * q.v
            au += w2[k] * q.u
            av += w2[k] * q.v
        }
        let c = stepper.calibration, s = c.pxPerUnit, dt = c.dt
        let (x, y) = stepper.physical(p[n - 1 - h].u, p[n - 1 - h].v, origin)
        let t = c.startTime + (Double(decoded) - Double(h)) * dt
        if gate != nil || gateSamples != nil {
            // prior-2: the learned gate between the degree-4 and degree-6 fits (`SampleGate`)
            let m = SampleGate.measure(u: p[(n - L)...].map(\.u), v: p[(n - L)...].map(\.v), noise: &noise)
            gateSamples?.append(SampleGate.Sample(measure: m, state: [x, y, du / (s * dt), -dv / (s * dt)]))
            if let gate { (au, av) = gate.acceleration(m) }
        }
        let (vx, vy, ax, ay) = (du / (s * dt), -dv / (s * dt), au / (s * dt * dt), -av / (s * dt * dt))
        dynamics.add(t: t, x: x, y: y, vx: vx, vy: vy, ax: ax, ay: ay)
        central?.add(t: t, x: x, y: y, vx: vx, vy: vy, ax: ax, ay: ay)
        // Version 7: the other objects where they were at the same frame.
        if let field = pairs, body != nil {
            let frame = p[n - 1 - h].frame
            let others: [(id: Int, x: Double, y: Double)] = field.objects.filter { $0.id != track.id }.compactMap { o in
                guard let id = field.id(of: o, decoded: decoded), let q = o.points.last(where: { $0.frame == frame }) else { return nil }
                let (x, y) = stepper.physical(q.u, q.v, origin)
                return (id, x, y)
            }
            if !others.isEmpty, others.count == field.objects.count - 1 { field.add(&body!, x: x, y: y, others: others, ax: ax, ay: ay) }
        }
        return true
    }

    /// The object's next position by the network's Störmer step when the network predicted the
    /// object's last position (from the points before it) better than constant acceleration
    /// did, else by constant acceleration. The choice is per object and per frame: one network
    /// fits some objects of a scene long before others (a fast inner planet, a slow outer one).
    mutating func lastPointChoice(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        let p = track.points
        let n = p.count
        var networkWasBetter = false
        if n >= 6 && p[n - 1].frame == p[n - 6].frame + 5 && dynamics.ready {
            var before = track
            before.points.removeLast()
            if let q = stepper.step(before, decoded: decoded - 1, origin: origin, model: &dynamics, record: false) {
                let m = before.predict(p[n - 1].frame)
                let network = (q.u - p[n - 1].u) * (q.u - p[n - 1].u) + (q.v - p[n - 1].v) * (q.v - p[n - 1].v)
                let motion = (m.u - p[n - 1].u) * (m.u - p[n - 1].u) + (m.v - p[n - 1].v) * (m.v - p[n - 1].v)
                networkWasBetter = network < motion
            }
        }
        let stepped = stepper.step(track, decoded: decoded, origin: origin, model: &dynamics)
        if let stepped, networkWasBetter { return stepped }
        return track.predict(next)
    }

    mutating func endFrame(decoded: Int) {
        dynamics.learn(decoded: decoded)
        central?.learn(decoded: decoded)
        if pairs != nil {
            for k in pairs!.seen.indices { PairField.solve(&pairs!.seen[k]) }
            pairs!.endFrame(decoded: decoded)
        }
        objects = predicted
        predicted = []
        noises = notedNoises
        notedNoises = []
    }
}

/// Where the neural level's network starts: weights drawn from a fixed seed (`online`: all it
/// knows it learns from the stream), or weights trained beforehand on simulated videos. The
/// stream names its start; a start is never changed once released (streams refer to it).
public enum NeuralStart: String, Sendable, CaseIterable, HeaderNumbered {
    case online = "online-1"
    /// Hidden layers pretrained on simulated videos (`occam train`, `NeuralPrior`).
    case prior1 = "prior-1"
    /// prior-1's hidden layers, and samples measured by a gate learned on simulated videos
    /// (`occam train`, `SampleGate`).
    case prior2 = "prior-2"

    /// Where the jobs' neural level starts unless told (`occam compress`, the ladder of `occam
    /// run` and `occam discover`): prior-2, which codes bench/compress's held-out streams shorter
    /// than online-1 (README, "prior-2"). `StreamWriter` itself starts from the seed unless told.
    public static let `default` = NeuralStart.prior2

    /// The start's number in a version-5 stream header (never reuse one).
    var id: UInt8 {
        switch self {
        case .online: 0
        case .prior1: 1
        case .prior2: 2
        }
    }
}

/// An acceleration field learned by a perceptron from the measured accelerations of the decoded
/// objects (pixels and frames, y up, relative to the reference body). Inputs are scaled to
/// about unit size (x/64 px, v/(2 px/frame)), the output is 16·a (a in px/frame²).
///
/// Learning, per decoded frame: eight Adam steps (rate 0.01) on the hidden layers, each over 32
/// samples drawn from the last 2048 (the readout is held at its least-squares value, so the
/// hidden layers learn features for it), and the readout solved by ridge least squares over all
/// of them — every frame while there are few samples, then every fourth. The ridge (10⁻⁴ of
/// the normal matrix's mean diagonal) keeps the first fits, on a few dozen samples, from
/// chasing the finite differences' noise. Chosen on the eccentric orbit of the codec tests
/// (drawn by the test), then checked on the scenarios of `simulations/` (bench/compress).
///
/// `central` (stream version 6): the field of a central force about the reference body, a(r)·r̂
/// — inputs r/64 and 64/r (a power of r is then a smooth function of them; only ÷ and √, no
/// libm), output 16·a(r), the radial component of the measured accelerations; its readout's
/// ridge is 10⁻⁸ (one function of one variable: with 10⁻⁴ the ridge's bias was among the
/// field's largest errors). From version 6 both networks' readouts are solved every frame: with
/// the hidden layers moving every frame, a readout a few frames old left errors of up to 1.3 %.
struct NeuralDynamics: AccelerationModel, Sendable {
    /// The shipped starts' network (inputs, two hidden layers, outputs).
    static let sizes = [4, 16, 16, 2]
    static let inputScale = (position: 1.0 / 64, velocity: 0.5)
    static let outputScale = 16.0
    static let capacity = 2048, batch = 32, steps = 8, rate = 0.01
    /// Adam's rate from a pretrained start: features learned on many videos are adjusted, not
    /// relearned (with 0.01 the Kepler and E×B streams coded longer than from the seed).
    static let fineTuningRate = 0.001
    /// Ridge weight relative to the mean diagonal of the readout's normal matrix.
    static let ridge = 1e-4
    static let centralRidge = 1e-8
    static let centralSizes = [2, 16, 16, 1]

    var network: Perceptron
    var adam: Adam
    var random = SplitMix64(seed: 0x0CCA_4E7A)
    var inputs: [[Double]] = []
    var targets: [[Double]] = []
    /// Each sample's time (frames; for distillation, not an input of the network).
    var times: [Double] = []
    private(set) var readoutSolved = false
    /// A central field a(r)·r̂ (see above) instead of a general a(x, y, vx, vy).
    private(set) var central = false
    /// Solve the readout after every frame's steps (version 6), not every fourth frame.
    private(set) var solvesEveryFrame = false

    init(start: NeuralStart, solvesEveryFrame: Bool = false) {
        switch start {
        case .online: network = Perceptron(sizes: Self.sizes, seed: 0x0CCA_0001)
        case .prior1, .prior2: network = NeuralPrior.prior1
        }
        adam = Adam(count: network.parameters.count, rate: start == .online ? Self.rate : Self.fineTuningRate)
        self.solvesEveryFrame = solvesEveryFrame
    }

    /// The central-field network, from `seed`.
    init(centralSeed seed: UInt64) {
        network = Perceptron(sizes: Self.centralSizes, seed: seed)
        adam = Adam(count: network.parameters.count, rate: Self.rate)
        central = true
        solvesEveryFrame = true
    }

    init(network: Perceptron, rate: Double) {
        self.network = network
        adam = Adam(count: network.parameters.count, rate: rate)
    }

    var ready: Bool { readoutSolved }

    static func input(_ x: Double, _ y: Double, _ vx: Double, _ vy: Double) -> [Double] {
        [x * inputScale.position, y * inputScale.position, vx * inputScale.velocity, vy * inputScale.velocity]
    }

    /// The central network's input at distance `r` (px).
    static func centralInput(_ r: Double) -> [Double] {
        let scaled = r * inputScale.position
        return [scaled, 1 / scaled]
    }

    mutating func add(t: Double, x: Double, y: Double, vx: Double, vy: Double, ax: Double, ay: Double) {
        var i = Self.input(x, y, vx, vy), o = [ax * Self.outputScale, ay * Self.outputScale]
        if central {
            let r = (x * x + y * y).squareRoot()
            guard r > 0 else { return }
            i = Self.centralInput(r)
            o = [(ax * x + ay * y) / r * Self.outputScale]
        }
        guard (i + o).allSatisfy(\.isFinite) else { return }
        inputs.append(i)
        targets.append(o)
        times.append(t)
        if inputs.count > Self.capacity {
            inputs.removeFirst()
            targets.removeFirst()
            times.removeFirst()
        }
    }

    func acceleration(t: Double, x: Double, y: Double, vx: Double, vy: Double) -> (ax: Double, ay: Double)? {
        let a: (Double, Double)
        if central {
            let r = (x * x + y * y).squareRoot()
            let radial = network(Self.centralInput(r))[0] / Self.outputScale
            a = (radial * x / r, radial * y / r)
        } else {
            let o = network(Self.input(x, y, vx, vy))
            a = (o[0] / Self.outputScale, o[1] / Self.outputScale)
        }
        return a.0.isFinite && a.1.isFinite ? a : nil
    }

    mutating func learn(decoded: Int) {
        let n = inputs.count
        let sizes = network.sizes, hidden = sizes[sizes.count - 2]
        guard n >= 2 * (hidden + 1) else { return }
        if readoutSolved {
            let readout = network.offset(sizes.count - 1)
            for _ in 0..<Self.steps {
                var gradient = [Double](repeating: 0, count: network.parameters.count)
                for _ in 0..<Self.batch {
                    let k = random.next(below: n)
                    network.accumulateGradient(inputs[k], target: targets[k], into: &gradient)
                }
                for k in readout..<gradient.count { gradient[k] = 0 }
                for k in 0..<readout { gradient[k] /= Double(Self.batch) }
                var next = network.parameters
                adam.step(&next, gradient: gradient)
                if next.allSatisfy(\.isFinite) { network.parameters = next }
            }
        }
        if n < 256 || decoded % 4 == 0 || solvesEveryFrame { solveReadout() }
    }

    /// The output layer by ridge least squares on the last hidden layer's features (and a bias).
    mutating func solveReadout() {
        if Self.solveReadout(&network, inputs: inputs, targets: targets, ridge: central ? Self.centralRidge : Self.ridge) {
            readoutSolved = true
        }
    }

    /// Set `network`'s readout to the ridge least-squares fit of `targets` on its features at
    /// `inputs`; false (network unchanged) when the normal equations cannot be solved.
    static func solveReadout(_ network: inout Perceptron, inputs: [[Double]], targets: [[Double]], ridge weight: Double = ridge) -> Bool {
        let sizes = network.sizes, h = sizes[sizes.count - 2], outputs = sizes[sizes.count - 1], m = h + 1
        var ata = [Double](repeating: 0, count: m * m)
        var atb = [[Double]](repeating: [Double](repeating: 0, count: m), count: outputs)
        for (k, input) in inputs.enumerated() {
            let f = network.features(input) + [1]
            for a in 0..<m {
                for b in a..<m { ata[a * m + b] += f[a] * f[b] }
                for o in 0..<outputs { atb[o][a] += f[a] * targets[k][o] }
            }
        }
        var trace = 0.0
        for a in 0..<m {
            for b in 0..<a { ata[a * m + b] = ata[b * m + a] }
            trace += ata[a * m + a]
        }
        let ridge = weight * trace / Double(m) + 1e-12
        for a in 0..<m { ata[a * m + a] += ridge }
        var solved: [[Double]] = []
        for o in 0..<outputs {
            guard let w = solveLinear(ata, atb[o], size: m, minimumPivot: 1e-300), w.allSatisfy(\.isFinite) else { return false }
            solved.append(w)
        }
        let readout = network.offset(sizes.count - 1)
        for o in 0..<outputs {
            for j in 0..<h { network.parameters[readout + o * h + j] = solved[o][j] }
            network.parameters[readout + outputs * h + o] = solved[o][h]
        }
        return true
    }
}

/// What the neural level's network learned, after coding: the acceleration field it computes
/// and the states it learned it from, in pixels and frames (positions from the reference body,
/// y up) — for distilling a symbolic law from the network (Cranmer et al. 2020).
public struct NeuralField: Sendable {
    let network: Perceptron
    /// The last 2048 learning samples' states: t (frames), x, y (px), vx, vy (px/frame).
    public let states: [[Double]]
    /// The accelerations measured there (px/frame², five-point differences of decoded positions).
    public let measured: [[Double]]

    init(_ d: NeuralDynamics) {
        network = d.network
        let s = NeuralDynamics.inputScale
        states = zip(d.times, d.inputs).map { t, i in [t, i[0] / s.position, i[1] / s.position, i[2] / s.velocity, i[3] / s.velocity] }
        measured = d.targets.map { [$0[0] / NeuralDynamics.outputScale, $0[1] / NeuralDynamics.outputScale] }
        trained = d.readoutSolved
    }

    /// The network's acceleration (px/frame²) at a state (px, px/frame); nil if not finite.
    public func acceleration(x: Double, y: Double, vx: Double, vy: Double) -> (ax: Double, ay: Double)? {
        let o = network(NeuralDynamics.input(x, y, vx, vy))
        let a = (o[0] / NeuralDynamics.outputScale, o[1] / NeuralDynamics.outputScale)
        return a.0.isFinite && a.1.isFinite ? a : nil
    }

    /// Whether the network had learned enough to predict (its readout was fitted).
    public let trained: Bool

    /// Weights of the readout, fitted by least squares per output (the last hidden layer and a bias).
    public var readoutWeights: Int { network.sizes[network.sizes.count - 2] + 1 }
}
