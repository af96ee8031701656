import Foundation

/// Wisdom–Holman symplectic map for a star and planets, in Jacobi coordinates.
///
/// The Hamiltonian is split into Keplerian motion of each Jacobi coordinate about the interior
/// mass (drifted exactly by `KeplerDrift`) and the planet–planet interaction (a kick). The
/// second-order kick–drift–kick map is composed with Yoshida's coefficients to order 4 or 6.
/// Symplectic and time-reversible; with a single planet the interaction vanishes and the map is
/// exact. The integrator never computes forces itself: it asks `Gravity` for accelerations.
/// References: Wisdom & Holman, AJ 102, 1528 (1991); Rein & Tamayo, MNRAS 452, 376 (2015)
/// (WHFast); Yoshida, Phys. Lett. A 150, 262 (1990).
public struct WisdomHolman: Sendable {
    public let masses: [Double]
    /// G in length³/(mass·time²).
    public let G: Double
    /// Composition order: 2, 4 or 6.
    public let order: Int
    public private(set) var time: Double = 0

    private var jacobiPositions: [Vector3]
    private var jacobiVelocities: [Vector3]
    private let eta: [Double]      // cumulative masses m0 + … + m_i
    private let keplerMu: [Double] // G·m0·η_i/η_{i−1}

    /// - Parameters: positions and velocities are inertial (any origin); index 0 is the star.
    public init(masses: [Double], positions: [Vector3], velocities: [Vector3], G: Double, order: Int = 6) throws {
        guard masses.count >= 2, positions.count == masses.count, velocities.count == masses.count else {
            throw PhysicsError.invalidParameter("Wisdom–Holman needs a star and at least one planet")
        }
        guard masses[0] > 0, masses.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw PhysicsError.invalidParameter("masses must be finite, the star's positive and the planets' non-negative")
        }
        guard [2, 4, 6].contains(order) else {
            throw PhysicsError.invalidParameter("Wisdom–Holman order must be 2, 4 or 6 (got \(order))")
        }
        self.masses = masses
        self.G = G
        self.order = order
        var eta = [Double](repeating: 0, count: masses.count)
        eta[0] = masses[0]
        for i in 1..<masses.count { eta[i] = eta[i - 1] + masses[i] }
        self.eta = eta
        var mu = [Double](repeating: 0, count: masses.count)
        for i in 1..<masses.count { mu[i] = G * masses[0] * eta[i] / eta[i - 1] }
        self.keplerMu = mu
        self.jacobiPositions = Self.toJacobi(positions, masses: masses, eta: eta)
        self.jacobiVelocities = Self.toJacobi(velocities, masses: masses, eta: eta)
    }

    /// Inertial positions (length unit).
    public var positions: [Vector3] { Self.fromJacobi(jacobiPositions, masses: masses, eta: eta) }
    /// Inertial velocities (length/time).
    public var velocities: [Vector3] { Self.fromJacobi(jacobiVelocities, masses: masses, eta: eta) }
    /// Total energy (mass·length²/time²).
    public var totalEnergy: Double {
        Gravity.energy(positions: positions, velocities: velocities, masses: masses, G: G)
    }

    /// Advance by `dt` in `substeps` equal steps of the composed map.
    public mutating func advance(by dt: Double, substeps: Int = 1) {
        let h = dt / Double(max(1, substeps))
        for _ in 0..<max(1, substeps) {
            for w in Self.compositionWeights(order: order) { step(w * h) }
        }
        time += dt
    }

    static func compositionWeights(order: Int) -> [Double] {
        switch order {
        case 4:
            let w1 = 1 / (2 - pow(2, 1.0 / 3)), w0 = 1 - 2 * w1
            return [w1, w0, w1]
        case 6:  // Yoshida (1990), solution A
            let w1 = -1.17767998417887, w2 = 0.235573213359357, w3 = 0.784513610477560
            let w0 = 1 - 2 * (w1 + w2 + w3)
            return [w3, w2, w1, w0, w1, w2, w3]
        default:
            return [1]
        }
    }

    /// One second-order kick–drift–kick step of length h (h may be negative).
    private mutating func step(_ h: Double) {
        kick(0.5 * h)
        jacobiPositions[0] += h * jacobiVelocities[0]
        for i in 1..<masses.count {
            let s = KeplerDrift.advance(position: jacobiPositions[i], velocity: jacobiVelocities[i],
                                        mu: keplerMu[i], dt: h)
            jacobiPositions[i] = s.position
            jacobiVelocities[i] = s.velocity
        }
        kick(0.5 * h)
    }

    /// Interaction kick: Jacobi transform of the full inertial accelerations, minus the
    /// Keplerian part already handled by the drift.
    private mutating func kick(_ h: Double) {
        let inertial = Gravity.accelerations(positions: positions, masses: masses, G: G)
        let jacobiAcc = Self.toJacobi(inertial, masses: masses, eta: eta)
        for i in 1..<masses.count {
            let r = jacobiPositions[i]
            let r2 = r.squaredLength
            let kepler = (keplerMu[i] / (r2 * r2.squareRoot())) * r
            jacobiVelocities[i] += h * (jacobiAcc[i] + kepler)
        }
    }

    static func toJacobi(_ v: [Vector3], masses: [Double], eta: [Double]) -> [Vector3] {
        var out = v
        var weighted = masses[0] * v[0]
        for i in 1..<v.count {
            out[i] = v[i] - weighted / eta[i - 1]
            weighted += masses[i] * v[i]
        }
        out[0] = weighted / eta[v.count - 1]
        return out
    }

    static func fromJacobi(_ j: [Vector3], masses: [Double], eta: [Double]) -> [Vector3] {
        var out = j
        var centre = j[0]
        for i in stride(from: j.count - 1, through: 1, by: -1) {
            centre = centre - (masses[i] / eta[i]) * j[i]
            out[i] = centre + j[i]
        }
        out[0] = centre
        return out
    }
}
