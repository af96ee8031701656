import Foundation
import Testing
@testable import Physics

/// Bodies that all move: the N-body system conserves what physics says it conserves and
/// reproduces the two-body problems that have closed forms.
@Suite struct NBodyTests {
    /// A 2:1 binary of eccentricity 0.5 over 100 orbits: energy to 1e-9 (the bar),
    /// momentum to rounding, and the separation follows Kepler's equation for μ = G(m₁ + m₂).
    @Test func eccentricBinaryKeepsEnergyOverAHundredOrbits() throws {
        let G = 4 * Double.pi * Double.pi, m1 = 2.0, m2 = 1.0
        let relative = try KeplerOrbit(semiMajorAxis: 1, eccentricity: 0.5, argumentOfPeriapsis: 0.4,
                                       meanAnomalyAtEpoch: 1.0, mu: G * (m1 + m2))
        let (r, v) = relative.state(at: 0)
        let system = NBodySystem(bodies: [
            .init(mass: m1, position: -(m2 / (m1 + m2)) * r, velocity: -(m2 / (m1 + m2)) * v),
            .init(mass: m2, position: (m1 / (m1 + m2)) * r, velocity: (m1 / (m1 + m2)) * v),
        ], G: G)
        let period = relative.period
        let samples = 401
        let motion = try system.motion(samples: samples, interval: 100 * period / Double(samples - 1))
        #expect(motion.integrator == "bulirsch-stoer")
        let e0 = system.energy(positions: motion.positions[0], velocities: motion.velocities[0])
        var worst = 0.0
        for k in 0..<samples {
            let e = system.energy(positions: motion.positions[k], velocities: motion.velocities[k])
            worst = max(worst, abs(e / e0 - 1))
        }
        #expect(worst < 1e-9, "relative energy error \(worst)")
        let p = system.momentum(velocities: motion.velocities[samples - 1])
        #expect(p.length < 1e-12 * m1 * v.length)
        for k in [0, 137, samples - 1] {
            let separation = motion.positions[k][1] - motion.positions[k][0]
            let expected = relative.state(at: motion.times[k]).position
            #expect((separation - expected).length < 1e-7, "sample \(k): \(separation) vs \(expected)")
        }
        // The stored accelerations are Newton's, and opposite in the ratio of the masses.
        let a = motion.accelerations[200]
        #expect((m1 * a[0] + m2 * a[1]).length < 1e-12 * m1 * a[0].length)
    }

    /// Two like charges thrown past each other: the deflection of their relative velocity is
    /// Rutherford's, tan(θ/2) = k·q₁q₂ / (μ·v∞²·b), and their total momentum is conserved.
    @Test func coulombScatteringFollowsRutherford() throws {
        let k = 1.7, q1 = 1.0, q2 = 2.0, m1 = 1.0, m2 = 3.0
        let mu = m1 * m2 / (m1 + m2)
        let b = 0.8, distance = 2e4, speed = 1.3
        // Relative coordinate r = x2 − x1 starts far to the left, moving right, offset b in y.
        let r0 = Vector3(-distance, b, 0), v0 = Vector3(speed, 0, 0)
        let system = NBodySystem(bodies: [
            .init(mass: m1, charge: q1, position: -(m2 / (m1 + m2)) * r0, velocity: -(m2 / (m1 + m2)) * v0),
            .init(mass: m2, charge: q2, position: (m1 / (m1 + m2)) * r0, velocity: (m1 / (m1 + m2)) * v0),
        ], coulomb: k)
        let motion = try system.motion(samples: 3, interval: distance / speed)
        let last = motion.samples - 1
        let vRel = motion.velocities[last][1] - motion.velocities[last][0]
        let rRel = motion.positions[last][1] - motion.positions[last][0]
        #expect(rRel.length > 0.9 * distance, "the pair has separated again")
        // Asymptotic speed and impact parameter from the conserved energy and angular momentum.
        let energy = 0.5 * mu * v0.squaredLength + k * q1 * q2 / r0.length
        let vInf = (2 * energy / mu).squareRoot()
        let impact = abs(r0.cross(v0).z) / vInf
        let expected = 2 * atan(k * q1 * q2 / (mu * vInf * vInf * impact))
        let measured = acos(max(-1, min(1, vRel.dot(v0) / (vRel.length * v0.length))))
        #expect(abs(measured - expected) < 1e-6 * expected, "deflection \(measured) vs Rutherford \(expected)")
        let p0 = system.momentum(velocities: motion.velocities[0]), p1 = system.momentum(velocities: motion.velocities[last])
        #expect((p1 - p0).length < 1e-12 * m1 * speed)
        #expect(abs(system.energy(positions: motion.positions[last], velocities: motion.velocities[last]) / energy - 1) < 1e-10)
    }

    /// A lone charge in uniform B under the N-body integrator gyrates like the exact Boris map.
    @Test func fieldsActOnCharges() throws {
        let system = NBodySystem(bodies: [.init(mass: 2, charge: 3, position: Vector3(1, 0, 0), velocity: Vector3(0, 1.5, 0))],
                                 electric: .zero, magnetic: Vector3(0, 0, 0.5))
        let omega = 3 * 0.5 / 2, radius = 1.5 / omega
        let centre = Vector3(1 + 1.5 / omega, 0, 0)
        let motion = try system.motion(samples: 60, interval: 0.3)
        for k in [7, 59] {
            #expect(abs((motion.positions[k][0] - centre).length - radius) < 1e-10, "sample \(k)")
        }
    }

    @Test func bodiesAtOnePointAreAnError() {
        let system = NBodySystem(bodies: [.init(mass: 1, position: .zero, velocity: .zero),
                                          .init(mass: 1, position: .zero, velocity: Vector3(1, 0, 0))], G: 1)
        #expect { _ = try system.motion(samples: 3, interval: 0.1) } throws: { "\($0)".contains("same position") }
    }
}

extension Motion {
    var samples: Int { times.count }
}
