import Discovery
import Formulas
import Foundation
import Render
import TestSupport
import Testing
@testable import Lab

/// Discovery from frames drawn here, with their own code: motion integrated by RK4 in this file,
/// discs drawn by 4×4 supersampling (not Occam's exact-coverage rasteriser), calibration given
/// as flags (no scene.json). Sizes are small for debug builds; bench/discover runs full size.
@Suite(.serialized) struct FrameDiscoveryTests {
    struct Setup {
        var frames = 90
        var size = 128
        var pxPerUnit = 20.0
        var dt = 0.05
        var star = true
        var noise = 0.0
        var bodyRadius = 3.0
    }

    /// Integrates `accel` from (x, y, vx, vy) by RK4 with 20 substeps per frame and draws each frame.
    func draw(_ s: Setup, start: [Double], accel: @escaping (Double, Double) -> (Double, Double)) throws -> String {
        try draw(s, start: start, force: { x, y, _, _ in accel(x, y) })
    }

    /// The same for an acceleration that depends on the velocity too.
    func draw(_ s: Setup, start: [Double], force accel: @escaping (Double, Double, Double, Double) -> (Double, Double)) throws -> String {
        try draw(s, starts: [start], force: accel)
    }

    /// Several bodies, each moving under `accel` (no interaction).
    func draw(_ s: Setup, starts: [[Double]], force accel: @escaping (Double, Double, Double, Double) -> (Double, Double)) throws -> String {
        let dir = scratchDirectory()
        var states = starts
        var random = SeededLCG(seed: 99)
        func gaussian() -> Double { random.gaussian() }
        func derivative(_ q: [Double]) -> [Double] {
            let (ax, ay) = accel(q[0], q[1], q[2], q[3])
            return [q[2], q[3], ax, ay]
        }
        for k in 0..<s.frames {
            var pixels = [Double](repeating: 0, count: s.size * s.size)
            func disc(_ x: Double, _ y: Double, radius: Double, level: Double) {
                let cu = Double(s.size) / 2 + x * s.pxPerUnit, cv = Double(s.size) / 2 - y * s.pxPerUnit
                for py in Sketch.span(cv, radius: radius, size: s.size) {
                    for px in Sketch.span(cu, radius: radius, size: s.size) {
                        let inside = Sketch.samplesInside(x: px, y: py, cu: cu, cv: cv, radius: radius, n: 4)
                        pixels[py * s.size + px] += level * Double(inside) / 16
                    }
                }
            }
            if s.star { disc(0, 0, radius: 4, level: 250) }
            for state in states { disc(state[0], state[1], radius: s.bodyRadius, level: 200) }
            let bytes = pixels.map { UInt8(max(0, min(255, ($0 + s.noise * gaussian()).rounded()))) }
            try PNGFile.write(Image(width: s.size, height: s.size, channels: 1, pixels: bytes), to: String(format: "%@/frame_%05d.png", dir, k))
            let h = s.dt / 20
            for b in states.indices {
                var state = states[b]
                for _ in 0..<20 {
                    let k1 = derivative(state)
                    let k2 = derivative(zip(state, k1).map { $0 + h / 2 * $1 })
                    let k3 = derivative(zip(state, k2).map { $0 + h / 2 * $1 })
                    let k4 = derivative(zip(state, k3).map { $0 + h * $1 })
                    state = (0..<4).map { state[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
                }
                states[b] = state
            }
        }
        return dir
    }

    func discover(_ folder: String, _ s: Setup, fullSearch: Bool = false) throws -> FrameDiscoverJob.Outcome {
        var o = FrameDiscoverJob.Options(frames: folder, output: folder + "/run")
        o.pxPerUnit = s.pxPerUnit
        o.dt = s.dt
        o.candidates = 8
        o.fullLadder = false
        o.showProgress = false
        if !fullSearch { o.reduceForTests() }  // else the default rows and search, as occam run uses them
        return try FrameDiscoverJob.run(o)
    }

    /// The chosen law evaluated at a state, against the true acceleration (relative error).
    func error(_ out: FrameDiscoverJob.Outcome, at q: [Double], truth: (Double, Double)) -> Double {
        let law = out.laws[out.chosen]
        let columns = [[0.0], [q[0]], [q[1]], [q[2]], [q[3]], [(q[0] * q[0] + q[1] * q[1]).squareRoot()]]
        let ax = law.ax.formula.evaluate(columns, rows: 1)[0], ay = law.ay.formula.evaluate(columns, rows: 1)[0]
        return ((ax - truth.0) * (ax - truth.0) + (ay - truth.1) * (ay - truth.1)).squareRoot()
            / (truth.0 * truth.0 + truth.1 * truth.1).squareRoot()
    }

    /// One eccentric orbit (e ≈ 0.5); k within 1 % of GM, with and without sensor noise.
    @Test(arguments: [0.0, 2.0]) func inverseSquareOrbitGivesNewtonsLaw(noise: Double) throws {
        var s = Setup()
        s.frames = 160
        s.noise = noise
        let gm = 4.0
        let folder = try draw(s, start: [2.0, 0, 0, 1.1]) { x, y in
            let r3 = pow(x * x + y * y, 1.5)
            return (-gm * x / r3, -gm * y / r3)
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // the tests' reduced search (the default one runs on the clean E×B film below; at full
        // size bench/discover runs it on Kepler), to keep the suite within ten minutes
        let out = try discover(folder, s, fullSearch: false)
        let law = out.laws[out.chosen]
        #expect(law.text.contains("x") && law.text.contains("y"), "\(law.text)")
        for q in [[1.5, 0.5, 0.0, 0.0], [-1.0, 1.2, 0.3, 0.0], [0.4, -1.6, 0.0, 0.0]] {
            let r3 = pow(q[0] * q[0] + q[1] * q[1], 1.5)
            #expect(error(out, at: q, truth: (-gm * q[0] / r3, -gm * q[1] / r3)) < 0.01, "\(law.text)")
        }
        // every output is there (that the law beats the motion level shows at full size: bench/discover)
        for file in ["equations.json", "equations.tex", "equations.py", "tracks.csv", "ladder.json", "pareto.csv", "laws.csv", "stream.occ", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/run/\(file)"), "\(file)")
        }
        let report = try String(contentsOfFile: "\(folder)/run/report.html", encoding: .utf8)
        #expect(report.contains("<svg") && report.contains("Compression ladder") && report.contains("Pareto") && !report.contains("http://www.w3.org/1999/xhtml\" src"))
        // equations.py gives a function to simulate with: the law for each of N objects
        if ExternalTools.available(.sympy) || ExternalTools.required {
            try ExternalTools.require(.sympy)
            let q = [[1.5, 0.5], [-1.0, 1.2]]
            let (status, output, values) = exportedAccelerations("\(folder)/run/equations.py", t: 0.5, positions: q,
                                                                 velocities: [[0.0, 0.0], [0.3, 0.0]])
            #expect(status == 0 && values.count == 4, "\(output)")
            for (k, p) in q.enumerated() where values.count == 4 {
                let r3 = pow(p[0] * p[0] + p[1] * p[1], 1.5)
                #expect(hypot(values[2 * k] + gm * p[0] / r3, values[2 * k + 1] + gm * p[1] / r3) < 0.01 * gm / r3 * hypot(p[0], p[1]))
            }
        }
    }

    /// Four planets drawn here (GM = 4π², AU and years): one inverse-square law for all of them,
    /// and Kepler's third law T = c·a^(3/2) with c = 2π/√GM = 1 from the orbits they trace.
    @Test(arguments: [0.0, 2.0]) func fourPlanetsGiveOneLawAndKeplersThirdLaw(noise: Double) throws {
        var s = Setup()
        s.frames = 150
        s.dt = 0.015
        s.noise = noise
        s.bodyRadius = 2.5
        let gm = 4 * Double.pi * Double.pi
        // (a, e, angle of periapsis): each planet starts at periapsis
        let orbits = [(0.5, 0.1, 0.2), (0.9, 0.05, 1.7), (1.4, 0.15, 3.5), (2.2, 0.1, 5.2)]
        let starts = orbits.map { a, e, w -> [Double] in
            let r = a * (1 - e), v = (gm * (1 + e) / (a * (1 - e))).squareRoot()
            return [r * cos(w), r * sin(w), -v * sin(w), v * cos(w)]
        }
        let folder = try draw(s, starts: starts) { x, y, _, _ in
            let r3 = pow(x * x + y * y, 1.5)
            return (-gm * x / r3, -gm * y / r3)
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try discover(folder, s)
        let law = out.laws[out.chosen]
        for q in [[0.5, 0.1, 0, 0], [-0.3, 0.85, 0, 0], [1.2, -0.9, 0, 0], [-2.0, -0.7, 0, 0]] {
            let r3 = pow(q[0] * q[0] + q[1] * q[1], 1.5)
            #expect(error(out, at: q, truth: (-gm * q[0] / r3, -gm * q[1] / r3)) < 0.01, "\(law.text)")
        }
        #expect(out.orbits.count == 4, "\(out.orbitNotes)")
        let derived = try #require(out.orbitLaw).chosen[0]
        let text = derived.formula.sympyString(names: ["a"])
        for a in [0.3, 1.0, 5.0] {
            let t = derived.formula.evaluate([[a]], rows: 1)[0]
            #expect(abs(t / pow(a, 1.5) - 1) < 0.01, "T(\(a)) = \(t) from \(text)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/run/equations.json"))) as? [String: Any]
        #expect((json?["derived"] as? [[String: Any]])?.first?["target"] as? String == "T")
        #expect(FileManager.default.fileExists(atPath: "\(folder)/run/orbits.csv"))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/run/orbits/pareto.csv"))
    }

    /// Two bodies: on one orbit a = −k·r and a velocity law a = (c₁·v_y, c₂·v_x) predict the
    /// same accelerations (x = 2cos ωt, v_y = cos ωt), and the stream cannot tell them apart;
    /// a second orbit of another shape can only be fitted by the position law.
    @Test(arguments: [(0.0, 0.02), (2.0, 0.05)])
    func harmonicForceIsNotMistakenForInverseSquare(noise: Double, tolerance: Double) throws {
        var s = Setup()
        s.noise = noise
        let k = 1.5
        let folder = try draw(s, starts: [[2.0, 0, 0, 1.0], [0, 1.4, 0.9, 0]]) { x, y, _, _ in (-k * x, -k * y) }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try discover(folder, s)
        for q in [[1.5, 0.5, 0.0, 0.0], [-1.0, 1.2, 0.3, 0.0], [0.4, -1.6, 0.0, 0.0]] {
            #expect(error(out, at: q, truth: (-k * q[0], -k * q[1])) < tolerance, "\(out.laws[out.chosen].text)")
        }
    }

    /// E×B drift drawn here: a = (q/m)(E + v×B) in the plane, ω = 1.6, (q/m)E = (0, 0.64), no
    /// star, with and without sensor noise σ = 2. The frame interval is long enough (0.1) that the
    /// field's push, c·Δt² = 0.13 px per frame, is worth its constant in the stream of 100
    /// frames (at 0.05 s and 120 frames a law without it codes as short).
    @Test(arguments: [0.0, 2.0]) func crossedFieldsGiveTheLorentzComponents(noise: Double) throws {
        var s = Setup()
        s.star = false
        s.noise = noise
        s.frames = 100
        s.dt = 0.1
        let omega = 1.6, ex = 0.0, ey = 0.64
        let folder = try draw(s, start: [-2.8, 0.3, 0.0, 1.2]) { _, _, vx, vy in (ex + omega * vy, ey - omega * vx) }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try discover(folder, s, fullSearch: noise == 0)  // the default search on the clean film
        let law = out.laws[out.chosen]
        func a(_ vx: Double, _ vy: Double) -> (Double, Double) {
            let columns = [[0.5], [0.3], [-0.2], [vx], [vy], [(0.09 + 0.04).squareRoot()]]
            return (law.ax.formula.evaluate(columns, rows: 1)[0], law.ay.formula.evaluate(columns, rows: 1)[0])
        }
        let c = a(0, 0)
        let wx = a(0, 1).0 - c.0, wy = -(a(1, 0).1 - c.1)
        #expect(abs(wx / omega - 1) < 0.01 && abs(wy / omega - 1) < 0.01, "\(law.text): ω \(wx), \(wy)")
        #expect(abs(c.0 - ex) < 0.02 && abs(c.1 - ey) < 0.02, "\(law.text): c \(c)")
    }

    @Test func noMovingObjectIsAClearError() throws {
        var s = Setup()
        s.frames = 20
        let folder = try draw(s, start: [1.0, 1.0, 0, 0]) { _, _ in (0, 0) }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect { _ = try discover(folder, s) } throws: { "\($0)".contains("no moving object") }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/run"))
    }
}

extension FrameDiscoverJob.Options {
    /// The reduced search of the frame tests (debug builds are slow; bench/discover runs the
    /// default search at full size): 120 rows, 4 populations of 32, 20 epochs of 60 cycles,
    /// formulas of at most 12 nodes.
    mutating func reduceForTests() {
        maxRows = 120
        search.populations = 4
        search.populationSize = 32
        search.cyclesPerEpoch = 60
        search.epochs = 20
        search.maxSize = 12
    }
}
