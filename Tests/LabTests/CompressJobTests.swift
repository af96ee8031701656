import Codec
import Formulas
import Foundation
import TestSupport
import Testing
@testable import Lab
import Render

@Suite struct CompressJobTests {
    /// Every shipped scenario (cut to 12 frames), every level: decompressed pixels equal the
    /// originals (pixels compared, not PNG bytes) and scene.json comes back.
    @Test func everyScenarioRoundTripsAtEveryLevel() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = "\(repositoryRoot)/simulations"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        for name in files {
            var text = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
            text = text.replacingOccurrences(of: #"(?m)^frames: \d+"#, with: "frames: 12", options: .regularExpression)
            var options = SimulateJob.Options(output: "\(dir)/\(name)")
            options.showProgress = false
            options.sweepIndex = text.contains("sweep:") ? 1 : nil
            _ = try SimulateJob.run(try ScenarioFile(text: text, path: name), options: options)
            let original = try FrameFolder(path: "\(dir)/\(name)")
            for model in ModelKind.allCases {
                let stream = "\(dir)/\(name)-\(model.rawValue).occ"
                let result = try CompressJob.compress(frames: "\(dir)/\(name)", output: stream, model: model, force: false,
                                                     law: model == .law ? try Law(text: "ax = a*x + b*vy; ay = a*y - b*vx + c") : nil,
                                                     showProgress: false)
                #expect(result.frameBits.count == 12 && result.bytes > 0)
                let restored = "\(dir)/\(name)-\(model.rawValue)"
                #expect(try CompressJob.decompress(stream, output: restored, force: false, showProgress: false).frames == 12)
                let back = try FrameFolder(path: restored)
                for k in 0..<12 { #expect(try back.frame(k) == original.frame(k), "\(name) \(model) frame \(k)") }
                #expect(FileManager.default.contents(atPath: "\(restored)/scene.json") == FileManager.default.contents(atPath: "\(dir)/\(name)/scene.json"))
            }
        }
    }

    /// The job codes the ladder on another thread while it searches; when the search fails,
    /// the job stops that coding instead of leaving it running. A set stop flag ends the
    /// codings at their next frame.
    @Test func codingsStopWhenAsked() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/frames", withIntermediateDirectories: true)
        for k in 0..<40 {
            var image = Image(width: 16, height: 16, channels: 1)
            image.pixels[(k % 16) * 16 + 8] = 200
            try PNGFile.write(image, to: String(format: "%@/frames/frame_%05d.png", dir, k))
        }
        let folder = try FrameFolder(path: "\(dir)/frames")
        let requests = [Codings.Request(model: .temporal), Codings.Request(model: .motion)]
        let stop = StopFlag()
        let coded = try CompressJob.codeAll(folder, frames: nil, scene: Data(), requests: requests, label: "", showProgress: false, stop: stop)
        #expect(coded.allSatisfy { $0.finished })
        stop.stop()
        #expect {
            _ = try CompressJob.codeAll(folder, frames: nil, scene: Data(), requests: requests, label: "", showProgress: false, stop: stop)
        } throws: { $0 is CancellationError }
    }

    @Test func badInputAndExistingOutput() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: "\(dir)/foreign.occ", contents: Data("GIF89a...".utf8))
        #expect { _ = try CompressJob.decompress("\(dir)/foreign.occ", output: "\(dir)/out", force: false, showProgress: false) }
            throws: { "\($0)".contains("foreign.occ: not an Occam stream") }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
        #expect { _ = try CompressJob.compress(frames: "\(dir)/none", output: "\(dir)/x.occ", model: .intra, force: false, showProgress: false) }
            throws: { "\($0)".contains("none: no such folder") }
        try FileManager.default.createDirectory(atPath: "\(dir)/frames", withIntermediateDirectories: true)
        try PNGFile.write(Image(width: 8, height: 8, channels: 1), to: "\(dir)/frames/frame_00000.png")
        try PNGFile.write(Image(width: 8, height: 9, channels: 1), to: "\(dir)/frames/frame_00001.png")
        #expect { _ = try CompressJob.compress(frames: "\(dir)/frames", output: "\(dir)/x.occ", model: .intra, force: false, showProgress: false) }
            throws: { "\($0)".contains("frame_00001.png: frame is 8x9") }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.occ"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty)
    }

    /// A stream made from frames without scene.json decodes to a folder of frames only; --force
    /// replaces that folder on the next decode (it is what Occam wrote), but never one holding
    /// anything else.
    @Test func decodingAgainReplacesTheFramesItWrote() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/frames", withIntermediateDirectories: true)
        for k in 0..<2 {
            var image = Image(width: 6, height: 5, channels: 1)
            image.pixels[k] = 200
            try PNGFile.write(image, to: "\(dir)/frames/\(FrameFolder.fileName(k))")
        }
        _ = try CompressJob.compress(frames: "\(dir)/frames", output: "\(dir)/x.occ", model: .temporal, force: false, showProgress: false)
        _ = try CompressJob.decompress("\(dir)/x.occ", output: "\(dir)/out", force: false, showProgress: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").sorted() == ["frame_00000.png", "frame_00001.png"])
        #expect { _ = try CompressJob.decompress("\(dir)/x.occ", output: "\(dir)/out", force: false, showProgress: false) }
            throws: { "\($0)".contains("already exists") }
        #expect(try CompressJob.decompress("\(dir)/x.occ", output: "\(dir)/out", force: true, showProgress: false).frames == 2)
        #expect(try PNGFile.read("\(dir)/out/frame_00001.png").pixels[1] == 200)
        try "keep".write(toFile: "\(dir)/out/notes.txt", atomically: true, encoding: .utf8)
        #expect { _ = try CompressJob.decompress("\(dir)/x.occ", output: "\(dir)/out", force: true, showProgress: false) }
            throws: { "\($0)".contains("not an Occam run folder") }
        #expect(FileManager.default.fileExists(atPath: "\(dir)/out/notes.txt"))
    }

    /// Frames that reading would reduce (16-bit samples, an alpha channel; written by Pillow)
    /// cannot come back bit for bit, so compress refuses them by name instead of dropping data.
    @Test(.enabled(if: ExternalTools.shouldRun(.pillow), "needs python3 with Pillow to write the frames"))
    func framesItCannotGiveBackAreRefused() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
            import sys
            from PIL import Image
            deep = Image.new('I;16', (12, 8))
            deep.putdata([i * 500 for i in range(12 * 8)])
            deep.save(sys.argv[1] + '/deep/frame_00000.png')
            Image.new('RGBA', (12, 8), (90, 90, 90, 90)).save(sys.argv[1] + '/alpha/frame_00000.png')
            """
        for sub in ["deep", "alpha"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        let said = try pythonRun(script, dir)
        #expect(said.isEmpty, "\(said)")
        for (sub, what) in [("deep", "16-bit"), ("alpha", "alpha channel")] {
            #expect { _ = try CompressJob.compress(frames: "\(dir)/\(sub)", output: "\(dir)/\(sub).occ", model: .intra, force: false, showProgress: false) }
                throws: { "\($0)".contains("\(sub)/frame_00000.png: PNG with") && "\($0)".contains(what) }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/\(sub).occ"))
        }
    }
}
