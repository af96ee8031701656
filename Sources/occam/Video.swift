import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Video: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a folder of frames into an animation (APNG, GIF or MP4).",
        discussion: """
            APNG is written by Occam itself; GIF and MP4 need ffmpeg on PATH. The frame rate \
            defaults to 30 frames per second.

            Examples:
              occam video frames/kepler --format apng --out kepler.png
              occam video frames/kepler --format mp4 --out kepler.mp4 --fps 60
            """)

    @Argument(help: "Folder of frame_NNNNN.png files.")
    var frames: String

    @Option(help: "apng, gif or mp4 (default: from the --out extension, else apng).")
    var format: String?

    @Option(name: .shortAndLong, help: "Output file.")
    var out: String

    @Option(help: "Playback frames per second.")
    var fps: Double = 30

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            let chosen: VideoFormat
            if let format {
                guard let f = VideoFormat(rawValue: format.lowercased()) else {
                    throw LabError("--format: unknown format '\(format)' (expected apng, gif or mp4)")
                }
                chosen = f
            } else {
                switch (out as NSString).pathExtension.lowercased() {
                case "gif": chosen = .gif
                case "mp4": chosen = .mp4
                default: chosen = .apng
                }
            }
            guard fps > 0, fps <= 1000 else { throw LabError("--fps must be in (0, 1000] (got \(fps))") }
            if FileManager.default.fileExists(atPath: out) && !force {
                throw LabError("\(out): already exists; pass --force to replace it")
            }
            let folder = try FrameFolder(path: frames)
            let progress = Progress(label: "video", total: folder.count)
            try VideoExport.write(frames: folder, format: chosen, output: out, framesPerSecond: fps) { progress.set(done: $0) }
            progress.finish()
            let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            print(String(format: "wrote %@ (%@, %d frames, %.1f MB)", out, chosen.rawValue, folder.count, Double(size) / 1e6))
        } catch {
            fail(error)
        }
    }
}
