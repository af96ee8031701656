import Formulas
import Foundation
import TestSupport
import Testing
@testable import Codec
@testable import Lab

/// `occam train` at a small size: the corpus is drawn and coded, the hidden layers learn (the
/// misfit with each video's own readout falls on the training videos), and the weights come
/// out exactly in the JSON and in the Swift source the codec embeds.
@Suite struct TrainJobTests {
    @Test func pretrainingLearnsAndWritesExactWeights() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = TrainJob.Options(output: dir + "/w.json")
        o.videos = 10
        o.frames = 80
        o.size = 64
        o.steps = 300
        o.swiftSource = dir + "/W.swift"
        o.showProgress = false
        let r = try TrainJob.run(o)
        #expect(r.tasks >= 8, "\(r.tasks) of 10 videos gave samples")
        let first = try #require(r.result.history.first), last = try #require(r.result.history.last)
        #expect(last.train < first.train, "training misfit \(first.train) → \(last.train)")
        // JSON: the parameters' bits
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: o.output))) as? [String: Any])
        let text = try #require(json["parameters_base64"] as? String)
        #expect(NeuralPretraining.decode(text) == r.result.parameters)
        #expect((json["command"] as? String)?.contains("--videos 10 --frames 80 --size 64 --steps 300 --seed 1") == true)
        // Swift source: the same bits, line-wrapped inside a string literal
        let source = try String(contentsOfFile: o.swiftSource!, encoding: .utf8)
        let literal = try #require(source.components(separatedBy: "\"\"\"").dropFirst().first)
        #expect(NeuralPretraining.decode(literal) == r.result.parameters)
        #expect(source.contains("static let prior1Sizes = \(NeuralDynamics.sizes)"))
        // prior-2's gate: a weight in [0, 1] per bin, the same bits in the JSON and the source
        #expect(r.gate.weights.count == SampleGate.bounds.count + 1 && r.gate.weights.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(r.gateCounts.reduce(0, +) > 100, "\(r.gateCounts)")
        #expect((json["gate_weights_base64"] as? String).flatMap { NeuralPretraining.decode($0) } == r.gate.weights)
        #expect(source.contains("static let prior2GateBase64 = \"\(NeuralPretraining.encode(r.gate.weights))\""))
        // the readout is not part of a prior
        let readout = Perceptron(sizes: r.result.sizes, parameters: r.result.parameters).offset(r.result.sizes.count - 1)
        #expect(r.result.parameters[readout...].allSatisfy { $0 == 0 })
        // an existing output is not replaced without force
        #expect(throws: LabError.self) { try TrainJob.run(o) }
    }

    /// An eccentric orbit about a star drawn here as supersampled discs into `folder`: from
    /// (1, 0) with speed² = GM·`speedSquared` under GM/r² (20 frames per unit time).
    static func heldOutOrbit(in folder: String, frames: Int, gm: Double, speedSquared: Double) throws -> Film {
        var film = Film(look: .discs(samples: 4), noise: 0)
        film.frames = frames
        film.dt = 0.05
        film.reference = true
        let (drawn, _) = film.draw(start: [1.0, 0, 0, (gm * speedSquared).squareRoot()]) { x, y, _, _ in
            let r3 = pow(x * x + y * y, 1.5)
            return (-gm * x / r3, -gm * y / r3)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeFrames(drawn, size: film.size, to: folder)
        return film
    }

    /// `--scaling` on a held-out orbit drawn here: one row per width from the seed and pretrained,
    /// one per further corpus size at the shipped width; every coding round-trips (checked inside
    /// `NeuralScaling`, which throws otherwise) and its bits per frame lie between zero and raw.
    @Test func scalingMeasuresEveryWidthAndCorpusSize() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let film = try Self.heldOutOrbit(in: dir + "/held", frames: 60, gm: 4.0, speedSquared: 1.3)
        var o = TrainJob.Options(output: dir + "/scaling.json")
        o.videos = 6
        o.frames = 64
        o.size = 64
        o.steps = 40
        o.widths = [4, NeuralScaling.shippedWidth]
        o.corpusSizes = [3, 6]
        o.heldOut = [dir + "/held"]
        o.showProgress = false
        let rows = try TrainJob.scaling(o)
        let raw = Double(film.size * film.size * 8)
        #expect(rows.count == 2 * 2 + 1, "\(rows.map { ($0.width, $0.videos) })")
        #expect(rows.allSatisfy { $0.bitsPerFrame.count == 1 && $0.bitsPerFrame[0] > 0 && $0.bitsPerFrame[0] < raw })
        #expect(Set(rows.map(\.width)) == [4, NeuralScaling.shippedWidth])
        #expect(rows.filter { $0.videos == 0 }.count == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: o.output))) as? [String: Any])
        #expect((json["rows"] as? [Any])?.count == rows.count)
        // bad requests are named
        var bad = o
        bad.corpusSizes = [1]
        bad.force = true
        #expect(throws: LabError.self) { try TrainJob.scaling(bad) }
    }

    /// `--scaling --distill-law`: the law of each network that coded the first held-out video is
    /// distilled and compared with the video's law off the filmed orbit. On an eccentric orbit
    /// drawn here (supersampled discs), the shipped width learning online names the inverse
    /// square with GM within 1 % — the same check `DistillationTests` makes through `occam
    /// discover --distill`; a law given with a named constant is refused.
    @Test func scalingDistilsEachNetworksLaw() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gm = 4.37
        let film = try Self.heldOutOrbit(in: dir + "/held", frames: 200, gm: gm, speedSquared: 1.4)
        var o = TrainJob.Options(output: dir + "/scaling.json")
        o.videos = 3
        o.frames = 64
        o.size = 64
        o.steps = 20
        o.widths = [NeuralScaling.shippedWidth]
        o.corpusSizes = [3]
        o.heldOut = [dir + "/held"]
        o.showProgress = false
        o.distillLaw = "ax = -\(gm)*x/r^3; ay = -\(gm)*y/r^3"
        o.distillPxPerUnit = film.pxPerUnit
        o.distillDt = film.dt
        o.distillSearch.populations = 4
        o.distillSearch.populationSize = 32
        o.distillSearch.cyclesPerEpoch = 60
        o.distillSearch.epochs = 10
        o.distillSearch.maxSize = 12
        let rows = try TrainJob.scaling(o)
        let online = try #require(rows.first { $0.videos == 0 })
        let d = try #require(online.distilled, "no law distilled from the online network")
        #expect(d.recovered && d.distilledOffOrbit <= 0.01, "\(d.law): \(d.distilledOffOrbit) off the law off the orbit")
        // the network alone, off the orbit it saw, is far from the law; the distilled law is not
        #expect(d.networkOffOrbit > 10 * d.distilledOffOrbit, "network \(d.networkOffOrbit), distilled \(d.distilledOffOrbit)")
        let law = try Law(text: d.law)
        let a = law.acceleration([[0], [1.3], [0.4], [0], [0], [(1.3 * 1.3 + 0.4 * 0.4).squareRoot()]], rows: 1, values: law.values)
        let r3 = pow(1.3 * 1.3 + 0.4 * 0.4, 1.5)
        #expect(abs(a[0][0] / (-gm * 1.3 / r3) - 1) < 0.01 && abs(a[1][0] / (-gm * 0.4 / r3) - 1) < 0.01, "\(d.law)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: o.output))) as? [String: Any])
        let first = try #require((json["rows"] as? [[String: Any]])?.first)
        #expect((first["distilled"] as? [String: Any])?["recovered"] as? Bool == true)
        // the law to compare with must be numbers, not a form to fit
        var form = o
        form.distillLaw = "ax = -k*x/r^3; ay = -k*y/r^3"
        form.force = true
        #expect(throws: LabError.self) { try TrainJob.scaling(form) }
    }
}
