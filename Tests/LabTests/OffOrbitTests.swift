import Formulas
import Foundation
import TestSupport
import Testing
@testable import Lab

/// One object, one orbit or arc, drawn here (`Film`: RK4, supersampled discs or Gaussian PSFs
/// integrated over pixels; discs clean, PSFs clean and σ = 2), calibration by flags. The law found must be the
/// law that made the motion, not one that only reproduces it: each component depends on exactly
/// the true law's variables, the constants are right, and off the filmed orbit — positions in the
/// observed range, velocities of observed speeds in random directions — the accelerations are
/// within 2 % RMS of the truth.
// Not serialized: each case is one job, and run beside the other suites the cases fill both
// cores (serialized, the suite ran alone for its last 80 s and the tests took 10 min 5 s).
@Suite struct OffOrbitTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var film: Film
        var start: [Double]
        var accel: @Sendable (Double, Double, Double, Double) -> (Double, Double)
        /// Per component, the variables (of t, x, y, vx, vy) the true law depends on.
        var depends: [Set<String>]
        /// The true constants, and how to read each back from a law's accelerations
        /// (a function of the law evaluated at a state).
        var constants: [(name: String, value: Double, read: @Sendable (_ a: (Double, Double, Double, Double) -> (Double, Double)) -> Double)]
        var description: String { name }
    }

    static let gm = 4.37, k = 1.37, omega = 1.53, field = 0.61, g = 1.13, cyclotron = 1.27

    static func cases(look: Film.Look, noise: Double) -> [Case] {
        func film(frames: Int, dt: Double, reference: Bool) -> Film {
            var f = Film(look: look, noise: noise)
            f.frames = frames
            f.dt = dt
            f.reference = reference
            return f
        }
        let gm = gm, k = k, omega = omega, field = field, g = g, wc = cyclotron
        return [
            // e = 0.4 from periapsis r = 1 (apoapsis 2.33), 1.2 turns
            Case(name: "Kepler", film: film(frames: 160, dt: 0.05, reference: true), start: [1.0, 0, 0, (gm * 1.4).squareRoot()],
                 accel: { x, y, _, _ in let r3 = pow(x * x + y * y, 1.5); return (-gm * x / r3, -gm * y / r3) },
                 depends: [["x", "y"], ["x", "y"]],
                 constants: [("GM", gm, { a in -a(1.3, 0.4, 0, 0).0 * pow(1.3 * 1.3 + 0.4 * 0.4, 1.5) / 1.3 })]),
            // one ellipse (semi-axes 2 and 0.82), 1.2 turns
            Case(name: "harmonic", film: film(frames: 124, dt: 0.05, reference: true), start: [2.0, 0, 0, 1.0],
                 accel: { x, y, _, _ in (-k * x, -k * y) }, depends: [["x"], ["y"]],
                 constants: [("k", k, { a in -a(0.9, -0.6, 0, 0).0 / 0.9 })]),
            Case(name: "E×B drift", film: film(frames: 100, dt: 0.1, reference: false), start: [-2.8, 0.3, 0.0, 1.2],
                 accel: { _, _, vx, vy in (omega * vy, field - omega * vx) }, depends: [["vy"], ["vx"]],
                 constants: [("ω", omega, { a in a(0.2, 0.1, 0, 1).0 - a(0.2, 0.1, 0, 0).0 }),
                             ("qE/m", field, { a in a(0.2, 0.1, 0, 0).1 })]),
            // leaves the bottom of the frame after about 4 s of 5
            Case(name: "throw", film: film(frames: 100, dt: 0.05, reference: false), start: [-2.2, -1.5, 1.0, 2.0],
                 accel: { _, _, _, _ in (0, -g) }, depends: [[], []],
                 constants: [("g", g, { a in -a(0.3, 0.2, 0.5, -0.1).1 })]),
            // one circle of radius 1.5 about (0.5, −1.5), 1.1 turns
            Case(name: "cyclotron", film: film(frames: 115, dt: 0.05, reference: false), start: [0.5, 0, 1.8, 0],
                 accel: { _, _, vx, vy in (wc * vy, -wc * vx) }, depends: [["vy"], ["vx"]],
                 constants: [("ω", wc, { a in a(0.2, 0.1, 0, 1).0 - a(0.2, 0.1, 0, 0).0 })]),
        ]
    }

    static let runs: [(String, Double)] = ["discs", "psf"].flatMap { look in [0.0, 2.0].map { (look, $0) } }

    func discover(_ c: Case) throws -> (FrameDiscoverJob.Outcome, [[Double]], String) {
        let dir = scratchDirectory()
        let (frames, states) = c.film.draw(start: c.start, accel: c.accel)
        try writeFrames(frames, size: c.film.size, to: dir)
        var o = FrameDiscoverJob.Options(frames: dir, output: dir + "/run")
        o.pxPerUnit = c.film.pxPerUnit
        o.dt = c.film.dt
        o.candidates = 8
        o.fullLadder = false
        o.showProgress = false
        o.reduceForTests()
        return (try FrameDiscoverJob.run(o), states, dir)
    }

    // Three looks: noisy discs went in session 32 to keep `swift test` within ten minutes (noise
    // is the noisy PSFs' here, and both looks' under noise in the frame and distillation suites).
    @Test(arguments: cases(look: .discs(samples: 4), noise: 0) + cases(look: .psf(sigma: 1.3), noise: 0)
                     + cases(look: .psf(sigma: 1.3), noise: 2))
    func singleObjectLaw(_ c: Case) throws {
        let noisy = c.film.noise > 0
        let label = "\(c.name), \(c.film.look), noise \(c.film.noise)"
        let (out, states, dir) = try discover(c)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let law = out.laws[out.chosen].law
        // no static body in these films is taken for a reference (the throw, E×B, cyclotron)
        if !c.film.reference { #expect(out.tracks.reference == nil, "\(label)") }
        let tried = out.laws.enumerated().map { i, l in
            "\n  \(i == out.chosen ? "*" : l.equivalent ? "=" : " ") \(l.form) \(l.finished ? "" : "≥")\(l.streamBytes) B, law \(Int(l.descriptionBits)) b, eq \(Int(l.equationBits)) b, misfit \(String(format: "%.2g", l.misfit)): \(l.text)"
        }.joined()
        let values = out.laws[out.chosen].law.values
        func a(_ x: Double, _ y: Double, _ vx: Double, _ vy: Double, t: Double = 1) -> (Double, Double) {
            let v = law.acceleration([[t], [x], [y], [vx], [vy], [(x * x + y * y).squareRoot()]], rows: 1, values: values)
            return (v[0][0], v[1][0])
        }
        // variables: a component depends on v when a small change of v changes it
        var random = SeededLCG(seed: 11)
        let xs = states.map { $0[0] }, ys = states.map { $0[1] }
        let rs = states.map { ($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() }
        let speeds = states.map { ($0[2] * $0[2] + $0[3] * $0[3]).squareRoot() }
        func within(_ v: [Double]) -> Double { v.min()! + (v.max()! - v.min()!) * random.unit() }
        var off: [[Double]] = []
        for _ in 0..<200 {
            let speed = within(speeds), b = 2 * Double.pi * random.unit()
            var p = [within(xs), within(ys)]
            if c.film.reference {  // central cases: a distance in the observed range, any direction
                let r = within(rs), angle = 2 * Double.pi * random.unit()
                p = [r * cos(angle), r * sin(angle)]
            }
            off.append([p[0], p[1], speed * cos(b), speed * sin(b), within([0, Double(c.film.frames) * c.film.dt])])
        }
        let names = ["x", "y", "vx", "vy", "t"]
        for component in 0..<2 {
            var uses = Set<String>()
            for q in off.prefix(20) {
                for (j, name) in names.enumerated() {
                    var lo = q, hi = q
                    let h = 1e-4 * max(1, abs(q[j]))
                    lo[j] -= h
                    hi[j] += h
                    let pick: ((Double, Double)) -> Double = { component == 0 ? $0.0 : $0.1 }
                    let dl = pick(a(lo[0], lo[1], lo[2], lo[3], t: lo[4])), dh = pick(a(hi[0], hi[1], hi[2], hi[3], t: hi[4]))
                    let scale = max(1e-9, abs(pick(a(q[0], q[1], q[2], q[3], t: q[4]))), abs(dl), abs(dh))
                    if abs(dh - dl) > 1e-7 * scale { uses.insert(name) }
                }
            }
            #expect(uses == c.depends[component], "\(label): \(Law.components[component]) depends on \(uses.sorted()), truth \(c.depends[component].sorted()): \(law.text)\(tried)")
        }
        // off the orbit: RMS error within 2 % of the RMS true acceleration
        var err = 0.0, norm = 0.0
        for q in off {
            let (tx, ty) = c.accel(q[0], q[1], q[2], q[3]), (lx, ly) = a(q[0], q[1], q[2], q[3], t: q[4])
            err += (lx - tx) * (lx - tx) + (ly - ty) * (ly - ty)
            norm += tx * tx + ty * ty
        }
        #expect((err / norm).squareRoot() < 0.02, "\(label): off-orbit RMS error \((err / norm).squareRoot()): \(law.text)\(tried)")
        // the class, where there is one, is named in equations.json and the report
        let others = out.laws.indices.filter { $0 != out.chosen && out.laws[$0].equivalent }
        #expect((out.ambiguity?.members.count ?? 0) == others.count, "\(label)\(tried)")
        if !others.isEmpty {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/run/equations.json"))) as? [String: Any]
            let listed = ((json?["ambiguity"] as? [String: Any])?["laws"] as? [[String: Any]])?.compactMap { $0["law"] as? String } ?? []
            #expect(Set(listed) == Set(others.map { out.laws[$0].text }), "\(label)")
            let report = try String(contentsOfFile: "\(dir)/run/report.html", encoding: .utf8)
            #expect(report.contains("What remains ambiguous"), "\(label)")
        }
        for constant in c.constants {
            let value = constant.read { x, y, vx, vy in a(x, y, vx, vy) }
            #expect(abs(value / constant.value - 1) < (noisy ? 0.03 : 0.01), "\(label): \(constant.name) = \(value), truth \(constant.value): \(law.text)\(tried)")
        }
    }
}
