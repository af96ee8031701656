import Tracking

/// Stream version 7: the neural level's pair network, graph-style — the force each moving
/// object feels from the other moving objects, for scenes where bodies act on each other (two
/// charges scattering, the stars of a binary, planets about a star). As in a graph network's
/// edge model (Cranmer et al. 2020), every pair (i, j) gives a message along the line between
/// them, a function of their distance alone — the features φ of a small network of r (the
/// central network's inputs r/64 and 64/r, `NeuralDynamics.centralInput`) times the unit vector
/// from j to i — and an object's acceleration is the sum of its messages, read out linearly,
/// plus the same features about the origin (the reference body, else the frame's centre) and a
/// uniform term:
///
///     a_i = Σ_j Σ_k w_ik φ_k(r_ij) (x_i − x_j)/r_ij + Σ_k u_ik φ_k(r_i) x_i/r_i + (c_ix, c_iy).
///
/// Each object has its own readout w_i, u_i, c_i (its coupling — charge over mass, the other
/// body's mass — is its own), solved by ridge least squares over every sample it gave, so
/// momentum conservation need not be assumed and a light and a heavy body are both right. (The
/// origin's terms: the four planets of simulations/planets.yaml 3393 → 3054 bytes, against
/// 3394 without them; two charges 983 → 987, the binary 1723 → 1745, session 29.) With one
/// moving object there are no messages and the network stays out: the same readout about the
/// origin alone coded Kepler 1287 → 1291 bytes and the cyclotron 728 → 740. The
/// hidden layers are the fixed features of a seeded network (the central network from its seed
/// already fits central fields to a few parts in 10⁵ with its own readout; training them online
/// is not done yet). Objects are followed from frame to frame by their position: a body is the
/// record whose last position is within 0.5 px of the track's previous point.
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
        var normal = [Double](repeating: 0, count: PairField.columns * PairField.columns)
        var rhs = [Double](repeating: 0, count: PairField.columns)
        var samples = 0
        var readout: [Double]?
        var errors: [Double?]
    }

    /// Bodies seen last frame, and this frame's (as `nextPosition` visits the objects).
    var bodies: [Body] = []
    var seen: [Body] = []
    /// This frame's moving objects (`MotionPredictor.observe`).
    var objects: [PixelTrack] = []

    /// The record of the object whose previous point is `previous` (nil: a new body).
    func body(previous: (u: Double, v: Double)?) -> Body? {
        guard let previous else { return nil }
        var best: (k: Int, d: Double)?
        for (k, b) in bodies.enumerated() {
            let d = (b.last.u - previous.u) * (b.last.u - previous.u) + (b.last.v - previous.v) * (b.last.v - previous.v)
            if d < 0.25, d < best?.d ?? .infinity { best = (k, d) }
        }
        return best.map { bodies[$0.k] }
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
        let r = (x * x + y * y).squareRoot()
        guard r > 0 else { return nil }
        let f = network.features(NeuralDynamics.centralInput(r)) + [1]
        for k in 0..<h {
            rx[h + k] = f[k] * x / r
            ry[h + k] = f[k] * y / r
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
    }

    /// Solve `body`'s readout once it has as many samples as columns (two rows each).
    static func solve(_ body: inout Body) {
        let c = columns
        guard body.samples >= c else { return }
        var a = body.normal, trace = 0.0
        for k in 0..<c { trace += a[k * c + k] }
        let ridge = Self.ridge * trace / Double(c) + 1e-12
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
