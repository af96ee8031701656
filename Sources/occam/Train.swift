import ArgumentParser
import Foundation
import Lab

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain the neural level's network on a corpus of simulated videos.",
        discussion: """
            Draws --videos videos from a broad family of motions (central forces with random \
            exponents about a star, anisotropic harmonic wells, uniform, magnetic and crossed \
            fields; exact discs or Gaussian point sources; clean or σ = 2), codes each with the \
            neural level in memory to gather the states its network learns at (each with the true \
            acceleration there), and trains the network's hidden layers on all of them (each \
            video with its own least-squares readout): the prior-1 start. Then draws the same \
            family faster and more eccentric (periods 15–240 frames), codes each video as streams are \
            coded today, and fits prior-2's sample gate: how far to trust a degree-6 fit of a sample's \
            11 positions over the degree-4 one, by how much the extra degrees explain beyond the \
            object's noise, against the true accelerations (prior-2 = prior-1's network and this gate). \
            Writes both as JSON, and with --swift as the source file the codec embeds \
            (Sources/Codec/Predictors/NeuralPriorWeights.swift).

            The defaults make the shipped prior-1 and prior-2 weights (about two and a half minutes on two cores).

            Examples:
              occam train --out weights.json
              occam train --out weights.json --swift Sources/Codec/Predictors/NeuralPriorWeights.swift
              occam train --videos 40 --size 128 --steps 500 --out small.json
              occam train --scaling --held-out frames/kepler,frames/exb-drift --out scaling.json
              occam train --scaling --held-out frames/kepler --distill-law 'ax = -39.478*x/r^3; ay = -39.478*y/r^3' --out scaling.json
            """)

    @Option(name: .shortAndLong, help: "Weights file to write (JSON).")
    var out: String

    @Option(help: "Videos in the corpus.")
    var videos = 120

    @Option(help: "Frames per video.")
    var frames = 240

    @Option(help: "Frame side in pixels.")
    var size = 256

    @Option(help: "Training steps (one video's samples each).")
    var steps = 4000

    @Option(help: "Seed of the corpus and of the training.")
    var seed: UInt64 = 1

    @Option(help: "Also write the weights as the codec's embedded Swift source here.")
    var swift: String?

    @Flag(help: "Measure scaling instead: bits per frame of the --held-out videos with networks of each --widths (from the seed and pretrained on the corpus) and pretrained on each --corpus-sizes; --out gets the table as JSON.")
    var scaling = false

    @Option(help: "With --scaling: hidden widths, comma-separated (e.g. 4,8,16,32,64).")
    var widths: String = "4,8,16,32,64"

    @Option(help: "With --scaling: corpus sizes to pretrain on, comma-separated (each at most --videos).")
    var corpusSizes: String = "10,20,40,80,120"

    @Option(help: "With --scaling: frame folders to code, comma-separated (not in the corpus).")
    var heldOut: String?

    @Option(help: "With --scaling: the first held-out video's law with its constants as numbers (e.g. 'ax = -39.478*x/r^3; ay = -39.478*y/r^3'): each network's law is distilled and compared with it off the filmed orbits.")
    var distillLaw: String?

    @Option(help: "With --distill-law, for a first held-out folder without scene.json: pixels per length unit.")
    var pxPerUnit: Double?

    @Option(help: "With --distill-law, for a first held-out folder without scene.json: time between frames.")
    var dt: Double?

    @Option(help: "With --distill-law: the distillation search's epochs (fewer is faster; default 60).")
    var epochs: Int?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            var o = TrainJob.Options(output: out)
            o.videos = videos
            o.frames = frames
            o.size = size
            o.steps = steps
            o.seed = seed
            o.swiftSource = swift
            o.force = force
            if scaling {
                func integers(_ text: String, _ flag: String) throws -> [Int] {
                    try text.split(separator: ",").map {
                        guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else { throw LabError("--\(flag): '\($0)' is not a whole number") }
                        return n
                    }
                }
                o.widths = try integers(widths, "widths")
                o.corpusSizes = try integers(corpusSizes, "corpus-sizes")
                guard let heldOut else { throw LabError("--scaling needs --held-out FOLDER[,FOLDER…]") }
                o.heldOut = heldOut.split(separator: ",").map(String.init)
                o.distillLaw = distillLaw
                o.distillPxPerUnit = pxPerUnit
                o.distillDt = dt
                if let epochs {
                    guard epochs >= 1 else { throw LabError("--epochs must be at least 1 (got \(epochs))") }
                    o.distillSearch.epochs = epochs
                    o.distillSearch.minEpochs = min(o.distillSearch.minEpochs, epochs)
                }
                let rows = try TrainJob.scaling(o)
                print("width  parameters  pretraining videos  " + o.heldOut.map { ($0 as NSString).lastPathComponent }.joined(separator: "  ") + "  (bits/frame)"
                      + (distillLaw == nil ? "" : "  distilled law (off the filmed orbits: network, distilled vs --distill-law)"))
                func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.2g %%", 100 * x) : "—" }
                for r in rows {
                    var line = String(format: "%5d  %10d  %18d  ", r.width, r.parameters, r.videos) + r.bitsPerFrame.map { String(format: "%.2f", $0) }.joined(separator: "  ")
                    if distillLaw != nil {
                        line += r.distilled.map { "  \($0.law)  (\(percent($0.networkOffOrbit)), \(percent($0.distilledOffOrbit)))\($0.recovered ? " recovered" : "")" }
                            ?? "  none fitted the network"
                    }
                    print(line)
                }
                print("wrote \(out)")
                return
            }
            let r = try TrainJob.run(o)
            let last = r.result.history.last
            print(String(format: "trained on %d videos (%d samples): misfit with each video's own readout %.3f → %.3f (training), %.3f → %.3f (held out); corpus %.1f s, training %.1f s",
                         r.tasks, r.samples, r.result.history.first?.train ?? .nan, last?.train ?? .nan,
                         r.result.history.first?.heldOut ?? .nan, last?.heldOut ?? .nan, r.seconds.corpus, r.seconds.training))
            print("prior-2's sample gate (weight of the degree-6 fit per bin of F, F ≤ 0.25 … F > 16384): "
                  + r.gate.weights.map { String(format: "%.2f", $0) }.joined(separator: " ")
                  + String(format: " from %d samples; %.1f s", r.gateCounts.reduce(0, +), r.seconds.gate))
            print("wrote \(out)" + (swift.map { " and \($0)" } ?? ""))
        } catch {
            fail(error)
        }
    }
}
