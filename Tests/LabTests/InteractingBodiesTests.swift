import Foundation
import Testing
@testable import Discovery
@testable import Lab
@testable import Render
import TestSupport
@testable import Tracking

/// Bodies that act on each other, filmed by the tests' own code (RK4 and their own drawing:
/// supersampled discs clean, Gaussian PSFs with σ = 2 noise on a grey sky), calibrated by flags,
/// tracked, and explained by `Interaction` (pairwise laws): the law is the inverse square along
/// the separation, the mass ratios are within 1 % (clean) / 3 % (σ = 2), and the law's
/// accelerations at random configurations off the filmed ones are within 2 % RMS of the truth.
@Suite struct InteractingBodiesTests {
    struct System: CustomStringConvertible, Sendable {
        var name: String
        var film: Film
        var bodies: [Film.Body]
        /// c_ij of a_i = Σ_j c_ij·(r_j − r_i)/|r_j − r_i|³ (the truth), and the masses.
        var coupling: [[Double]]
        var masses: [Double]
        var description: String { "\(name), \(film.look), noise \(film.noise)" }
    }

    static func systems(look: Film.Look, noise: Double) -> [System] {
        func film(size: Int, ppu: Double, frames: Int, dt: Double) -> Film {
            var f = Film(look: look, noise: noise)
            f.size = size
            f.pxPerUnit = ppu
            f.frames = frames
            f.dt = dt
            return f
        }
        func gravity(_ gm: [Double]) -> [[Double]] { gm.indices.map { i in gm.indices.map { j in i == j ? 0 : gm[j] } } }
        let kq2 = 1.37
        return [
            // 2:1, relative orbit a = 1.6, e = 0.5 from apoapsis, 1.2 turns
            System(name: "binary 2:1", film: film(size: 128, ppu: 30, frames: 140, dt: 0.05),
                   bodies: [.init(start: [-0.8, 0, 0, -0.328], radius: 3, level: 220), .init(start: [1.6, 0, 0, 0.656], radius: 2.5, level: 180)],
                   coupling: gravity([3.1, 1.55]), masses: [3.1, 1.55]),
            System(name: "three bodies", film: film(size: 160, ppu: 20, frames: 160, dt: 0.05),
                   bodies: [.init(start: [0.0353, 0, 0, -0.3995], radius: 3, level: 230), .init(start: [1.1353, 0, 0, 1.6005], radius: 2.5, level: 190),
                            .init(start: [-2.2647, 0, 0, -1.2035], radius: 2.5, level: 160)],
                   coupling: gravity([3.1, 1.3, 0.7]), masses: [3.1, 1.3, 0.7]),
            // like charges, masses 1 : 3, thrown past each other (closest approach 0.72)
            System(name: "repelling charges 1:3", film: film(size: 160, ppu: 20, frames: 150, dt: 0.02),
                   bodies: [.init(start: [-2.4, 0.3, 1.8, 0], radius: 2.5, level: 180), .init(start: [0.8, -0.1, -0.6, 0], radius: 3, level: 230)],
                   coupling: [[0, -kq2 / 1], [-kq2 / 3, 0]], masses: [1, 3]),
            // star 20, planet 2 at distance 2, moon 0.2 at 0.3 from the planet (36 frames a turn)
            System(name: "star, planet and moon", film: film(size: 256, ppu: 40, frames: 200, dt: 0.02),
                   bodies: [.init(start: [-0.2009, 0, 0, -0.3546], radius: 3.5, level: 240), .init(start: [1.7991, 0, 0, 2.9771], radius: 2.5, level: 200),
                            .init(start: [2.0991, 0, 0, 5.6851], radius: 2, level: 150)],
                   coupling: gravity([20, 2, 0.2]), masses: [20, 2, 0.2]),
        ]
    }

    static func truth(_ c: [[Double]], _ q: [[Double]]) -> [(Double, Double)] {
        q.indices.map { i in
            var a = (0.0, 0.0)
            for j in q.indices where j != i {
                let dx = q[j][0] - q[i][0], dy = q[j][1] - q[i][1]
                let r3 = pow(dx * dx + dy * dy, 1.5)
                a.0 += c[i][j] * dx / r3
                a.1 += c[i][j] * dy / r3
            }
            return a
        }
    }

    /// The law's RMS error relative to the truth at 200 random configurations: each body in the
    /// box it was filmed in, every separation within the filmed range (`order`: the drawn body
    /// of each of the law's objects).
    static func offOrbitError(_ s: System, _ law: PairwiseLaws.Fitted, order: [Int], states: [[[Double]]]) -> Double {
        var random = SeededLCG(seed: 41)
        let n = s.bodies.count
        let box = (0..<n).map { b in (0..<2).map { c in (states.map { $0[b][c] }.min()!, states.map { $0[b][c] }.max()!) } }
        func separation(_ q: [[Double]], _ i: Int, _ j: Int) -> Double { hypot(q[i][0] - q[j][0], q[i][1] - q[j][1]) }
        var range = [[(Double, Double)]](repeating: [(Double, Double)](repeating: (.infinity, 0), count: n), count: n)
        for q in states { for i in 0..<n { for j in 0..<n where j != i { let d = separation(q, i, j); range[i][j] = (min(range[i][j].0, d), max(range[i][j].1, d)) } } }
        var error2 = 0.0, truth2 = 0.0, configurations = 0
        while configurations < 200 {
            let q = (0..<n).map { b in (0..<2).map { c in box[b][c].0 + (box[b][c].1 - box[b][c].0) * random.unit() } }
            guard (0..<n).allSatisfy({ i in (0..<n).allSatisfy { j in j == i || (separation(q, i, j) >= range[i][j].0 && separation(q, i, j) <= range[i][j].1) } }) else { continue }
            configurations += 1
            let t = truth(s.coupling, q)
            let a = law.accelerations(x: order.map { q[$0][0] }, y: order.map { q[$0][1] })
            for (k, b) in order.enumerated() {
                error2 += pow(a[k].0 - t[b].0, 2) + pow(a[k].1 - t[b].1, 2)
                truth2 += t[b].0 * t[b].0 + t[b].1 * t[b].1
            }
        }
        return (error2 / truth2).squareRoot()
    }

    /// Draws, writes and tracks the system; the interaction and the states drawn.
    static func measure(_ s: System) throws -> (Interaction?, TrackSet, [[[Double]]]) {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (frames, states) = s.film.drawBodies(s.bodies) { q in truth(s.coupling, q) }
        try writeFrames(frames, size: s.film.size, to: dir)
        let calibration = try TrackJob.calibration(folder: dir, pxPerUnit: s.film.pxPerUnit, fps: nil, dt: s.film.dt, origin: nil, startTime: nil)
        let set = try TrackJob.trackFolder(dir, calibration: calibration, options: Tracker.Options(), showProgress: false, frames: nil)
        return (Interaction.measure(set, alphabet: 20), set, states)
    }

    @Test(arguments: systems(look: .discs(samples: 4), noise: 0) + systems(look: .psf(sigma: 1.3), noise: 2))
    func pairwiseLawFromFrames(_ s: System) throws {
        let (found, set, states) = try Self.measure(s)
        let interaction = try #require(found, "\(s): no interaction measured (\(set.moving.count) moving, reference \(set.reference != nil))")
        let law = interaction.best
        #expect(set.moving.count == s.bodies.count, "\(s)")
        #expect(law.coupling == .sources, "\(s): \(law.text), alternatives \(interaction.alternatives.map { ($0.text, $0.bits) }) vs \(law.bits)")
        #expect(law.exponentSnapped && law.exponent == -3, "\(s): p = \(law.exponent) ± \(law.exponentSigma)")
        // which drawn body each track is: the nearest at the track's first frame
        let order: [Int] = set.moving.map { track in
            let first = track.samples[0]
            return states[first.frame].indices.min { a, b in
                hypot(states[first.frame][a][0] - first.x, states[first.frame][a][1] - first.y)
                    < hypot(states[first.frame][b][0] - first.x, states[first.frame][b][1] - first.y)
            }!
        }
        #expect(Set(order).count == s.bodies.count, "\(s): tracks \(order)")
        let tolerance = s.film.noise > 0 ? 0.03 : 0.01
        for (k, ratio) in law.massRatios.enumerated() {
            let expected = s.masses[order[k]] / s.masses[order[0]]
            #expect(abs(ratio.ratio / expected - 1) < tolerance, "\(s): m\(k)/m0 = \(ratio.ratio) ± \(ratio.sigma), truth \(expected)")
        }
        #expect(law.attractive == (s.coupling[0][1] > 0), "\(s)")
        let rms = Self.offOrbitError(s, law, order: order, states: states)
        #expect(rms < 0.02, "\(s): off-orbit RMS error \(rms)")
    }

    /// The whole job on a binary it never saw, with `--distill`: equations.json carries the
    /// interaction (law, strengths, mass ratio), distilled-pairs.json the pair network's
    /// messages (the same law and masses, from the network), the report shows it, and equations.py's
    /// accelerations(t, positions, velocities) reproduces the truth at a new configuration.
    @Test func discoverJobReportsAndExportsTheInteraction() throws {
        let s = Self.systems(look: .discs(samples: 4), noise: 0)[0]
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (frames, _) = s.film.drawBodies(s.bodies) { q in Self.truth(s.coupling, q) }
        try writeFrames(frames, size: s.film.size, to: dir)
        var o = FrameDiscoverJob.Options(frames: dir, output: dir + "/run")
        o.pxPerUnit = s.film.pxPerUnit
        o.dt = s.film.dt
        o.candidates = 4
        o.fullLadder = false
        o.showProgress = false
        o.distill = true
        o.reduceForTests()
        let outcome = try FrameDiscoverJob.run(o)
        #expect(outcome.interaction?.best.coupling == .sources)
        // --distill: each object's message from the neural level's pair network, written as
        // distilled-pairs.json — the inverse square of the other's mass, and the mass ratio
        struct Pairs: Decodable {
            struct Item: Decodable { var receiver: Int; var sender: Int; var g: String? }
            var format: String
            var tracked_objects: Int?
            var split: String?
            var messages: [Item]
            var mass_ratios: [Double?]
        }
        let pairs = try JSONDecoder().decode(Pairs.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/run/distilled-pairs.json")))
        #expect(pairs.format == "occam-distilled-pairs" && pairs.messages.count == 2)
        // two records for the two tracked bodies: nothing split
        #expect(pairs.tracked_objects == 2 && pairs.split == nil)
        let distilled = try #require(outcome.pairDistillation)
        var strength: [Int: Double] = [:]  // sender → the constant of its message
        for m in distilled.messages {
            let law = try #require(m.law, "object \(m.receiver + 1) ← \(m.sender + 1) not determined")
            let g = law.formula.evaluate([[1.0, 2.0]], rows: 2)
            #expect(abs(g[1] / g[0] - 0.25) < 1e-9, "g = \(law.formula.sympyString(names: ["r"]))")
            strength[m.sender] = -g[0]
        }
        let constants = strength.values.sorted()
        #expect(constants.count == 2 && zip(constants, [1.55, 3.1]).allSatisfy { abs($0 / $1 - 1) < 0.01 }, "\(constants)")
        let ratio = try #require(pairs.mass_ratios.first ?? nil)
        if let m1 = strength[0], let m2 = strength[1] { #expect(abs(ratio / (m2 / m1) - 1) < 0.01, "ratio \(ratio), messages \(m1), \(m2)") }
        #expect(abs(ratio - 0.5) < 0.01 || abs(ratio - 2) < 0.02, "ratio \(ratio)")
        let doc = try EquationsDocument.read(dir + "/run/equations.json")
        let interaction = try #require(doc.interaction)
        #expect(interaction.exponent == -3 && interaction.exponentExact && interaction.attractive == true && interaction.fittedOn == "positions")
        #expect(interaction.strengths.count == 2 && interaction.objects.count == 2)
        let report = try String(contentsOfFile: dir + "/run/report.html", encoding: .utf8)
        #expect(report.contains("Bodies acting on each other"))
        let swift = try ExportJob.render(try ExportJob.equations(doc, path: "equations.json"), format: .swift, document: doc)
        #expect(swift.contains("func accelerations(t: Double, positions: [[Double]], velocities: [[Double]]) -> [[Double]]"))
        guard ExternalTools.available(.sympy) || ExternalTools.required else { return }
        try ExternalTools.require(.sympy)
        // a configuration never filmed, in tracks.csv order (the tracker's objects)
        let q = [[0.4, -0.5], [-0.9, 0.7]]
        let (status, output, values) = exportedAccelerations("\(dir)/run/equations.py", t: 0.0, positions: q,
                                                             velocities: [[0.0, 0.0], [0.0, 0.0]])
        #expect(status == 0 && values.count == 4, "\(output)")
        guard values.count == 4 else { return }
        // which mass each track is: the strengths are G·m, so the heavier track has the larger one
        let strengths = interaction.strengths.map { $0.value ?? 0 }
        let gm = strengths[0] > strengths[1] ? [3.1, 1.55] : [1.55, 3.1]
        let truth = Self.truth([[0, gm[1]], [gm[0], 0]], q)
        for k in 0..<2 {
            let err = hypot(values[2 * k] - truth[k].0, values[2 * k + 1] - truth[k].1) / hypot(truth[k].0, truth[k].1)
            #expect(err < 0.01, "object \(k): \(values[2 * k]), \(values[2 * k + 1]) vs \(truth[k])")
        }
    }

    /// A close pass (e = 0.85: the two PSFs blend into one blob at periapsis, twice): both
    /// tracks resume after each merge with their own body, and the law is still found.
    @Test(arguments: [(Film.Look.discs(samples: 4), 0.0), (.psf(sigma: 1.3), 2.0)])
    func closeApproachesKeepIdentities(look: Film.Look, noise: Double) throws {
        var s = Self.systems(look: look, noise: noise)[0]
        s.name = "close binary"
        s.film.frames = 200
        s.film.size = 160
        // relative orbit a = 1.6, e = 0.85 from apoapsis: periapsis 0.24 (7 px)
        s.bodies[0].start = [-0.98667, 0, 0, -0.16181]
        s.bodies[1].start = [1.97333, 0, 0, 0.32362]
        let (found, set, states) = try Self.measure(s)
        #expect(set.moving.count == 2, "\(s): \(set.moving.map { "\($0.name) \($0.samples.first!.frame)–\($0.samples.last!.frame)" })")
        for track in set.moving {
            let onBody = (0..<2).map { b in
                track.samples.allSatisfy { hypot($0.x - states[$0.frame][b][0], $0.y - states[$0.frame][b][1]) * s.film.pxPerUnit < 1 }
            }
            #expect(onBody[0] != onBody[1], "\(s): track \(track.name) mixes the bodies")
            #expect(track.samples.first?.frame == 0 && track.samples.last?.frame == 199, "\(s): track \(track.name) is cut")
        }
        let law = try #require(found?.best)
        #expect(law.exponent == -3 && law.coupling == .sources, "\(s): \(law.text)")
        let heavyFirst = set.moving[0].samples[0].x < 0
        let expected = heavyFirst ? 0.5 : 2.0
        #expect(abs(law.massRatios[1].ratio / expected - 1) < (noise > 0 ? 0.03 : 0.01), "\(s): \(law.massRatios)")
    }

    /// Three bodies, every one moving (masses 1, 0.4 and 0.15 in AU, yr, Msun: G = 4π²; the
    /// lighter two on orbits of 1.2 AU, e = 0.3, and 2.2 AU, e = 0.1, about the heaviest),
    /// whose two planets swing past each other near frame 237: they blend for two frames and
    /// part on new courses that the tracks' predictions miss — each new position within reach
    /// of both tracks, or nearer the other's prediction. They differ in brightness (by 18 % as
    /// PSFs, and in size as discs), so each new detection looks like one track only: three
    /// tracks, each on its own body from the first frame to the last (before, the discs gave
    /// five tracks and the PSFs swapped the two planets). And the law between them, fitted on
    /// the positions of segments that start after the encounter's gap, is the inverse square
    /// with the true mass ratios (before, per-object fields crept in: a segment started from
    /// the tracker's velocity across the gap settled in a wrong minimum).
    @Test(arguments: [(Film.Look.discs(samples: 4), 0.0), (.psf(sigma: 1.3), 2.0)])
    func aScatteringOfUnlikeBodiesKeepsIdentities(look: Film.Look, noise: Double) throws {
        var film = Film(look: look, noise: noise)
        film.size = 256
        film.pxPerUnit = 50
        film.frames = 300
        film.dt = 0.01
        let g = 4 * Double.pi * Double.pi, m = [1.0, 0.4, 0.15]
        // B at apoapsis on −x, C at periapsis on +y, both about A (μ = G·(m_A + m)), counter-clockwise
        let vB = (g * (m[0] + m[1]) * 0.7 / (1.2 * 1.3)).squareRoot(), vC = (g * (m[0] + m[2]) * 1.1 / (2.2 * 0.9)).squareRoot()
        var starts = [[0.0, 0, 0, 0], [-1.56, 0, 0, -vB], [0, 1.98, -vC, 0]]
        let total = m.reduce(0, +)
        for k in 0..<4 {
            let centre = zip(m, starts).map { $0 * $1[k] }.reduce(0, +) / total
            for b in starts.indices { starts[b][k] -= centre }
        }
        let bodies: [Film.Body] = [.init(start: starts[0], radius: 4, level: 240), .init(start: starts[1], radius: 3, level: 200),
                                   .init(start: starts[2], radius: 2.5, level: 170)]
        let s = System(name: "three bodies, a scattering", film: film, bodies: bodies,
                       coupling: m.indices.map { i in m.indices.map { j in i == j ? 0 : g * m[j] } }, masses: m)
        let (found, set, states) = try Self.measure(s)
        #expect(set.moving.count == 3, "\(s): \(set.moving.map { "\($0.name) \($0.samples.first!.frame)–\($0.samples.last!.frame)" })")
        var bodiesFollowed = Set<Int>(), body: [Int] = []
        for track in set.moving {
            let onBody = (0..<3).filter { b in
                track.samples.allSatisfy { hypot($0.x - states[$0.frame][b][0], $0.y - states[$0.frame][b][1]) * film.pxPerUnit < 1 }
            }
            #expect(onBody.count == 1, "\(s): track \(track.name) mixes the bodies")
            body.append(onBody.first ?? -1)
            bodiesFollowed.formUnion(onBody)
            #expect(track.samples.first?.frame == 0 && track.samples.last?.frame == film.frames - 1,
                    "\(s): track \(track.name) is cut (\(track.samples.first!.frame)–\(track.samples.last!.frame))")
        }
        #expect(bodiesFollowed.count == 3, "\(s)")
        // and the law between them, fitted on the positions across the encounter's gap: the
        // inverse square, one strength per body, no field, the masses' ratios
        let law = try #require(found?.best, "\(s): no interaction")
        #expect(law.coupling == .sources && law.exponent == -3 && law.field == .none, "\(s): \(law.text)")
        guard body.count == 3, body.allSatisfy({ $0 >= 0 }), law.massRatios.count == 3 else { return }
        for k in 1..<3 {
            let truth = m[body[k]] / m[body[0]]
            #expect(abs(law.massRatios[k].ratio / truth - 1) < (noise > 0 ? 0.03 : 0.01), "\(s): m\(k + 1)/m1 = \(law.massRatios[k].ratio), truth \(truth)")
        }
        // and off the filmed configurations
        let rms = Self.offOrbitError(s, law, order: body, states: states)
        #expect(rms < 0.02, "\(s): off-orbit RMS error \(rms)")
    }

    /// Two charges of different charge-to-mass ratio (q/m = 1 and 2/3) in uniform E and B that
    /// also repel each other: the law is the inverse square between them plus, on each, its own
    /// uniform field e_i = (q_i/m_i)·E and gyration ω_i = q_i·B/m_i; the mass ratio, both ω_i
    /// and the off-orbit accelerations (velocities now matter) come out.
    @Test(arguments: [(Film.Look.discs(samples: 4), 0.0), (.psf(sigma: 1.3), 2.0)])
    func chargesInFieldsThatRepel(look: Film.Look, noise: Double) throws {
        let k = 1.37, q = [1.0, 2.0], m = [1.0, 3.0], bz = 0.8, ey = 0.2
        var film = Film(look: look, noise: noise)
        film.size = 200
        film.pxPerUnit = 20
        film.frames = 130
        film.dt = 0.05
        let omega = (0..<2).map { q[$0] * bz / m[$0] }
        func truth(_ s: [[Double]]) -> [(Double, Double)] {
            (0..<2).map { i in
                let j = 1 - i
                let dx = s[j][0] - s[i][0], dy = s[j][1] - s[i][1], r3 = pow(dx * dx + dy * dy, 1.5)
                let c = -k * q[i] * q[j] / m[i]
                return (omega[i] * s[i][3] + c * dx / r3, q[i] / m[i] * ey - omega[i] * s[i][2] + c * dy / r3)
            }
        }
        var s = System(name: "charges in E and B", film: film,
                       bodies: [.init(start: [-1.6, 0.6, 0.6, 0], radius: 2.5, level: 180), .init(start: [-1.2, -0.7, -0.2, 0.3], radius: 3, level: 230)],
                       coupling: [[0, -k * q[0] * q[1] / m[0]], [-k * q[0] * q[1] / m[1], 0]], masses: m)
        s.name = "charges in E and B"
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (frames, states) = film.drawBodies(s.bodies, accel: truth)
        try writeFrames(frames, size: film.size, to: dir)
        let calibration = try TrackJob.calibration(folder: dir, pxPerUnit: film.pxPerUnit, fps: nil, dt: film.dt, origin: nil, startTime: nil)
        let set = try TrackJob.trackFolder(dir, calibration: calibration, options: Tracker.Options(), showProgress: false, frames: nil)
        let law = try #require(Interaction.measure(set, alphabet: 20)?.best, "\(s)")
        #expect(law.coupling == .sources && law.exponent == -3 && law.field == .perObject, "\(s): \(law.text) p \(law.exponent)")
        let order: [Int] = set.moving.map { t in
            let f = t.samples[0]
            return hypot(states[f.frame][0][0] - f.x, states[f.frame][0][1] - f.y) < hypot(states[f.frame][1][0] - f.x, states[f.frame][1][1] - f.y) ? 0 : 1
        }
        #expect(Set(order).count == 2)
        let tolerance = noise > 0 ? 0.03 : 0.01
        guard law.field == .perObject, law.fieldConstants.count == 6, Set(order).count == 2 else { return }
        for (k, b) in order.enumerated() {
            #expect(abs(law.fieldConstants[3 * k + 2] / omega[b] - 1) < tolerance, "\(s): ω of body \(b) = \(law.fieldConstants[3 * k + 2]), truth \(omega[b])")
        }
        let ratio = law.massRatios[1].ratio, expected = m[order[1]] / m[order[0]]
        #expect(abs(ratio / expected - 1) < tolerance, "\(s): mass ratio \(ratio), truth \(expected)")
        // off the filmed states: positions in the filmed boxes, speeds in the filmed range, random directions
        var random = SeededLCG(seed: 43)
        let box = (0..<2).map { b in (0..<2).map { c in (states.map { $0[b][c] }.min()!, states.map { $0[b][c] }.max()!) } }
        let speeds = states.flatMap { $0.map { hypot($0[2], $0[3]) } }
        var err = 0.0, norm = 0.0, done = 0
        while done < 200 {
            let q2 = (0..<2).map { b -> [Double] in
                let v = speeds.min()! + (speeds.max()! - speeds.min()!) * random.unit(), a = 2 * Double.pi * random.unit()
                return [box[b][0].0 + (box[b][0].1 - box[b][0].0) * random.unit(), box[b][1].0 + (box[b][1].1 - box[b][1].0) * random.unit(), v * cos(a), v * sin(a)]
            }
            guard hypot(q2[0][0] - q2[1][0], q2[0][1] - q2[1][1]) > 1.2 else { continue }
            done += 1
            let t = truth(q2)
            let a = law.accelerations(x: order.map { q2[$0][0] }, y: order.map { q2[$0][1] }, vx: order.map { q2[$0][2] }, vy: order.map { q2[$0][3] })
            for (k, b) in order.enumerated() {
                err += pow(a[k].0 - t[b].0, 2) + pow(a[k].1 - t[b].1, 2)
                norm += t[b].0 * t[b].0 + t[b].1 * t[b].1
            }
        }
        #expect((err / norm).squareRoot() < 0.02, "\(s): off-orbit RMS \((err / norm).squareRoot())")
    }
}
