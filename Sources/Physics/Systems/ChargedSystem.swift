import Foundation

/// Charged particles in uniform electric and magnetic fields (not acting on each other),
/// advanced by the Boris pusher: the phase-corrected scheme (exact gyration in uniform fields)
/// or the classic one with steps fine enough for its phase error.
public struct ChargedSystem: Sendable {
    public struct Particle: Sendable {
        public var mass: Double
        public var charge: Double
        public var position: Vector3
        public var velocity: Vector3
        public init(mass: Double, charge: Double, position: Vector3, velocity: Vector3) {
            self.mass = mass
            self.charge = charge
            self.position = position
            self.velocity = velocity
        }
    }
    public var particles: [Particle]
    public var electric: Vector3
    public var magnetic: Vector3
    /// false: the classic Boris scheme.
    public var corrected: Bool
    /// Steps per sample (nil: chosen from the fastest gyration).
    public var substeps: Int?

    public init(particles: [Particle], electric: Vector3, magnetic: Vector3, corrected: Bool = true, substeps: Int? = nil) {
        self.particles = particles
        self.electric = electric
        self.magnetic = magnetic
        self.corrected = corrected
        self.substeps = substeps
    }

    /// `count` samples `interval` apart from t = 0, particles in the given order.
    public func motion(samples count: Int, interval: Double) throws -> Motion {
        // Steps per gyration of the fastest gyrating particle: the corrected scheme is exact for
        // uniform fields, the classic one needs fine steps for its phase error (≈ (Ωh)²/12).
        let perGyration = corrected ? 32.0 : 2000.0
        var fastest = 0.0
        for p in particles { fastest = max(fastest, abs(p.charge / p.mass) * magnetic.length) }
        let auto = max(1, Int((fastest * interval / (2 * Double.pi) * perGyration).rounded(.up)))
        let steps = substeps ?? auto
        let h = interval / Double(steps)
        var pushers = try particles.map {
            try BorisPusher(chargeToMass: $0.charge / $0.mass, electric: electric, magnetic: magnetic,
                            position: $0.position, velocity: $0.velocity, step: h, corrected: corrected)
        }
        var positions: [[Vector3]] = [], velocities: [[Vector3]] = [], accelerations: [[Vector3]] = []
        for k in 0..<count {
            if k > 0 {
                for i in pushers.indices { for _ in 0..<steps { pushers[i].advance() } }
            }
            positions.append(pushers.map(\.position))
            velocities.append(pushers.map(\.velocity))
            accelerations.append(pushers.map(\.acceleration))
        }
        return try Motion(times: (0..<count).map { Double($0) * interval }, positions: positions, velocities: velocities,
                          accelerations: accelerations, integrator: corrected ? "boris" : "boris-classic", substeps: steps).checkedFinite()
    }
}
