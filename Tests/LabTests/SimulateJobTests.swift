import Foundation
import TestSupport
import Testing
@testable import Lab
@testable import Physics
@testable import Render

@Suite struct SimulateJobTests {
    /// Simulate a free particle (no fields) drawn through a Gaussian PSF with `render`, and return
    /// each frame's background-subtracted light moments (centroid u, v; variances along u, v) and
    /// the truth's pixel position.
    func freeParticleMoments(velocity: Double, render: String, frames: Int = 6) throws -> [(u: Double, v: Double, varU: Double, varV: Double, trueU: Double, trueV: Double)] {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = """
            name: free
            kind: charged
            units: {length: m, time: s, mass: kg, charge: C}
            frames: \(frames)
            frame_interval: 0.1
            camera: {width: 64, height: 64, px_per_unit: 10, centre: [0, 0]}
            fields: {E: [0, 0, 0], B: [0, 0, 0]}
            render: \(render)
            particles:
              - {name: p, mass: 1.0, charge: 1.0, position: [-1, 0.3, 0], velocity: [\(velocity), 0, 0], radius_px: 2, brightness: 100}
            """
        let file = try ScenarioFile(text: text, path: "free.yaml")
        var options = SimulateJob.Options(output: "\(dir)/free")
        options.showProgress = false
        _ = try SimulateJob.run(file, options: options)
        let folder = try FrameFolder(path: "\(dir)/free")
        let rows = try truth("\(dir)/free/truth.csv")
        return try (0..<frames).map { k in
            let image = try folder.frame(k)
            var s = 0.0, su = 0.0, sv = 0.0, suu = 0.0, svv = 0.0
            for j in 0..<image.height {
                for i in 0..<image.width {
                    let w = Double(image[i, j, 0]) - 10
                    let x = Double(i) + 0.5, y = Double(j) + 0.5
                    s += w; su += w * x; sv += w * y; suu += w * x * x; svv += w * y * y
                }
            }
            let u = su / s, v = sv / s
            return (u, v, suu / s - u * u, svv / s - v * v, Double(rows[k][12])!, Double(rows[k][13])!)
        }
    }

    /// An open shutter smears a moving body along its path: the light's variance along the
    /// motion grows by L²/12 (a uniform streak of length L = speed × exposure × interval), not
    /// across it, and the streak is centred on the body's position at the frame's time.
    @Test func exposureSmearsAlongThePath() throws {
        // 5 m/s × 0.8 × 0.1 s × 10 px/m = a 4 px streak
        let smeared = try freeParticleMoments(velocity: 5, render: "{background: 10, psf: {shape: gaussian, sigma_px: 2}, exposure: 0.8}")
        let sharp = try freeParticleMoments(velocity: 5, render: "{background: 10, psf: {shape: gaussian, sigma_px: 2}}")
        for (a, b) in zip(smeared, sharp) {
            #expect(abs((a.varU - b.varU) - 16.0 / 12) < 0.06, "variance along the motion grew by \(a.varU - b.varU)")
            #expect(abs(a.varV - b.varV) < 0.02, "across: \(a.varV - b.varV)")
            #expect(abs(a.u - a.trueU) < 0.03 && abs(a.v - a.trueV) < 0.03, "centre \((a.u, a.v)) vs \((a.trueU, a.trueV))")
        }
    }

    /// Seeing shifts each frame as a whole by a seeded Gaussian offset of the given σ.
    @Test func seeingJittersEachFrame() throws {
        let frames = try freeParticleMoments(velocity: 0, render: "{background: 10, psf: {shape: gaussian, sigma_px: 1.2}, seeing_px: 0.5}", frames: 40)
        let du = frames.map { $0.u - $0.trueU }, dv = frames.map { $0.v - $0.trueV }
        let rms = ((du.map { $0 * $0 }.reduce(0, +) + dv.map { $0 * $0 }.reduce(0, +)) / Double(2 * frames.count)).squareRoot()
        // 80 offsets of σ 0.5: their RMS lies within ±25 % of 0.5 with probability > 0.999
        #expect(rms > 0.375 && rms < 0.625, "RMS offset \(rms)")
        #expect(Set(du.map { ($0 * 1000).rounded() }).count > 30, "offsets differ from frame to frame")
    }

    /// Read truth.csv into rows of (frame, body, x, y, vx, vy, u, v).
    func truth(_ path: String) throws -> [[String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
    }

    @Test func simulateWritesFramesSceneAndTruth() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The shipped eccentric-orbit scenario, cut to 12 frames.
        var text = try String(contentsOfFile: "\(repositoryRoot)/simulations/kepler.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "frames: 600", with: "frames: 12")
        let file = try ScenarioFile(text: text, path: "kepler.yaml")
        var options = SimulateJob.Options(output: "\(dir)/kepler")
        options.showProgress = false
        let summary = try SimulateJob.run(file, options: options)
        #expect(summary.totalFrames == 12)
        let frames = try FrameFolder(path: "\(dir)/kepler")
        #expect(frames.count == 12)
        let scene = try SceneMetadata.read("\(dir)/kepler/scene.json")
        #expect(scene.frameCount == 12 && scene.kind == "gravity" && scene.units.length == "AU")
        #expect(scene.G == 4 * Double.pi * Double.pi)
        #expect(scene.bodies.map(\.role) == ["star", "planet"])
        let rows = try truth("\(dir)/kepler/truth.csv")
        #expect(rows.count == 24)
        // The planet's intensity centroid (independent measurement on the PNG) matches truth.
        for k in [0, 5, 11] {
            let image = try frames.frame(k)
            let row = rows.first { $0[0] == "\(k)" && $0[2] == "planet" }!
            let u = Double(row[12])!, v = Double(row[13])!
            var s = 0.0, su = 0.0, sv = 0.0
            for j in max(0, Int(v) - 6)..<min(image.height, Int(v) + 6) {
                for i in max(0, Int(u) - 6)..<min(image.width, Int(u) + 6) {
                    let w = Double(image[i, j, 0])
                    s += w; su += w * (Double(i) + 0.5); sv += w * (Double(j) + 0.5)
                }
            }
            #expect(abs(su / s - u) < 0.02 && abs(sv / s - v) < 0.02)
            // and the calibration in scene.json maps the pixel back to the physical position
            let x = (su / s - scene.calibration.originPx[0]) / scene.calibration.pxPerUnit
            let y = (scene.calibration.originPx[1] - sv / s) / scene.calibration.pxPerUnit
            #expect(abs(x - Double(row[3])!) < 0.02 / 55 * 2 && abs(y - Double(row[4])!) < 0.02 / 55 * 2)
        }
        // An independent decoder (Pillow) opens every frame.
        let check = """
            import sys, glob
            from PIL import Image
            files = sorted(glob.glob(sys.argv[1] + '/frame_*.png'))
            for f in files:
                im = Image.open(f); im.load(); assert im.size == (256, 256) and im.mode == 'L', f
            print(len(files))
            """
        // An independent decoder (Pillow) when there is one (this test's other checks need none).
        if ExternalTools.available(.pillow) || ExternalTools.required {
            #expect(try pythonRun(check, "\(dir)/kepler") == "12")
        }

        // No temporary folders left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func existingOutputNeedsForceAndFailuresLeaveNothing() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try ScenarioFile(text: minimalGravity, path: "tiny.yaml")
        var options = SimulateJob.Options(output: "\(dir)/out")
        options.showProgress = false
        _ = try SimulateJob.run(file, options: options)
        #expect { _ = try SimulateJob.run(file, options: options) } throws: { "\($0)".contains("already exists") }
        options.force = true
        _ = try SimulateJob.run(file, options: options)
        // --force never replaces a folder Occam did not write.
        try FileManager.default.createDirectory(atPath: "\(dir)/precious", withIntermediateDirectories: false)
        try "keep".write(toFile: "\(dir)/precious/notes.txt", atomically: true, encoding: .utf8)
        var precious = options
        precious.output = "\(dir)/precious"
        #expect { _ = try SimulateJob.run(file, options: precious) } throws: { "\($0)".contains("not an Occam run folder") }
        #expect(FileManager.default.fileExists(atPath: "\(dir)/precious/notes.txt"))
        // A job that fails while writing (its output path lies under a file) leaves no folder
        // at the output path and no hidden temporary folder.
        var bad = SimulateJob.Options(output: "\(dir)/out/frame_00000.png/nested")
        bad.showProgress = false
        #expect(throws: LabError.self) { _ = try SimulateJob.run(file, options: bad) }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out/frame_00000.png/nested"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func sweepWritesOneFolderPerRun() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = try String(contentsOfFile: "\(repositoryRoot)/simulations/cyclotron-sweep.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "frames: 200", with: "frames: 3")
        let file = try ScenarioFile(text: text, path: "cyclotron-sweep.yaml")
        var options = SimulateJob.Options(output: "\(dir)/sweep")
        options.showProgress = false
        _ = try SimulateJob.run(file, options: options)
        let names = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/sweep").sorted()
        #expect(names == ["run-000", "run-001", "run-002", "run-003", "run-004", "run-005", "sweep.json"])
        let scene = try SceneMetadata.read("\(dir)/sweep/run-005/scene.json")
        #expect(scene.fields?.B == [0, 0, 1.6] && scene.bodies[0].charge == 2.5 && scene.sweepIndex == 5)
        // A single run by index, as a sweep engine would call it.
        options.output = "\(dir)/one"
        options.sweepIndex = 4
        _ = try SimulateJob.run(file, options: options)
        #expect(try SceneMetadata.read("\(dir)/one/scene.json").sweepIndex == 4)
        options.sweepIndex = 9
        options.output = "\(dir)/nine"
        #expect { _ = try SimulateJob.run(file, options: options) } throws: { "\($0)".contains("out of range") }
    }

    @Test func chargedTruthFollowsExBDrift() throws {
        var text = try String(contentsOfFile: "\(repositoryRoot)/simulations/exb-drift.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "frames: 600", with: "frames: 158")
        let run = try ScenarioFile(text: text, path: "exb.yaml").runs[0]
        let t = try Simulator.run(run)
        // ω = qB/m = 2 rad/s; 157 frames of 0.02 s = 3.14 s = one gyration: the displacement is drift·T.
        let T = Double(157) * 0.02
        let dx = t.positions[157][0].x - t.positions[0][0].x
        // Not a whole number of gyrations exactly (T = 3.14 vs π): allow the gyration's share.
        #expect(abs(dx / T - 0.5) < 0.01)
        for k in 0..<t.times.count {
            let a = Lorentz.acceleration(velocity: t.velocities[k][0], chargeToMass: 2, electric: Vector3(0, 0.5, 0),
                                         magnetic: Vector3(0, 0, 1))
            #expect((a - t.accelerations[k][0]).length < 1e-12)
        }
    }

    @Test func manyPlanetScenarioConservesEnergy() throws {
        var text = try String(contentsOfFile: "\(repositoryRoot)/simulations/planets.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "frames: 600", with: "frames: 101")
        let run = try ScenarioFile(text: text, path: "planets.yaml").runs[0]
        let t = try Simulator.run(run)
        #expect(t.integrator == "wisdom-holman")
        let masses = t.bodies.map(\.mass)
        let G = 4 * Double.pi * Double.pi
        let e0 = Gravity.energy(positions: t.positions[0], velocities: t.velocities[0], masses: masses, G: G)
        let e1 = Gravity.energy(positions: t.positions[100], velocities: t.velocities[100], masses: masses, G: G)
        #expect(abs((e1 - e0) / e0) < 1e-9)
    }
}

/// Run a Python snippet that uses Pillow; its output (stdout and stderr, trimmed). The test
/// needs `.enabled(if: ExternalTools.shouldRun(.pillow))`; this throws when Pillow is missing.
func pythonRun(_ script: String, _ arguments: String...) throws -> String {
    try ExternalTools.require(.pillow)
    return ExternalTools.python(script, arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
}
