import Foundation
import Testing
@testable import Lab
@testable import Physics
@testable import Render
import TestSupport

/// The repository root (two levels above this file's folder).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func scratchDirectory() -> String {
    let dir = NSTemporaryDirectory() + "occam-lab-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The exported `accelerations(t, positions, velocities)` of a run's equations.py, called by
/// Python: the script's status and output, and the values flat (a_x, a_y of each object in turn).
func exportedAccelerations(_ equationsPy: String, t: Double, positions: [[Double]], velocities: [[Double]])
    -> (status: Int32, output: String, values: [Double]) {
    let (status, output) = ExternalTools.python("""
        ns = {}
        exec(open('\(equationsPy)').read(), ns)
        a = ns['accelerations'](\(t), \(positions), \(velocities))
        print(' '.join(repr(float(v)) for row in a for v in row))
        """)
    let values = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    return (status, output, values)
}

/// Grey square frames (size × size bytes each) as frame_NNNNN.png in `dir`, with no scene.json:
/// the job is calibrated by flags, as a user with their own frames would.
func writeFrames(_ frames: [[UInt8]], size: Int, to dir: String) throws {
    for (i, pixels) in frames.enumerated() {
        try PNGFile.write(Image(width: size, height: size, channels: 1, pixels: pixels), to: String(format: "%@/frame_%05d.png", dir, i))
    }
}

let minimalGravity = """
    name: tiny
    kind: gravity
    units: {length: AU, time: yr, mass: Msun}
    frames: 4
    frame_interval: 0.01
    camera: {width: 32, height: 32, px_per_unit: 10}
    star: {name: Sun, mass: 1.0}
    planets:
      - {name: p, mass: 1.0e-6, orbit: {a: 1.0, e: 0.3}}
    """

/// A bad scenario text fails with one error line that starts with the file name (bad.yaml)
/// and contains `expected`.
func expectOneClearLine(scenario text: String, expected: String) {
    do {
        _ = try ScenarioFile(text: text, path: "bad.yaml")
        Issue.record("no error for \(expected)")
    } catch {
        let message = "\(error)"
        #expect(message.hasPrefix("bad.yaml"), "\(message)")
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("\n"), "\(message)")
    }
}

@Suite struct ScenarioFileTests {
    @Test func everyShippedScenarioLoads() throws {
        let dir = "\(repositoryRoot)/simulations"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }
        #expect(files.count >= 5)
        var kinds = Set<String>()
        var sweeps = 0
        for f in files {
            let file = try ScenarioFile(path: "\(dir)/\(f)")
            kinds.formUnion(file.runs.map(\.kind))
            if file.isSweep { sweeps += 1; #expect(file.runs.count > 1) }
        }
        #expect(kinds == ["gravity", "charged"])
        #expect(sweeps >= 1)
    }

    @Test func jsonIsAccepted() throws {
        let json = """
            {"name": "j", "kind": "charged", "units": {"length": "m", "time": "s", "mass": "kg", "charge": "C"},
             "frames": 3, "frame_interval": 0.1, "camera": {"width": 16, "height": 16, "px_per_unit": 2},
             "fields": {"B": [0, 0, 1]}, "particles": [{"mass": 1, "charge": 1, "velocity": [1, 0, 0]}]}
            """
        let file = try ScenarioFile(text: json, path: "j.json")
        #expect(file.runs.first?.kind == "charged")
    }

    static func variant(_ of: String, _ with: String) -> String { minimalGravity.replacingOccurrences(of: of, with: with) }
    static let badInputs: [(String, String)] = {
        var cases: [(String, String)] = []
        cases.append(("name: x\nkind: [unclosed", "malformed YAML"))
        cases.append(("", "empty"))
        cases.append((variant("kind: gravity", "kind: magic"), "kind: unknown value 'magic'"))
        cases.append((variant("mass: 1.0e-6, ", ""), "planets[0].mass: missing"))
        cases.append((variant("mass: 1.0e-6", "mass: -2"), "planets[0].mass: must be ≥ 0"))
        cases.append((variant("star: {name: Sun, mass: 1.0}", "star: {name: Sun, mass: 0}"), "star.mass: must be > 0"))
        cases.append((variant("frames: 4", "frames: 0"), "frames: must be ≥ 1"))
        cases.append((variant("frame_interval: 0.01", "frame_interval: .nan"), "frame_interval: must be a finite number"))
        cases.append((variant("a: 1.0", "a: .inf"), "orbit.a: must be a finite number"))
        cases.append((variant("width: 32", "width: 100000"), "camera.width: must be ≤ 8192"))
        cases.append((variant("width: 32, height: 32", "width: 8000, height: 8000"), "exceeds the limit"))
        cases.append((variant("e: 0.3", "e: 1.2"), "orbit.e: must be < 1"))
        cases.append((variant("frames: 4", "frames: 4\nframs: 5"), "frams: unknown field"))
        cases.append((variant("units: {length: AU, time: yr, mass: Msun}", "units: {length: furlong, time: yr, mass: Msun}"), "unknown length unit 'furlong'"))
        cases.append((variant("units: {length: AU, time: yr, mass: Msun}\n", ""), "units: missing"))
        // the telescope look
        func look(_ render: String) -> String { variant("frames: 4", "frames: 4\nrender: \(render)") }
        cases.append((look("{psf: {shape: comet, sigma_px: 1}}"), "render.psf.shape: unknown value 'comet'"))
        cases.append((look("{psf: {shape: gaussian}}"), "render.psf.sigma_px: missing"))
        cases.append((look("{psf: {shape: moffat, fwhm_px: 2, beta: 1}}"), "render.psf.beta: must be ≥ 1.5"))
        cases.append((look("{psf: {shape: airy, first_zero_px: 2, sigma_px: 1}}"), "render.psf.sigma_px: unknown field"))
        cases.append((look("{background: 40, saturation: 30}"), "render.saturation: must be above the background"))
        cases.append((look("{exposure: 1.5}"), "render.exposure: must be ≤ 1"))
        cases.append((look("{stars: {count: 5}}"), "render.stars: needs render.psf"))
        cases.append((look("{psf: {shape: gaussian, sigma_px: 1}, stars: {count: 5, flux: [10, 1]}}"), "render.stars.flux: give [faintest, brightest]"))
        return cases
    }()

    /// Each bad input gives one error line that names the file, the field and the problem.
    @Test(arguments: badInputs)
    func badInputGivesOneClearLine(text: String, expected: String) {
        expectOneClearLine(scenario: text, expected: expected)
    }

    @Test func sweepExpandsGridAndZip() throws {
        let grid = minimalGravity + "\nsweep:\n  vary:\n    planets[0].orbit.a: [1.0, 2.0, 3.0]\n    star.mass: [1.0, 2.0]\n"
        let g = try ScenarioFile(text: grid, path: "s.yaml")
        #expect(g.runs.count == 6)
        if case let .gravity(star, planets, _) = g.runs[5].system {
            #expect(star.mass == 2.0 && planets[0].orbit.semiMajorAxis == 3.0)
        } else { Issue.record("wrong system") }
        #expect(g.runs[5].sweepValues == ["planets[0].orbit.a": "3.0", "star.mass": "2.0"])
        let zip = minimalGravity + "\nsweep:\n  mode: zip\n  vary:\n    planets[0].orbit.a: [1.0, 2.0]\n    star.mass: [1.0, 2.0]\n"
        #expect(try ScenarioFile(text: zip, path: "s.yaml").runs.count == 2)
        let bad = minimalGravity + "\nsweep:\n  vary:\n    planets[3].mass: [1.0]\n"
        #expect { _ = try ScenarioFile(text: bad, path: "s.yaml") } throws: { "\($0)".contains("index 3 out of range") }
        let badValue = minimalGravity + "\nsweep:\n  vary:\n    star.mass: [1.0, -1.0]\n"
        #expect { _ = try ScenarioFile(text: badValue, path: "s.yaml") } throws: { "\($0)".contains("sweep run 1") }
    }

    @Test func astronomicalUnitsUseFourPiSquared() throws {
        #expect(try UnitSystem(length: "AU", time: "yr", mass: "Msun").gravitationalConstant == 4 * Double.pi * Double.pi)
        let si = try UnitSystem(length: "m", time: "s", mass: "kg").gravitationalConstant
        #expect(si == UnitSystem.gravitationalConstantSI)
        // G·M☉ in km³/s² from the converted constant agrees with the IAU value to 1e-4.
        let km = try UnitSystem(length: "km", time: "s", mass: "Msun").gravitationalConstant
        #expect(abs(km / 1.32712440018e11 - 1) < 1e-4)
    }
}
