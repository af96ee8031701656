import Foundation
import Testing
@testable import Lab
@testable import Physics

let minimalBinary = """
    name: pair
    kind: gravity
    units: {length: AU, time: yr, mass: Msun}
    frames: 50
    frame_interval: 0.02
    camera: {width: 64, height: 64, px_per_unit: 16}
    bodies:
      - {name: A, mass: 2.0, position: [0, 0], velocity: [0, 0]}
      - {name: B, mass: 1.0, orbit: {about: A, a: 1.0, e: 0.5, periapsis_deg: 30, mean_anomaly_deg: 180}}
    """

let minimalCharges = """
    name: scatter
    kind: charged
    units: {length: m, time: s, mass: kg, charge: C}
    frames: 30
    frame_interval: 0.05
    coulomb: 1.5
    camera: {width: 64, height: 64, px_per_unit: 10}
    fields: {B: [0, 0, 0]}
    particles:
      - {name: p, mass: 1.0, charge: 1.0, position: [-1, 0.2, 0], velocity: [1, 0, 0]}
      - {name: q, mass: 3.0, charge: 1.0, position: [1, 0, 0], velocity: [0, 0, 0]}
    """

/// Scenarios in which every body moves: binaries given by orbital elements, interacting charges.
@Suite struct InteractingScenarioTests {
    /// `orbit: {about: A}` places B on the two-body orbit about A; the file's system is moved to
    /// its barycentre; the simulated separation then follows Kepler's equation for G(m_A + m_B).
    @Test func binaryFromElementsFollowsKepler() throws {
        let file = try ScenarioFile(text: minimalBinary, path: "pair.yaml")
        let run = try #require(file.runs.first)
        #expect(run.kind == "gravity" && run.integrator == "auto")
        let trajectory = try Simulator.run(run)
        #expect(trajectory.integrator == "bulirsch-stoer")
        #expect(trajectory.bodies.map(\.role) == ["body", "body"])
        let G = 4 * Double.pi * Double.pi
        let orbit = try KeplerOrbit(semiMajorAxis: 1, eccentricity: 0.5, argumentOfPeriapsis: 30 * Double.pi / 180,
                                    meanAnomalyAtEpoch: Double.pi, mu: G * 3)
        for k in [0, 20, 49] {
            let x = trajectory.positions[k], v = trajectory.velocities[k]
            #expect((x[1] - x[0] - orbit.state(at: trajectory.times[k]).position).length < 1e-9, "frame \(k)")
            #expect((2 * x[0] + 1 * x[1]).length < 1e-12, "barycentre at rest at the origin, frame \(k)")
            #expect((2 * v[0] + 1 * v[1]).length < 1e-11)
        }
    }

    /// `coulomb: k` makes the charges push each other: equal and opposite forces, so the
    /// accelerations stand in the inverse ratio of the masses and point along the separation.
    @Test func chargesActOnEachOther() throws {
        let file = try ScenarioFile(text: minimalCharges, path: "scatter.yaml")
        let run = try #require(file.runs.first)
        #expect(run.integrator == "bulirsch-stoer")
        let t = try Simulator.run(run)
        for k in [0, 29] {
            let a = t.accelerations[k], d = t.positions[k][0] - t.positions[k][1]
            let expected = (1.5 / pow(d.length, 3)) * d
            #expect((a[0] - expected).length < 1e-12 * expected.length, "frame \(k)")
            #expect((1 * a[0] + 3 * a[1]).length < 1e-12 * a[0].length)
        }
        // Without `coulomb` the same particles fly straight.
        let free = try ScenarioFile(text: minimalCharges.replacingOccurrences(of: "coulomb: 1.5\n", with: ""), path: "free.yaml")
        #expect(free.runs[0].integrator == "boris")
        #expect(try Simulator.run(free.runs[0]).accelerations[5][0].length == 0)
    }

    @Test func coulombTrueUsesTheConstantOfTheUnits() throws {
        let text = minimalCharges.replacingOccurrences(of: "coulomb: 1.5", with: "coulomb: true")
        let run = try ScenarioFile(text: text, path: "x.yaml").runs[0]
        guard case let .interacting(_, _, _, k, _, _) = run.system else { Issue.record("not interacting"); return }
        #expect(abs(k / 8.9875517923e9 - 1) < 1e-12)
        let units = try UnitSystem(length: "um", time: "us", mass: "u", charge: "e")
        // k·e²/(u·µm³/µs²): the constant in atomic-ish units, checked against SI by hand.
        let si = 8.9875517923e9 * pow(1.602176634e-19, 2) * 1e-12 / (1.66053906660e-27 * 1e-18)
        #expect(abs(units.coulombConstant / si - 1) < 1e-12)
    }

    static let badInputs: [(String, String)] = [
        (minimalBinary.replacingOccurrences(of: "about: A", with: "about: C"), "bodies[1].orbit.about: no body named 'C' is listed before this one"),
        (minimalBinary.replacingOccurrences(of: "e: 0.5", with: "e: 1.5"), "bodies[1].orbit.e: must be < 1"),
        (minimalBinary.replacingOccurrences(of: "position: [0, 0], velocity: [0, 0]", with: "position: [0], velocity: [0, 0]"), "bodies[0].position: expected 2 or 3 numbers"),
        (minimalBinary.replacingOccurrences(of: "mass: 2.0", with: "mass: -1"), "bodies[0].mass: must be ≥ 0"),
        (minimalBinary + "\nstar: {name: S, mass: 1}", "star: give either bodies"),
        (minimalBinary.replacingOccurrences(of: "  - {name: B, mass: 1.0, orbit: {about: A, a: 1.0, e: 0.5, periapsis_deg: 30, mean_anomaly_deg: 180}}", with: ""), "bodies: give at least two bodies"),
        (minimalBinary.replacingOccurrences(of: "orbit: {about: A,", with: "position: [1, 0], orbit: {about: A,"), "bodies[1].position: give either orbit"),
        (minimalCharges.replacingOccurrences(of: "coulomb: 1.5", with: "coulomb: -2"), "coulomb: must be true, false or a positive number"),
        (minimalCharges.replacingOccurrences(of: "coulomb: 1.5", with: "coulomb: 1.5\nintegrator: boris"), "integrator: 'boris' moves non-interacting particles"),
    ]

    @Test(arguments: badInputs)
    func badInputGivesOneClearLine(text: String, expected: String) {
        expectOneClearLine(scenario: text, expected: expected)
        // and a line number after the file name
        do { _ = try ScenarioFile(text: text, path: "bad.yaml") } catch { #expect("\(error)".hasPrefix("bad.yaml:"), "\(error)") }
    }
}
