import Foundation
import Testing
@testable import Physics

/// The systems a scenario describes, simulated without Lab: their motion obeys the physics the
/// scenario promises.
@Suite struct SystemTests {
    /// One planet: Kepler's equation (exact) and the Wisdom–Holman map agree, the barycentre
    /// stays at rest at the origin, and the stored accelerations are Newton's.
    @Test func onePlanetKeplerAndWisdomHolmanAgree() throws {
        let planet = PlanetarySystem.Planet(mass: 1e-3, semiMajorAxis: 1.2, eccentricity: 0.5, argumentOfPeriapsis: 0.3,
                                            meanAnomalyAtEpoch: 2)
        let G = 4 * Double.pi * Double.pi
        let exact = try PlanetarySystem(starMass: 1, planets: [planet], G: G).motion(samples: 200, interval: 0.01)
        let mapped = try PlanetarySystem(starMass: 1, planets: [planet], G: G, integrator: .wisdomHolman).motion(samples: 200, interval: 0.01)
        #expect(exact.integrator == "kepler" && mapped.integrator == "wisdom-holman" && mapped.substeps > 1)
        for k in [0, 57, 199] {
            #expect((exact.positions[k][1] - mapped.positions[k][1]).length < 1e-8, "sample \(k)")
            let barycentre = (1 * exact.positions[k][0] + 1e-3 * exact.positions[k][1]) / 1.001
            #expect(barycentre.length < 1e-12)
            let d = exact.positions[k][1] - exact.positions[k][0]
            let newton = -(G * 1 / pow(d.length, 3)) * d
            #expect((exact.accelerations[k][1] - newton).length < 1e-9 * newton.length)
        }
    }

    @Test func badElementsNameThePlanet() {
        let good = PlanetarySystem.Planet(mass: 0, semiMajorAxis: 1, eccentricity: 0.1, argumentOfPeriapsis: 0, meanAnomalyAtEpoch: 0)
        var bad = good
        bad.eccentricity = 1.2
        #expect { _ = try PlanetarySystem(starMass: 1, planets: [good, bad], G: 1).motion(samples: 3, interval: 0.1) } throws: { e in
            (e as? PlanetarySystem.PlanetError)?.index == 1 && "\(e)".contains("eccentricity")
        }
    }

    /// A charged particle in a magnetic field gyrates at ω = qB/m on a circle of radius v/ω.
    @Test func chargedParticleGyrates() throws {
        let p = ChargedSystem.Particle(mass: 2, charge: 3, position: Vector3(1, 0, 0), velocity: Vector3(0, 1.5, 0))
        let system = ChargedSystem(particles: [p], electric: .zero, magnetic: Vector3(0, 0, 0.5))
        let omega = 3 * 0.5 / 2, radius = 1.5 / omega
        let motion = try system.motion(samples: 100, interval: 0.1)
        // centre of gyration: x + v × B̂ / ω for a positive charge in +z field
        let centre = Vector3(1, 0, 0) + (1 / omega) * Vector3(1.5, 0, 0)
        for k in [10, 55, 99] {
            #expect(abs((motion.positions[k][0] - centre).length - radius) < 1e-9, "sample \(k)")
        }
        #expect(motion.integrator == "boris")
    }

    @Test func runawayMotionIsAnError() {
        let p = ChargedSystem.Particle(mass: 1, charge: 1, position: .zero, velocity: .zero)
        let system = ChargedSystem(particles: [p], electric: Vector3(1e300, 0, 0), magnetic: .zero, substeps: 1)
        #expect { _ = try system.motion(samples: 50, interval: 1e10) } throws: { "\($0)".contains("non-finite at frame") }
    }
}
