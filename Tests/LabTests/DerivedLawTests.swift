import Discovery
import Formulas
import Foundation
import Testing
@testable import Lab

/// Laws across runs: how a law's constant depends on the quantities a sweep varied (ω = q·B/m),
/// on runs simulated from a scenario (each run's scene.json names the swept quantities). Kepler's
/// third law across planets is in FrameDiscoveryTests. Small sizes; bench/discover runs the
/// shipped scenarios at full size.
@Suite(.serialized) struct DerivedLawTests {
    /// The reduced search the frame tests use (debug builds are slow).
    func quick(_ o: inout FrameDiscoverJob.Options) {
        o.maxRows = 100
        o.candidates = 5
        o.fullLadder = false
        o.showProgress = false
        o.search.populations = 4
        o.search.populationSize = 32
        o.search.cyclesPerEpoch = 60
        o.search.epochs = 12
        o.search.maxSize = 12
    }

    func simulate(_ text: String, into dir: String) throws {
        var options = SimulateJob.Options(output: dir)
        options.showProgress = false
        _ = try SimulateJob.run(try ScenarioFile(text: text, path: "test.yaml"), options: options)
    }

    static let sweep = """
        name: sweep
        kind: charged
        units: {length: m, time: s, mass: kg, charge: C}
        frames: 60
        frame_interval: 0.05
        camera: {width: 96, height: 96, px_per_unit: 20, centre: [0, -1]}
        fields: {E: [0, 0, 0], B: [0, 0, 1.0]}
        particles:
          - {name: ion, mass: 1.0, charge: 2.0, position: [0, 0, 0], velocity: [2.0, 0, 0], radius_px: 2.5, brightness: 220}
        sweep:
          mode: grid
          vary:
            fields.B: [[0, 0, 0.8], [0, 0, 1.6]]
            particles[0].charge: [1.5, 2.5]
        """

    @Test(arguments: [0.0, 2.0]) func sweepGivesTheConstantAsAFunctionOfTheSweptQuantities(noise: Double) throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try simulate(Self.sweep + "\nrender: {noise_sigma: \(noise), seed: 7}\n", into: "\(dir)/frames")
        let runs = (0..<4).map { String(format: "\(dir)/frames/run-%03d", $0) }
        // truth.csv is never read: the job runs without it
        for run in runs { try FileManager.default.removeItem(atPath: "\(run)/truth.csv") }
        var o = SweepDiscoverJob.Options(frames: runs, output: "\(dir)/out")
        quick(&o.perRun)
        o.showProgress = false
        let out = try SweepDiscoverJob.run(o)
        #expect(Set(out.quantityNames) == ["Bz", "q"])
        // every run's fitted ω (the constant that multiplies v) within 1 % of q·B/m
        let derived = try #require(out.derived.first, "\(out.notes)")
        for run in out.runs {
            let omega = run.quantities["q"]! * run.quantities["Bz"]!
            let k = try #require(run.constants[derived.constant])
            #expect(abs(abs(k) / omega - 1) < 0.01, "\(run.name): \(k) vs \(omega)")
        }
        // the derived law generalises to a run it has not seen: |k| = q·B (m = 1)
        let f = derived.search.chosen[0].formula
        for (q, b) in [(2.0, 1.2), (1.0, 0.5)] {
            let columns = derived.search.inputNames.map { $0 == "q" ? [q] : [b] }
            #expect(abs(abs(f.evaluate(columns, rows: 1)[0]) / (q * b) - 1) < 0.01, "\(f.sympyString(names: derived.search.inputNames))")
        }
        for file in ["equations.json", "constants.csv", "templates.csv", "report.html", "run-000/report.html", "run-003/stream.occ"] {
            #expect(FileManager.default.fileExists(atPath: "\(dir)/out/\(file)"), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/.out.runs"))
        let exported = try ExportJob.render(try ExportJob.equations(runFolder: "\(dir)/out"), format: .sympy)
        #expect(exported.contains("Bz") && exported.contains("q"), "\(exported)")
    }

    @Test func runsThatDisagreeInSizeAreOneClearError() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let small = Self.sweep.replacingOccurrences(of: "frames: 60", with: "frames: 3")
        try simulate(small, into: "\(dir)/a")
        try simulate(small.replacingOccurrences(of: "width: 96, height: 96", with: "width: 64, height: 64"), into: "\(dir)/b")
        var o = SweepDiscoverJob.Options(frames: ["\(dir)/a/run-000", "\(dir)/b/run-001"], output: "\(dir)/out")
        o.showProgress = false
        #expect { _ = try SweepDiscoverJob.run(o) } throws: { "\($0)".contains("must agree in size") && "\($0)".contains("64×64") }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
    }
}
