import Foundation
import Physics

/// The true motion of every body, sampled at the frame times.
public struct Trajectory: Sendable {
    public struct Body: Sendable {
        public var name: String
        /// "star", "planet" or "particle".
        public var role: String
        public var mass: Double
        public var charge: Double?
        public var appearance: Appearance
    }
    public var bodies: [Body]
    /// Frame times (time unit), frame k at k·frameInterval.
    public var times: [Double]
    /// [frame][body], in the scenario's units; gravity scenes are barycentric.
    public var positions: [[Vector3]]
    public var velocities: [[Vector3]]
    public var accelerations: [[Vector3]]
    /// The integrator actually used and its steps per frame.
    public var integrator: String
    public var substeps: Int
}

/// Integrates a scenario's system and samples it at each frame.
public enum Simulator {
    public static func run(_ s: Scenario) throws -> Trajectory {
        switch s.system {
        case let .gravity(star, planets, G):
            return try gravity(s, star: star, planets: planets, G: G)
        case let .charged(particles, E, B):
            return try charged(s, particles: particles, E: E, B: B)
        }
    }

    static func gravity(_ s: Scenario, star: StarSpec, planets: [PlanetSpec], G: Double) throws -> Trajectory {
        let degrees = Double.pi / 180
        var orbits: [KeplerOrbit] = []
        for p in planets {
            do {
                orbits.append(try KeplerOrbit(semiMajorAxis: p.orbit.semiMajorAxis, eccentricity: p.orbit.eccentricity,
                                              argumentOfPeriapsis: p.orbit.periapsisDegrees * degrees,
                                              meanAnomalyAtEpoch: p.orbit.meanAnomalyDegrees * degrees,
                                              mu: G * (star.mass + p.mass)))
            } catch {
                throw LabError("\(s.name): planet \(p.name): \(error)")
            }
        }
        let masses = [star.mass] + planets.map(\.mass)
        let totalMass = masses.reduce(0, +)
        let allMassless = planets.allSatisfy { $0.mass == 0 }
        let useKepler = s.integrator == "kepler" || (s.integrator == "auto" && (planets.count == 1 || allMassless))
        let n = s.frameCount
        var positions: [[Vector3]] = [], velocities: [[Vector3]] = [], accelerations: [[Vector3]] = []
        positions.reserveCapacity(n)
        let times = (0..<n).map { Double($0) * s.frameInterval }

        /// Barycentric star + planets from heliocentric planet states.
        func barycentric(_ rel: [(position: Vector3, velocity: Vector3)]) -> ([Vector3], [Vector3]) {
            var sx = Vector3.zero, sv = Vector3.zero
            for (p, r) in zip(planets, rel) {
                sx += p.mass * r.position
                sv += p.mass * r.velocity
            }
            let starX = -(sx / totalMass), starV = -(sv / totalMass)
            return ([starX] + rel.map { starX + $0.position }, [starV] + rel.map { starV + $0.velocity })
        }

        var substeps = 1
        if useKepler {
            for t in times {
                let (x, v) = barycentric(orbits.map { $0.state(at: t) })
                positions.append(x)
                velocities.append(v)
            }
        } else {
            // Resolve each orbit's fastest phase (periapsis) with ≥ 30 steps and every orbit with ≥ 200.
            var stepLimit = Double.infinity
            for o in orbits {
                stepLimit = min(stepLimit, o.period / 200, o.period * pow(1 - o.eccentricity, 1.5) / 30)
            }
            substeps = s.substeps ?? max(1, Int((s.frameInterval / stepLimit).rounded(.up)))
            let (x0, v0) = barycentric(orbits.map { $0.state(at: 0) })
            var wh = try WisdomHolman(masses: masses, positions: x0, velocities: v0, G: G, order: 6)
            for k in 0..<n {
                if k > 0 { wh.advance(by: s.frameInterval, substeps: substeps) }
                positions.append(wh.positions)
                velocities.append(wh.velocities)
            }
        }
        for x in positions {
            accelerations.append(Gravity.accelerations(positions: x, masses: masses, G: G))
        }
        try checkFinite(positions, s)
        let look = [Trajectory.Body(name: star.name, role: "star", mass: star.mass, charge: nil, appearance: star.appearance)]
            + planets.map { Trajectory.Body(name: $0.name, role: "planet", mass: $0.mass, charge: nil, appearance: $0.appearance) }
        return Trajectory(bodies: look, times: times, positions: positions, velocities: velocities,
                          accelerations: accelerations, integrator: useKepler ? "kepler" : "wisdom-holman",
                          substeps: useKepler ? 1 : substeps)
    }

    static func charged(_ s: Scenario, particles: [ParticleSpec], E: Vector3, B: Vector3) throws -> Trajectory {
        let corrected = s.integrator != "boris-classic"
        // Steps per gyration of the fastest gyrating particle: the corrected scheme is exact for
        // uniform fields, the classic one needs fine steps for its phase error (≈ (Ωh)²/12).
        let perGyration = corrected ? 32.0 : 2000.0
        var fastest = 0.0
        for p in particles { fastest = max(fastest, abs(p.charge / p.mass) * B.length) }
        let auto = max(1, Int((fastest * s.frameInterval / (2 * Double.pi) * perGyration).rounded(.up)))
        let substeps = s.substeps ?? auto
        let h = s.frameInterval / Double(substeps)
        var pushers: [BorisPusher] = []
        for p in particles {
            pushers.append(try BorisPusher(chargeToMass: p.charge / p.mass, electric: E, magnetic: B,
                                           position: p.position, velocity: p.velocity, step: h, corrected: corrected))
        }
        let n = s.frameCount
        var positions: [[Vector3]] = [], velocities: [[Vector3]] = [], accelerations: [[Vector3]] = []
        for k in 0..<n {
            if k > 0 {
                for i in pushers.indices { for _ in 0..<substeps { pushers[i].advance() } }
            }
            positions.append(pushers.map(\.position))
            velocities.append(pushers.map(\.velocity))
            accelerations.append(pushers.map(\.acceleration))
        }
        try checkFinite(positions, s)
        let bodies = particles.map {
            Trajectory.Body(name: $0.name, role: "particle", mass: $0.mass, charge: $0.charge, appearance: $0.appearance)
        }
        return Trajectory(bodies: bodies, times: (0..<n).map { Double($0) * s.frameInterval }, positions: positions,
                          velocities: velocities, accelerations: accelerations,
                          integrator: corrected ? "boris" : "boris-classic", substeps: substeps)
    }

    static func checkFinite(_ positions: [[Vector3]], _ s: Scenario) throws {
        for (k, frame) in positions.enumerated() where !frame.allSatisfy(\.isFinite) {
            throw LabError("\(s.name): the motion became non-finite at frame \(k); check masses, fields and frame_interval")
        }
    }
}
