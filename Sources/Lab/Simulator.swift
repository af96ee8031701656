import Foundation
import Physics

/// The true motion of every body, sampled at the frame times.
public struct Trajectory: Sendable {
    public struct Body: Sendable {
        public var name: String
        /// "star", "planet", "body" (every body moving under gravity) or "particle".
        public var role: String
        public var mass: Double
        public var charge: Double?
        public var appearance: Appearance
    }
    public var bodies: [Body]
    /// The bodies' motion at the frame times (frame k at k·frameInterval), [frame][body] in the
    /// scenario's units; gravity scenes are barycentric.
    public var motion: Motion
    public var times: [Double] { motion.times }
    public var positions: [[Vector3]] { motion.positions }
    public var velocities: [[Vector3]] { motion.velocities }
    public var accelerations: [[Vector3]] { motion.accelerations }
    /// The integrator actually used and its steps per frame.
    public var integrator: String { motion.integrator }
    public var substeps: Int { motion.substeps }
}

/// A scenario's system handed to Physics (`PlanetarySystem`, `ChargedSystem`) and sampled at
/// each frame; the bodies keep their names and looks for the renderer.
public enum Simulator {
    public static func run(_ s: Scenario) throws -> Trajectory {
        let motion: Motion
        let bodies: [Trajectory.Body]
        do {
            switch s.system {
            case let .gravity(star, planets, G):
                let degrees = Double.pi / 180
                let system = PlanetarySystem(
                    starMass: star.mass,
                    planets: planets.map {
                        .init(mass: $0.mass, semiMajorAxis: $0.orbit.semiMajorAxis, eccentricity: $0.orbit.eccentricity,
                              argumentOfPeriapsis: $0.orbit.periapsisDegrees * degrees,
                              meanAnomalyAtEpoch: $0.orbit.meanAnomalyDegrees * degrees)
                    },
                    G: G, integrator: PlanetarySystem.Integrator(rawValue: s.integrator) ?? .auto, substeps: s.substeps)
                do {
                    motion = try system.motion(samples: s.frameCount, interval: s.frameInterval)
                } catch let e as PlanetarySystem.PlanetError {
                    throw LabError("\(s.name): planet \(planets[e.index].name): \(e)")
                }
                bodies = [Trajectory.Body(name: star.name, role: "star", mass: star.mass, charge: nil, appearance: star.appearance)]
                    + planets.map { Trajectory.Body(name: $0.name, role: "planet", mass: $0.mass, charge: nil, appearance: $0.appearance) }
            case let .interacting(_, specs, G, coulomb, E, B):
                let system = NBodySystem(bodies: specs.map { .init(mass: $0.mass, charge: $0.charge ?? 0, position: $0.position, velocity: $0.velocity) },
                                         G: G, coulomb: coulomb, electric: E, magnetic: B)
                motion = try system.motion(samples: s.frameCount, interval: s.frameInterval)
                bodies = specs.map {
                    Trajectory.Body(name: $0.name, role: $0.charge == nil ? "body" : "particle", mass: $0.mass, charge: $0.charge,
                                    appearance: $0.appearance)
                }
            case let .charged(particles, E, B):
                let system = ChargedSystem(particles: particles.map { .init(mass: $0.mass, charge: $0.charge, position: $0.position, velocity: $0.velocity) },
                                           electric: E, magnetic: B, corrected: s.integrator != "boris-classic", substeps: s.substeps)
                motion = try system.motion(samples: s.frameCount, interval: s.frameInterval)
                bodies = particles.map {
                    Trajectory.Body(name: $0.name, role: "particle", mass: $0.mass, charge: $0.charge, appearance: $0.appearance)
                }
            }
        } catch let e as PhysicsError {
            throw LabError("\(s.name): \(e)")
        }
        return Trajectory(bodies: bodies, motion: motion)
    }
}
