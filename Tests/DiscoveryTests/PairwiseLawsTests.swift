import Foundation
import Testing
@testable import Discovery
@testable import Physics

/// Pairwise laws from the states of bodies that all move (accelerations with measurement
/// noise, as a tracker gives them): the inverse square along the separation, the bodies' mass
/// ratios, attraction or repulsion.
@Suite struct PairwiseLawsTests {
    /// Snapshots of a simulated system, accelerations perturbed by `noise` × their RMS.
    static func snapshots(_ system: NBodySystem, samples: Int, interval: Double, noise: Double, seed: UInt64) throws -> [PairwiseLaws.Snapshot] {
        let motion = try system.motion(samples: samples, interval: interval)
        let rms = (motion.accelerations.flatMap { $0 }.map(\.squaredLength).reduce(0, +) / Double(samples * system.bodies.count)).squareRoot()
        var state = seed
        func gaussian() -> Double {
            // a fixed stream (SplitMix64 + Box–Muller), so the test is the same on every run
            func next() -> Double {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
            }
            return (-2 * log(max(next(), 1e-300))).squareRoot() * cos(2 * Double.pi * next())
        }
        return (0..<samples).map { k in
            let x = motion.positions[k], v = motion.velocities[k], a = motion.accelerations[k]
            return PairwiseLaws.Snapshot(t: motion.times[k], x: x.map(\.x), y: x.map(\.y), vx: v.map(\.x), vy: v.map(\.y),
                                         ax: a.map { $0.x + noise * rms * gaussian() }, ay: a.map { $0.y + noise * rms * gaussian() })
        }
    }

    /// Three bodies of masses 3 : 1 : 0.5 in a bound, chaotic dance: `sources` with p = −3, the
    /// strengths G·m_j, their ratios within 1 % (clean) / 3 % (noise 1 % of the RMS).
    @Test(arguments: [0.0, 0.01])
    func threeBodiesGiveInverseSquareAndMassRatios(noise: Double) throws {
        let G = 1.0
        let system = NBodySystem(bodies: [
            .init(mass: 3, position: Vector3(0, 0, 0), velocity: Vector3(0, -0.15, 0)),
            .init(mass: 1, position: Vector3(1.2, 0, 0), velocity: Vector3(0, 1.4, 0)),
            .init(mass: 0.5, position: Vector3(-2.5, 0.3, 0), velocity: Vector3(0.1, -0.9, 0)),
        ], G: G)
        let data = try Self.snapshots(system, samples: 300, interval: 0.05, noise: noise, seed: 11)
        let laws = PairwiseLaws.search(data, alphabet: 20)
        let best = try #require(laws.first)
        #expect(best.coupling == .sources, "\(laws.map { ($0.coupling, $0.exponent, $0.bits) })")
        #expect(best.exponentSnapped && best.exponent == -3, "p = \(best.exponent)")
        let tolerance = noise == 0 ? 0.01 : 0.03
        let ratios = best.massRatios
        for (j, m) in [3.0, 1.0, 0.5].enumerated() {
            #expect(abs(ratios[j].ratio / (m / 3) - 1) < tolerance, "m\(j + 1)/m1 = \(ratios[j].ratio) ± \(ratios[j].sigma)")
            #expect(abs(best.constants[j] / (G * m) - 1) < tolerance)
        }
        #expect(best.attractive == true)
        // the law at configurations no snapshot visited
        var worst = 0.0
        for (x, y) in [([0.3, -1.1, 2.0], [0.2, 0.9, -0.4]), ([-0.7, 1.6, 0.1], [1.0, -0.5, -2.2])] {
            let law = best.accelerations(x: x, y: y)
            let truth = system.accelerations(positions: zip(x, y).map { Vector3($0, $1, 0) }, velocities: [Vector3](repeating: .zero, count: 3))
            for (l, t) in zip(law, truth) { worst = max(worst, hypot(l.0 - t.x, l.1 - t.y) / t.length) }
        }
        #expect(worst < 0.02, "worst relative error off the orbit \(worst)")
    }

    /// Two like charges of masses 1 : 3 scattering: repulsive inverse square, mass ratio 3.
    @Test func repellingChargesGiveTheirMassRatio() throws {
        let system = NBodySystem(bodies: [
            .init(mass: 1, charge: 1, position: Vector3(-2, 0.3, 0), velocity: Vector3(1.5, 0, 0)),
            .init(mass: 3, charge: 1, position: Vector3(0.7, -0.1, 0), velocity: Vector3(-0.5, 0, 0)),
        ], coulomb: 1)
        let data = try Self.snapshots(system, samples: 200, interval: 0.02, noise: 0.01, seed: 5)
        let best = try #require(PairwiseLaws.search(data, alphabet: 20).first)
        #expect(best.coupling == .sources && best.exponent == -3)
        #expect(best.attractive == false)
        #expect(abs(best.massRatios[1].ratio / 3 - 1) < 0.03, "\(best.massRatios)")
    }

    /// Bodies that do not act on each other (straight lines): the law of no interaction wins.
    @Test func freeBodiesHaveNoInteraction() throws {
        let system = NBodySystem(bodies: [
            .init(mass: 1, position: Vector3(-2, 0.3, 0), velocity: Vector3(1.5, 0, 0)),
            .init(mass: 3, position: Vector3(0.7, -0.1, 0), velocity: Vector3(-0.5, 0.2, 0)),
        ])
        var data = try Self.snapshots(system, samples: 100, interval: 0.02, noise: 0, seed: 3)
        var state: UInt64 = 9
        for k in data.indices {
            for i in 0..<2 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                data[k].ax[i] = Double(Int64(bitPattern: state >> 11) % 1000) / 1e4
                state = state &* 6364136223846793005 &+ 1442695040888963407
                data[k].ay[i] = Double(Int64(bitPattern: state >> 11) % 1000) / 1e4
            }
        }
        let best = try #require(PairwiseLaws.search(data, alphabet: 20).first)
        #expect(best.coupling == .none)
    }
}
