import Foundation
import Render
import Tracking

/// `occam track`: frames (with scene.json or calibration flags) → tracks.csv.
public enum TrackJob {
    public struct Options: Sendable {
        public var frames: String
        public var output: String
        public var force = false
        /// Calibration flags; each overrides the scene.json value when both are present.
        public var pxPerUnit: Double?
        public var fps: Double?
        public var dt: Double?
        public var origin: (u: Double, v: Double)?
        public var startTime: Double?
        /// Unit names written into the CSV header (labels only; they do not convert anything).
        public var lengthUnit: String?
        public var timeUnit: String?
        public var tracker = Tracker.Options()
        public init(frames: String, output: String) {
            self.frames = frames
            self.output = output
        }
    }

    /// Calibration for a frame folder: scene.json if there is one, overridden by flags.
    public static func calibration(folder: String, pxPerUnit: Double?, fps: Double?, dt: Double?,
                                   origin: (u: Double, v: Double)?, startTime: Double?) throws -> Calibration {
        if fps != nil && dt != nil { throw LabError("give --fps or --dt, not both") }
        if let fps, !(fps.isFinite && fps > 0) { throw LabError("--fps must be a positive number (got \(fps))") }
        let interval = fps.map { 1 / $0 } ?? dt
        let scenePath = (folder as NSString).appendingPathComponent("scene.json")
        do {
            if FileManager.default.fileExists(atPath: scenePath) {
                let scene: SceneMetadata
                do { scene = try SceneMetadata.read(scenePath) } catch { throw LabError("\(error)") }
                var c = try Calibration(scene: scene, path: scenePath)
                let overridden = pxPerUnit != nil || interval != nil || origin != nil || startTime != nil
                c = try Calibration(pxPerUnit: pxPerUnit ?? c.pxPerUnit, dt: interval ?? c.dt,
                                    startTime: startTime ?? c.startTime, originPx: origin ?? c.originPx,
                                    lengthUnit: pxPerUnit == nil ? c.lengthUnit : "",
                                    timeUnit: interval == nil ? c.timeUnit : (fps != nil ? "s" : ""),
                                    source: overridden ? "scene.json and command line" : "scene.json")
                return c
            }
            guard let pxPerUnit else {
                throw LabError("\(scenePath): not found; for frames without a scene.json give --px-per-unit and --fps (or --dt)")
            }
            guard let interval else {
                throw LabError("\(scenePath): not found; give the frame rate with --fps or the frame interval with --dt")
            }
            return try Calibration(pxPerUnit: pxPerUnit, dt: interval, startTime: startTime ?? 0, originPx: origin,
                                   lengthUnit: "", timeUnit: fps != nil ? "s" : "",
                                   source: "command line")
        } catch let e as TrackingError {
            throw LabError(e.message)
        }
    }

    /// Track every object of a frame folder (its frames already decoded, or read here). Errors
    /// name the folder or frame file.
    public static func trackFolder(_ folderPath: String, calibration: Calibration, options: Tracker.Options,
                                   showProgress: Bool = true, frames: [Image]? = nil) throws -> TrackSet {
        let folder: FrameFolder
        do { folder = try FrameFolder(path: folderPath) } catch { throw LabError("\(error)") }
        let first: Image
        do { first = try frames?.first ?? folder.frame(0) } catch { throw LabError("\(error)") }
        let size = (first.width, first.height, first.channels)
        let progress = Progress(label: "tracking", total: folder.count, enabled: showProgress && isatty(2) != 0)
        do {
            let set = try Tracker(options: options).track(
                frameCount: folder.count, calibration: calibration, progress: { progress.set(done: $0) },
                frame: { k in try frames?[k] ?? (k == 0 ? first : folder.frame(k, expecting: size)) })
            progress.finish()
            return set
        } catch let e as TrackingError {
            progress.finish()
            throw LabError("\(folderPath): \(e.message)")
        } catch {
            progress.finish()
            throw LabError("\(error)")
        }
    }

    public static func run(_ options: Options) throws -> TrackSet {
        // Input problems first (the folder, its frames, the calibration), then the output.
        do { _ = try FrameFolder(path: options.frames) } catch { throw LabError("\(error)") }
        var calibration = try calibration(folder: options.frames, pxPerUnit: options.pxPerUnit, fps: options.fps,
                                          dt: options.dt, origin: options.origin, startTime: options.startTime)
        if let unit = options.lengthUnit { calibration.lengthUnit = unit }
        if let unit = options.timeUnit { calibration.timeUnit = unit }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: options.output, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw LabError("\(options.output): is a folder; --out takes a CSV file name") }
            if !options.force { throw LabError("\(options.output): already exists; choose another --out or pass --force") }
        }
        let set = try trackFolder(options.frames, calibration: calibration, options: options.tracker)
        try AtomicFile.write(options.output, Data(set.csv.utf8))
        return set
    }
}
