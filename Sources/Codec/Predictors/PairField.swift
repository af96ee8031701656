import Tracking

/// Stream version 7: the neural level's pair network, graph-style — the force each moving
/// object feels from the other moving objects, for scenes where bodies act on each other (two
/// charges scattering, the stars of a binary, planets about a star). As in a graph network's
/// edge model (Cranmer et al. 2020), every pair (i, j) gives a message along the line between
/// them, a function of their distance alone — the features φ of a small network of r (the
/// central network's inputs r/64 and 64/r, `NeuralDynamics.centralInput`) times the unit vector
/// from j to i — and an object's acceleration is the sum of its messages, read out linearly,
/// plus, when a reference body sits still, the same features about it (the origin), and a
/// uniform term:
///
///     a_i = Σ_j Σ_k w_ik φ_k(r_ij) (x_i − x_j)/r_ij + Σ_k u_ik φ_k(r_i) x_i/r_i + (c_ix, c_iy).
///
/// Each object has its own readout w_i, u_i, c_i (its coupling — charge over mass, the other
/// body's mass — is its own), solved by ridge least squares over every sample it gave, so
/// momentum conservation need not be assumed and a light and a heavy body are both right. The
/// readout is the receiver's, not the pair's: with three or more bodies whose couplings differ
/// (gravity's G·m_j per sender) one message stands for every sender. (The
/// reference body's terms: the four planets of simulations/planets.yaml 3393 → 3054 bytes,
/// against 3394 without them. Without a reference body the origin is the frame's centre, a
/// camera's choice: terms about it cost two charges 983 → 987 bytes and the binary 1723 → 1745,
/// and where the bodies' barycentre sits there they are the same functions as the pair's, so
/// the messages could not be read off; a field centred on an unseen mass is the central
/// network's. Session 29.) With one moving object there are no messages and the network stays
/// out: the same readout about the origin alone coded Kepler 1287 → 1291 bytes and the
/// cyclotron 728 → 740. The terms about the origin are zero while it is not a reference body;
/// every object's readout keeps all columns (the ridge holds the unused ones at zero; its
/// readiness and ridge count the columns in use). The
/// hidden layers are the fixed features of a seeded network (the central network from its seed
/// already fits central fields to a few parts in 10⁵ with its own readout; training them online
/// is not done yet). Objects are followed from frame to frame by their position: a body is the
/// record whose last position is within 0.5 px of the track's previous point in the same frame;
/// a record not seen in a frame is kept for `patience` frames (a detection missed under noise
/// would otherwise cost the object everything it learned), then retired.
///
/// Everything is +, −, ×, ÷ and √ in a fixed order (`Perceptron`), so encoder and decoder agree
/// bit for bit; golden streams check it.
struct PairField: Sendable {
    static let sizes = [2, 16, 16, 1]
    static let seed: UInt64 = 0x0CCA_0003
    /// Ridge weight relative to the mean diagonal of an object's normal matrix (as the central
    /// network's: one function of one variable).
    static let ridge = 1e-8
    let network = Perceptron(sizes: sizes, seed: seed)
    /// Readout columns: the features and a bias along each pair's line, the same about the
    /// origin, then uniform x and y.
    static var columns: Int { 2 * (sizes[sizes.count - 2] + 1) + 2 }

    /// One object's learning: its normal equations over every sample, the readout solved from
    /// them, and each pair candidate's decayed squared error (nil until first judged).
    struct Body: Sendable {
        var last: (u: Double, v: Double)
        /// The stream's frame of `last`.
        var lastFrame: Int
        var normal = [Double](repeating: 0, count: PairField.columns * PairField.columns)
        var rhs = [Double](repeating: 0, count: PairField.columns)
        var samples = 0
        /// Σ of the squared targets (for the fit's residual) and the pair distances (px) of the
        /// last `PairMessages.capacity` samples (for distillation; not used in coding).
        var targetSquares = 0.0
        var distances: [Double] = []
        var readout: [Double]?
        var errors: [Double?]
    }

    /// Bodies seen in the last `patience` frames, and this frame's (as `nextPosition` visits
    /// the objects); which of `bodies` this frame's objects claimed; bodies retired (not seen
    /// for longer; kept for distillation only, the eight with most samples).
    var bodies: [Body] = []
    var seen: [Body] = []
    var claimed: Set<Int> = []
    var retired: [Body] = []
    static let patience = 8
    /// This frame's moving objects, and whether the origin is a reference body
    /// (`MotionPredictor.observe`).
    var objects: [PixelTrack] = []
    var aboutReference = false

    /// The record of the object whose previous point is `previous` (in the stream's frame
    /// `previous.frame`), claimed for this frame; nil: a new body.
    mutating func claim(previous: (u: Double, v: Double, frame: Int)?) -> Body? {
        guard let previous else { return nil }
        var best: (k: Int, d: Double)?
        for (k, b) in bodies.enumerated() where b.lastFrame == previous.frame && !claimed.contains(k) {
            let d = (b.last.u - previous.u) * (b.last.u - previous.u) + (b.last.v - previous.v) * (b.last.v - previous.v)
            if d < 0.25, d < best?.d ?? .infinity { best = (k, d) }
        }
        guard let best else { return nil }
        claimed.insert(best.k)
        return bodies[best.k]
    }

    /// After a frame: this frame's bodies, and the unclaimed ones seen within `patience` frames.
    mutating func endFrame(decoded: Int) {
        var next = seen
        for (k, b) in bodies.enumerated() where !claimed.contains(k) {
            if decoded - b.lastFrame < Self.patience { next.append(b) } else if b.readout != nil { retired.append(b) }
        }
        if retired.count > 8 { retired = Array(retired.sorted { $0.samples > $1.samples }.prefix(8)) }
        bodies = next
        seen = []
        claimed = []
    }

    /// The readout's rows (x and y) at a position (px, y up) given the other objects' positions
    /// at the same time; nil when there is no other object.
    func rows(x: Double, y: Double, others: [(x: Double, y: Double)]) -> (x: [Double], y: [Double])? {
        guard !others.isEmpty else { return nil }
        let c = Self.columns, h = Self.sizes[Self.sizes.count - 2] + 1
        var rx = [Double](repeating: 0, count: c), ry = rx
        for o in others {
            let dx = x - o.x, dy = y - o.y
            let r = (dx * dx + dy * dy).squareRoot()
            guard r > 0 else { return nil }
            let f = network.features(NeuralDynamics.centralInput(r)) + [1]
            for k in 0..<h {
                rx[k] += f[k] * dx / r
                ry[k] += f[k] * dy / r
            }
        }
        if aboutReference {
            let r = (x * x + y * y).squareRoot()
            guard r > 0 else { return nil }
            let f = network.features(NeuralDynamics.centralInput(r)) + [1]
            for k in 0..<h {
                rx[h + k] = f[k] * x / r
                ry[h + k] = f[k] * y / r
            }
        }
        rx[c - 2] = 1
        ry[c - 1] = 1
        return (rx, ry)
    }

    /// Add a measured acceleration (px/frame², y up) at a position to `body`'s equations.
    func add(_ body: inout Body, x: Double, y: Double, others: [(x: Double, y: Double)], ax: Double, ay: Double) {
        guard let (rx, ry) = rows(x: x, y: y, others: others) else { return }
        let tx = ax * NeuralDynamics.outputScale, ty = ay * NeuralDynamics.outputScale
        guard (rx + ry).allSatisfy(\.isFinite), tx.isFinite, ty.isFinite else { return }
        let c = Self.columns
        for a in 0..<c {
            for b in 0..<c { body.normal[a * c + b] += rx[a] * rx[b] + ry[a] * ry[b] }
            body.rhs[a] += rx[a] * tx + ry[a] * ty
        }
        body.samples += 1
        body.targetSquares += tx * tx + ty * ty
        for o in others { body.distances.append(((x - o.x) * (x - o.x) + (y - o.y) * (y - o.y)).squareRoot()) }
        if body.distances.count > PairMessages.capacity { body.distances.removeFirst(body.distances.count - PairMessages.capacity) }
    }

    /// Solve `body`'s readout once it has as many samples as columns in use (two rows each;
    /// the terms about the origin are unused while it is not a reference body).
    static func solve(_ body: inout Body) {
        let c = columns
        var a = body.normal, trace = 0.0, used = 0
        for k in 0..<c where a[k * c + k] > 0 {
            trace += a[k * c + k]
            used += 1
        }
        guard used > 0, body.samples >= used else { return }
        let ridge = Self.ridge * trace / Double(used) + 1e-12
        for k in 0..<c { a[k * c + k] += ridge }
        if let w = solveLinear(a, body.rhs, size: c, minimumPivot: 1e-300), w.allSatisfy(\.isFinite) { body.readout = w }
    }
}

/// The pair network as an acceleration field for `StormerStep`: one object's readout, the other
/// objects' decoded positions by frame, and the clock (the step's t is the frame number).
struct PairModel: AccelerationModel {
    let field: PairField
    let readout: [Double]
    /// The other objects' points by the stream's frame number.
    let others: [[Int: (x: Double, y: Double)]]

    var ready: Bool { true }
    mutating func add(t: Double, x: Double, y: Double, vx: Double, vy: Double, ax: Double, ay: Double) {}

    func acceleration(t: Double, x: Double, y: Double, vx: Double, vy: Double) -> (ax: Double, ay: Double)? {
        let frame = Int(t.rounded())
        var positions: [(x: Double, y: Double)] = []
        for o in others {
            guard let p = o[frame] else { return nil }
            positions.append(p)
        }
        guard let (rx, ry) = field.rows(x: x, y: y, others: positions) else { return nil }
        var ax = 0.0, ay = 0.0
        for k in 0..<readout.count {
            ax += readout[k] * rx[k]
            ay += readout[k] * ry[k]
        }
        ax /= NeuralDynamics.outputScale
        ay /= NeuralDynamics.outputScale
        return ax.isFinite && ay.isFinite ? (ax, ay) : nil
    }
}

/// What the pair network learned, after coding (stream version 7): per object, the message it
/// receives from another object at distance r — the acceleration along the line from the other
/// object to it, in px/frame² (negative: towards the other, attraction) — and the distances it
/// learned at. For distilling the pairwise law from the network (Cranmer et al. 2020): with a
/// mutual force, the ratio of two objects' messages at one distance is the inverse ratio of
/// their masses.
public struct PairMessages: Sendable {
    /// Distances kept per object.
    public static let capacity = 2048

    public struct Body: Sendable {
        /// Where the object was in the last frame it was seen (px, image axes).
        public let position: (u: Double, v: Double)
        /// Samples it learned from, and the pair distances (px) of the last `capacity`.
        public let samples: Int
        public let distances: [Double]
        /// RMS of the readout's residual over RMS of the measured accelerations (its samples).
        public let misfit: Double
        /// Readout weights fitted (the readout's columns in use).
        public let weights: Int
        let readout: [Double]
        /// The ridge-regularised normal matrix and the residual variance per row (output units²).
        let normal: [Double]
        let variance: Double
    }

    let network: Perceptron
    /// Objects whose readout was solved, most samples first (those not seen for a while too:
    /// an object whose track broke for long may appear twice).
    public let bodies: [Body]

    init(_ field: PairField) {
        network = field.network
        bodies = (field.bodies + field.retired).sorted { $0.samples > $1.samples }.compactMap { b in
            guard let w = b.readout else { return nil }
            // residual sum of squares from the normal equations: yᵀy − 2wᵀAᵀy + wᵀAᵀAw
            let c = PairField.columns
            var rss = b.targetSquares
            for i in 0..<c {
                rss -= 2 * w[i] * b.rhs[i]
                for j in 0..<c { rss += w[i] * b.normal[i * c + j] * w[j] }
            }
            let misfit = b.targetSquares > 0 ? (max(0, rss) / b.targetSquares).squareRoot() : .infinity
            var normal = b.normal, trace = 0.0, used = 0
            for k in 0..<c where normal[k * c + k] > 0 {
                trace += normal[k * c + k]
                used += 1
            }
            for k in 0..<c { normal[k * c + k] += PairField.ridge * trace / Double(max(1, used)) + 1e-12 }
            let variance = max(0, rss) / Double(max(1, 2 * b.samples - used))
            return Body(position: b.last, samples: b.samples, distances: b.distances, misfit: misfit, weights: used, readout: w,
                        normal: normal, variance: variance)
        }
    }

    /// `body`'s message at distance `r` (px): px/frame², positive away from the other object.
    public func message(_ body: Body, at r: Double) -> Double? {
        guard r > 0 else { return nil }
        let h = PairField.sizes[PairField.sizes.count - 2] + 1
        let f = network.features(NeuralDynamics.centralInput(r)) + [1]
        var m = 0.0
        for k in 0..<h { m += body.readout[k] * f[k] }
        m /= NeuralDynamics.outputScale
        return m.isFinite ? m : nil
    }

    /// The standard error of `body`'s message at distance `r` (px/frame²), from its readout's
    /// covariance (residual variance × the inverse normal matrix). Large where the data cannot
    /// tell the pair's term from the origin's: two bodies whose barycentre stays at the origin
    /// feel forces that are functions of their distance from it too.
    public func uncertainty(_ body: Body, at r: Double) -> Double? {
        guard r > 0 else { return nil }
        let c = PairField.columns, h = PairField.sizes[PairField.sizes.count - 2] + 1
        let f = network.features(NeuralDynamics.centralInput(r)) + [1]
        let column = f + [Double](repeating: 0, count: c - h)
        guard let solved = solveLinear(body.normal, column, size: c, minimumPivot: 1e-300) else { return nil }
        var q = 0.0
        for k in 0..<c { q += column[k] * solved[k] }
        let e = (body.variance * max(0, q)).squareRoot() / NeuralDynamics.outputScale
        return e.isFinite ? e : nil
    }
}
