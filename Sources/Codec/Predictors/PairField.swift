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
///     a_i = Σ_j Σ_k w_ijk φ_k(r_ij) (x_i − x_j)/r_ij + Σ_k u_ik φ_k(r_i) x_i/r_i + (c_ix, c_iy).
///
/// Each ordered pair has its own readout w_ij (the coupling of i to j — G·m_j, or a charge
/// product over i's mass — is the pair's), and each object its u_i, c_i, solved per receiving
/// object by ridge least squares over every sample it gave, so momentum conservation need not
/// be assumed and a light and a heavy body are both right. A sender is known by its record's
/// number (`Body.id`); a receiver's readout gets a block of columns for each sender the first
/// time it learns with it. (Measured with one readout per receiver, the first version: the
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
    /// Columns of one function of distance: the features and a bias.
    static var block: Int { sizes[sizes.count - 2] + 1 }
    /// A readout's columns before the senders' blocks: the origin's block, then uniform x and y.
    static var base: Int { block + 2 }

    /// One object's learning: its number, its senders (one block of columns each, after the
    /// base columns), its normal equations over every sample, the readout solved from them,
    /// and each pair candidate's decayed squared error (nil until first judged).
    struct Body: Sendable {
        var id: Int
        var last: (u: Double, v: Double)
        /// The stream's frame of `last`.
        var lastFrame: Int
        var senders: [Int] = []
        var normal = [Double](repeating: 0, count: PairField.base * PairField.base)
        var rhs = [Double](repeating: 0, count: PairField.base)
        var samples = 0
        /// Σ of the squared targets (for the fit's residual), and per sender its samples and
        /// the distances (px) of the last `PairMessages.capacity` (for distillation; not used
        /// in coding).
        var targetSquares = 0.0
        var senderSamples: [Int] = []
        var distances: [[Double]] = []
        var readout: [Double]?
        var errors: [Double?]
        var columns: Int { PairField.base + PairField.block * senders.count }

        init(id: Int, last: (u: Double, v: Double), lastFrame: Int, candidates: Int) {
            self.id = id
            self.last = last
            self.lastFrame = lastFrame
            errors = [Double?](repeating: nil, count: candidates)
        }

        /// The block of `sender`, added (the equations grown by its columns) if new.
        mutating func block(for sender: Int) -> Int {
            if let k = senders.firstIndex(of: sender) { return k }
            let c = columns, h = PairField.block, grown = c + h
            var n = [Double](repeating: 0, count: grown * grown)
            for a in 0..<c { for b in 0..<c { n[a * grown + b] = normal[a * c + b] } }
            normal = n
            rhs += [Double](repeating: 0, count: h)
            readout = readout.map { $0 + [Double](repeating: 0, count: h) }
            senders.append(sender)
            senderSamples.append(0)
            distances.append([])
            return senders.count - 1
        }
    }

    /// Bodies seen in the last `patience` frames, and this frame's (as `nextPosition` visits
    /// the objects); which of `bodies` this frame's objects claimed; bodies retired (not seen
    /// for longer; kept for distillation only, the eight with most samples); the next number.
    var bodies: [Body] = []
    var seen: [Body] = []
    var claimed: Set<Int> = []
    var retired: [Body] = []
    var nextID = 0
    static let patience = 8
    /// This frame's moving objects, and whether the origin is a reference body
    /// (`MotionPredictor.observe`).
    var objects: [PixelTrack] = []
    var aboutReference = false

    /// The record of the object whose previous point is `previous` (in the stream's frame
    /// `previous.frame`), claimed for this frame; else a new body.
    mutating func claim(previous: (u: Double, v: Double, frame: Int)?, last: (u: Double, v: Double), decoded: Int,
                        candidates: Int) -> Body {
        if let k = match(previous, excluding: claimed) {
            claimed.insert(k)
            return bodies[k]
        }
        nextID += 1
        return Body(id: nextID, last: last, lastFrame: decoded, candidates: candidates)
    }

    /// The index in `bodies` of the record whose last position is within 0.5 px of `previous`
    /// in its frame (the nearest).
    func match(_ previous: (u: Double, v: Double, frame: Int)?, excluding: Set<Int> = []) -> Int? {
        guard let previous else { return nil }
        var best: (k: Int, d: Double)?
        for (k, b) in bodies.enumerated() where b.lastFrame == previous.frame && !excluding.contains(k) {
            let d = (b.last.u - previous.u) * (b.last.u - previous.u) + (b.last.v - previous.v) * (b.last.v - previous.v)
            if d < 0.25, d < best?.d ?? .infinity { best = (k, d) }
        }
        return best?.k
    }

    /// The previous point of a track in the stream's frames (its last point is frame `decoded`).
    static func previous(_ track: PixelTrack, decoded: Int) -> (u: Double, v: Double, frame: Int)? {
        let p = track.points, n = p.count
        return n >= 2 ? (p[n - 2].u, p[n - 2].v, decoded - (p[n - 1].frame - p[n - 2].frame)) : nil
    }

    /// The number of the record of another object's track this frame: the record already seen
    /// at its last point, else the one its previous point continues; nil for an object with none.
    func id(of track: PixelTrack, decoded: Int) -> Int? {
        guard let l = track.points.last else { return nil }
        if let b = seen.first(where: { $0.lastFrame == decoded && $0.last.u == l.u && $0.last.v == l.v }) { return b.id }
        return match(Self.previous(track, decoded: decoded)).map { bodies[$0].id }
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

    /// `body`'s readout rows (x and y) at a position (px, y up) given the other objects (their
    /// numbers and positions at the same time); nil when there is none, or one without a block.
    func rows(_ body: Body, x: Double, y: Double, others: [(id: Int, x: Double, y: Double)]) -> (x: [Double], y: [Double])? {
        guard !others.isEmpty else { return nil }
        let c = body.columns, h = Self.block
        var rx = [Double](repeating: 0, count: c), ry = rx
        for o in others {
            guard let k = body.senders.firstIndex(of: o.id) else { return nil }
            let dx = x - o.x, dy = y - o.y
            let r = (dx * dx + dy * dy).squareRoot()
            guard r > 0 else { return nil }
            let f = network.features(NeuralDynamics.centralInput(r)) + [1]
            let offset = Self.base + k * h
            for j in 0..<h {
                rx[offset + j] = f[j] * dx / r
                ry[offset + j] = f[j] * dy / r
            }
        }
        if aboutReference {
            let r = (x * x + y * y).squareRoot()
            guard r > 0 else { return nil }
            let f = network.features(NeuralDynamics.centralInput(r)) + [1]
            for j in 0..<h {
                rx[j] = f[j] * x / r
                ry[j] = f[j] * y / r
            }
        }
        rx[h] = 1
        ry[h + 1] = 1
        return (rx, ry)
    }

    /// Add a measured acceleration (px/frame², y up) at a position to `body`'s equations.
    func add(_ body: inout Body, x: Double, y: Double, others: [(id: Int, x: Double, y: Double)], ax: Double, ay: Double) {
        guard Set(others.map(\.id)).count == others.count else { return }
        let blocks = others.map { body.block(for: $0.id) }
        guard let (rx, ry) = rows(body, x: x, y: y, others: others) else { return }
        let tx = ax * NeuralDynamics.outputScale, ty = ay * NeuralDynamics.outputScale
        guard (rx + ry).allSatisfy(\.isFinite), tx.isFinite, ty.isFinite else { return }
        let c = body.columns
        for a in 0..<c where rx[a] != 0 || ry[a] != 0 {
            for b in 0..<c { body.normal[a * c + b] += rx[a] * rx[b] + ry[a] * ry[b] }
            body.rhs[a] += rx[a] * tx + ry[a] * ty
        }
        body.samples += 1
        body.targetSquares += tx * tx + ty * ty
        for (o, k) in zip(others, blocks) {
            body.senderSamples[k] += 1
            body.distances[k].append(((x - o.x) * (x - o.x) + (y - o.y) * (y - o.y)).squareRoot())
            if body.distances[k].count > PairMessages.capacity { body.distances[k].removeFirst(body.distances[k].count - PairMessages.capacity) }
        }
    }

    /// Solve `body`'s readout once its rows (two a sample) are as many as its columns in use
    /// (the terms about the origin are unused while it is not a reference body; a sender's
    /// block is used from its first sample). (Two rows a column coded three bodies 2,737 bytes
    /// against 2,651 and left the rest within a byte.)
    static func solve(_ body: inout Body) {
        let c = body.columns
        var a = body.normal, trace = 0.0, used = 0
        for k in 0..<c where a[k * c + k] > 0 {
            trace += a[k * c + k]
            used += 1
        }
        guard used > 0, 2 * body.samples >= used else { return }
        let ridge = Self.ridge * trace / Double(used) + 1e-12
        for k in 0..<c { a[k * c + k] += ridge }
        if let w = solveLinear(a, body.rhs, size: c, minimumPivot: 1e-300), w.allSatisfy(\.isFinite) { body.readout = w }
    }
}

/// The pair network as an acceleration field for `StormerStep`: one object's record (its
/// readout and senders), the other objects' numbers and decoded positions by frame, and the
/// clock (the step's t is the frame number).
struct PairModel: AccelerationModel {
    let field: PairField
    let body: PairField.Body
    let readout: [Double]
    /// The other objects' numbers and points by the stream's frame number.
    let others: [(id: Int, points: [Int: (x: Double, y: Double)])]

    var ready: Bool { true }
    mutating func add(t: Double, x: Double, y: Double, vx: Double, vy: Double, ax: Double, ay: Double) {}

    func acceleration(t: Double, x: Double, y: Double, vx: Double, vy: Double) -> (ax: Double, ay: Double)? {
        let frame = Int(t.rounded())
        var positions: [(id: Int, x: Double, y: Double)] = []
        for o in others {
            guard let p = o.points[frame] else { return nil }
            positions.append((o.id, p.x, p.y))
        }
        guard let (rx, ry) = field.rows(body, x: x, y: y, others: positions) else { return nil }
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

/// What the pair network learned, after coding (stream version 7): per receiving object and
/// sender, the message the receiver gets from the sender at distance r — the acceleration along
/// the line from the sender to it, in px/frame² (negative: towards the sender, attraction) —
/// and the distances it learned at. For distilling the pairwise law from the network (Cranmer
/// et al. 2020): with a mutual force, the messages two senders give one receiver at one
/// distance are in the ratio of their masses, and so are the messages two objects give each
/// other, inversely.
public struct PairMessages: Sendable {
    /// Distances kept per pair.
    public static let capacity = 2048

    public struct Body: Sendable {
        /// The object's record number, and where it was in the last frame it was seen (px,
        /// image axes).
        public let id: Int
        public let position: (u: Double, v: Double)
        /// Samples it learned from, and per sender (by number) the samples and the pair
        /// distances (px) of the last `capacity`.
        public let samples: Int
        public let senders: [Int]
        public let senderSamples: [Int]
        public let distances: [[Double]]
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
    /// an object whose track broke for long may appear twice, under two numbers).
    public let bodies: [Body]

    init(_ field: PairField) {
        network = field.network
        bodies = (field.bodies + field.retired).sorted { $0.samples > $1.samples }.compactMap { b in
            guard let w = b.readout else { return nil }
            // residual sum of squares from the normal equations: yᵀy − 2wᵀAᵀy + wᵀAᵀAw
            let c = b.columns
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
            return Body(id: b.id, position: b.last, samples: b.samples, senders: b.senders, senderSamples: b.senderSamples,
                        distances: b.distances, misfit: misfit, weights: used, readout: w, normal: normal, variance: variance)
        }
    }

    /// The message `body` gets from its sender number `k` (an index into `senders`) at
    /// distance `r` (px): px/frame², positive away from the sender.
    public func message(_ body: Body, sender k: Int, at r: Double) -> Double? {
        guard r > 0, k >= 0, k < body.senders.count else { return nil }
        let h = PairField.block, offset = PairField.base + k * h
        let f = network.features(NeuralDynamics.centralInput(r)) + [1]
        var m = 0.0
        for j in 0..<h { m += body.readout[offset + j] * f[j] }
        m /= NeuralDynamics.outputScale
        return m.isFinite ? m : nil
    }

    /// The standard error of that message (px/frame²), from the readout's covariance (residual
    /// variance × the inverse normal matrix). Large where the data cannot tell the pair's term
    /// from another: two bodies whose barycentre sits on the reference body feel forces that
    /// are functions of their distance from it too.
    public func uncertainty(_ body: Body, sender k: Int, at r: Double) -> Double? {
        guard r > 0, k >= 0, k < body.senders.count else { return nil }
        let c = body.senders.count * PairField.block + PairField.base, h = PairField.block, offset = PairField.base + k * h
        let f = network.features(NeuralDynamics.centralInput(r)) + [1]
        var column = [Double](repeating: 0, count: c)
        for j in 0..<h { column[offset + j] = f[j] }
        guard let solved = solveLinear(body.normal, column, size: c, minimumPivot: 1e-300) else { return nil }
        var q = 0.0
        for j in 0..<c { q += column[j] * solved[j] }
        let e = (body.variance * max(0, q)).squareRoot() / NeuralDynamics.outputScale
        return e.isFinite ? e : nil
    }
}
