import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compress a frame folder losslessly into an .occ stream, or measure the model ladder.",
        discussion: """
            Codes every pixel with an adaptive binary range coder driven by a pixel model: \
            intra (neighbours in the frame), temporal (adds the previous frame), motion (a \
            predicted frame: the static scene averaged over decoded frames plus moving objects \
            found, fitted as discs and extrapolated), learned (object motion from a quadratic \
            dynamics model fitted while coding), neural (object motion from small networks \
            trained while coding, one of them on the other moving objects' positions) or law (object motion from the acceleration law given with \
            --law). The decoder runs the same models on the same decoded pixels, so \
            nothing learned is stored. --ladder codes the stream with \
            every level and reports bits per frame for each.

            Examples:
              occam compress frames/kepler --out kepler.occ
              occam compress frames/kepler --model temporal --out kepler-temporal.occ
              occam compress frames/kepler --ladder --json ladder.json
              occam compress frames/kepler --model law --law 'ax = -k*x/r^3; ay = -k*y/r^3' --out k.occ
            """)

    @Argument(help: "Folder of frame_00000.png, frame_00001.png, … (scene.json is stored too).")
    var frames: String

    @Option(name: .shortAndLong, help: "Stream file to write (.occ).")
    var out: String?

    @Option(help: "Model level: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "motion"

    @Flag(help: "Code the frames with every model level and report each.")
    var ladder = false

    @Option(help: "For --model law (and the ladder): the acceleration law, e.g. 'ax = -k*x/r^3; ay = -k*y/r^3', over t, x, y, vx, vy, r in the scene's units; other names are constants fitted while coding.")
    var law: String?

    @Option(help: "With --ladder: write the ladder (bits per frame, per level) as JSON here.")
    var json: String?

    @Option(help: "For --model neural: where the network starts, \(NeuralStart.allCases.map(\.rawValue).joined(separator: " or ")) (online-1: weights from a fixed seed; prior-1: hidden layers pretrained by occam train; prior-2, the default: prior-1 and a gate, learned by occam train, that measures the network's samples). The stream names it.")
    var start: String = NeuralStart.default.rawValue

    @Option(help: "For the object levels: the profiles moving objects may take, \(ObjectAppearance.allCases.map(\.rawValue).joined(separator: " or ")) (disc: exact-coverage discs; profiles-1: per object an exact disc, a disc sampled 2x2 to 8x8 per pixel or a pixel-integrated Gaussian PSF, whichever fits its decoded pixels best; profiles-2: the same profiles measured as clean frames allow — a sampled disc's position coded as its cell of centres, x.5 rounded as the frames round it, the law's step from its trajectory through up to 32 positions; profiles-3, the default: profiles-2 with that trajectory's velocities corrected by its accelerations). The stream names it.")
    var appearance: String = ObjectAppearance.default.rawValue

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            let raw: Int
            // the law is text only here, at the command line
            let law = try self.law.map { text in
                do { return try Law(text: text) } catch let e as FormulaError { throw LabError("--\(e.message)") }
            }
            if ladder {
                let scratch = NSTemporaryDirectory() + "occam-ladder-\(getpid())"
                try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                let results = try CompressJob.ladder(frames: frames, scratch: scratch, law: law)
                raw = results.first?.rawBytes ?? 0
                print("\(frames): \(results.first?.frameBits.count ?? 0) frames, \(raw) raw bytes")
                print("model        bytes   bits/frame   ratio to raw   seconds")
                for r in results {
                    let name = r.model.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                    print(name + String(format: " %8d %12.1f %14.1f %9.2f", r.bytes, r.bitsPerFrame, r.ratio, r.seconds))
                }
                if let json {
                    let lab = try LabFiles.write(json, try CompressJob.ladderJSON(results, frames: frames), force: force)
                    print("wrote \(lab)")
                }
                return
            }
            guard let out else { throw LabError("--out: give the stream file to write (or --ladder)") }
            guard json == nil else { throw LabError("--json goes with --ladder") }
            guard let kind = ModelKind(rawValue: model.lowercased()) else {
                throw LabError("--model: unknown model '\(model)' (expected \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let start = NeuralStart(rawValue: start) else {
                throw LabError("--start: unknown start '\(self.start)' (expected \(NeuralStart.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let look = ObjectAppearance(rawValue: appearance) else {
                throw LabError("--appearance: unknown appearance '\(appearance)' (expected \(ObjectAppearance.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let r = try CompressJob.compress(frames: frames, output: out, model: kind, force: force, law: law, start: start,
                                             appearance: look)
            print(String(format: "wrote %@: %d bytes, %.1f bits/frame, %.1fx smaller than raw (%d bytes), %.2f s (coding %.1f MB/s)",
                         out, r.bytes, r.bitsPerFrame, r.ratio, r.rawBytes, r.seconds, Double(r.rawBytes) / 1e6 / max(r.codingSeconds, 1e-9)))
            if kind == .learned {
                print("learned \(r.lawConstants.count) weights of the dynamics model while coding (none stored)")
            } else if kind == .neural {
                print("trained a \(ModelKind.neuralNetworkSummary) from the \(start.rawValue) start while coding (none stored; the stream names the start)")
            } else if !r.lawConstants.isEmpty {
                print("law constants fitted while coding: " + r.lawConstants.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", "))
            }
        } catch {
            fail(error)
        }
    }
}
