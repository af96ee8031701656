import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Track: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Track the objects in a frame folder: positions, velocities, accelerations in physical units.",
        discussion: """
            Finds objects in every frame (adaptive threshold over the estimated background and \
            noise, sub-pixel centroids), links them by predicted position, and differentiates each \
            track by local polynomial fits whose window is chosen from the data. A static bright \
            object becomes the reference body and the origin of coordinates. The calibration comes \
            from the folder's scene.json, or from --px-per-unit and --fps (or --dt) for frames made \
            elsewhere; flags override scene.json. Writes a CSV with '#' comment lines (origin, \
            units) before the header; read it with pandas.read_csv(path, comment="#").

            Examples:
              occam track frames/kepler --out kepler-tracks.csv
              occam track my-frames/ --px-per-unit 55 --fps 50 --out tracks.csv
              occam track my-frames/ --px-per-unit 55 --dt 0.01 --origin 128,128 --out tracks.csv
            """)

    @Argument(help: "Folder of frame_00000.png, frame_00001.png, …")
    var frames: String

    @Option(name: .shortAndLong, help: "CSV file to write.")
    var out: String

    @OptionGroup(title: "Calibration")
    var calibration: CalibrationFlags

    @Option(help: "Pixel coordinates u,v of the physical origin, used when no static reference body is found (default: frame centre).")
    var origin: String?

    @Option(help: "Name of the length unit for the CSV header, e.g. m (with --px-per-unit).")
    var lengthUnit: String?

    @Option(help: "Name of the time unit for the CSV header (with --dt; --fps means seconds).")
    var timeUnit: String?

    @Option(help: "Worker threads for reading and detecting frames (default: all cores).")
    var threads: Int?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            var options = TrackJob.Options(frames: frames, output: out)
            options.lengthUnit = lengthUnit
            options.timeUnit = timeUnit
            options.force = force
            options.pxPerUnit = calibration.pxPerUnit
            options.fps = calibration.fps
            options.dt = calibration.dt
            if let origin {
                let parts = origin.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let u = parts[0], let v = parts[1] else {
                    throw LabError("--origin: expected two numbers u,v in pixels (got '\(origin)')")
                }
                options.origin = (u, v)
            }
            if let threads {
                guard threads >= 1 else { throw LabError("--threads must be at least 1") }
                options.tracker.threads = threads
            }
            let set = try TrackJob.run(options)
            print("\(set.tracks.count) track(s) over \(set.frameCount) frames; origin: \(set.originDescription)")
            for t in set.tracks {
                let ended = t.endReason.map { "; ended: \($0)" } ?? ""
                print(String(format: "  %@  %@  %d points, frames %d-%d, radius %.2f px, noise %.4f px",
                             t.name, t.role.rawValue, t.samples.count, t.samples.first?.frame ?? 0,
                             t.samples.last?.frame ?? 0, t.radiusPx, t.noisePx) + ended)
            }
            if set.registrationShiftPx > 0 {
                print(String(format: "  frames registered on the stars: RMS shift %.3f px", set.registrationShiftPx))
            }
            if set.droppedShortTracks > 0 {
                print("  (\(set.droppedShortTracks) short track(s) of fewer than \(options.tracker.minimumPoints) points dropped)")
            }
            print("wrote \(out)")
        } catch {
            fail(error)
        }
    }
}
