import Codec
import Formulas
import Foundation
import Render

/// `occam compress` and `occam decompress`: frame folders ↔ `.occ` streams, and the ladder.
public enum CompressJob {
    public struct Result: Sendable {
        public var model: ModelKind
        public var bytes: Int
        public var frameBits: [Double]
        /// Bits spent on scene.json inside the stream.
        public var sceneBits: Double = 0
        public var rawBytes: Int
        public var seconds: Double
        /// Time in the coder alone (no PNG reading), seconds.
        public var codingSeconds: Double = 0
        /// The law level's constants as fitted by the end of the stream.
        public var lawConstants: [String: Double] = [:]
        /// Their 1σ from the coder's last fit.
        public var lawUncertainties: [String: Double] = [:]
        public var bitsPerFrame: Double { Double(bytes * 8) / Double(max(frameBits.count, 1)) }
        public var ratio: Double { Double(rawBytes) / Double(max(bytes, 1)) }
    }

    /// Code the frames of a folder with several codings at once, in memory, on all cores
    /// (`Codings`): from `frames` when they are already decoded, else read as each coding
    /// needs them. Racing requests may come back abandoned (`Codings.Coded.finished`).
    /// `stop`: when set, the codings end at their next frame with `CancellationError`.
    static func codeAll(_ folder: FrameFolder, frames: [Image]?, scene: Data, requests: [Codings.Request],
                        label: String, showProgress: Bool, stop: StopFlag? = nil) throws -> [Codings.Coded] {
        let first = try frames?.first ?? FrameStore.frame(folder, 0)
        let size = (first.width, first.height, first.channels)
        let progress = Progress(label: label, total: folder.count, enabled: showProgress && isatty(2) != 0)
        defer { progress.finish() }
        do {
            return try Codings.code(geometry: Geometry(width: first.width, height: first.height, channels: first.channels),
                                    frameCount: folder.count, scene: scene, requests: requests,
                                    frame: { k in
                                        if stop?.isSet == true { throw CancellationError() }
                                        return try frames?[k].pixels ?? FrameStore.frame(folder, k, expecting: size).pixels
                                    },
                                    progress: { progress.set(done: $0) })
        } catch let e as CodecError { throw LabError("\(folder.files[0]): \(e.message)") }
    }

    /// Compress a frame folder with one model into `output` (written atomically).
    /// `scene` replaces the folder's scene.json in the stream (frames calibrated by flags).
    public static func compress(frames path: String, output: String, model: ModelKind, force: Bool,
                                law: Law? = nil, scene sceneOverride: Data? = nil, showProgress: Bool = true,
                                reduced: Bool = false, start networkStart: NeuralStart = .default,
                                appearance: ObjectAppearance = .default) throws -> Result {
        if model == .law && law == nil { throw LabError("--model law needs --law 'ax = …; ay = …'") }
        let folder: FrameFolder
        do { folder = try FrameFolder(path: path) } catch { throw LabError("\(error)") }
        let first: Image
        do { first = try folder.frame(0) } catch { throw LabError("\(error)") }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: output, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw LabError("\(output): is a folder; --out takes a file name") }
            if !force { throw LabError("\(output): already exists; choose another --out or pass --force") }
        }
        let scenePath = (path as NSString).appendingPathComponent("scene.json")
        let scene = sceneOverride ?? fm.contents(atPath: scenePath) ?? Data()
        let temporary = try AtomicFile.temporaryPath(for: output)
        guard fm.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw LabError("\(output): cannot write file")
        }
        let start = Date()
        let progress = Progress(label: "compress (\(model.rawValue))", total: folder.count, enabled: showProgress && isatty(2) != 0)
        do {
            let geometry = Geometry(width: first.width, height: first.height, channels: first.channels)
            var writer: StreamWriter
            var coding = 0.0
            do {
                writer = try StreamWriter(handle: handle, geometry: geometry, frameCount: folder.count, model: model, scene: scene, law: law,
                                          start: networkStart, appearance: appearance)
            } catch let e as CodecError { throw LabError("\(path): \(e.message)") }
            for k in 0..<folder.count {
                // lossless means every sample back: frames that reading reduces are refused
                // (the discovery job, which only measures, passes `reduced`)
                if !reduced, let what = PNGFile.reduction(folder.files[k]) {
                    throw LabError("\(folder.files[k]): PNG with \(what); occam compress codes 8-bit grey or RGB frames and would not give this file back — convert the frames to 8-bit without alpha first")
                }
                let image: Image
                do {
                    image = k == 0 ? first : try folder.frame(k, expecting: (first.width, first.height, first.channels))
                } catch { throw LabError("\(error)") }
                let t0 = Date()
                try writer.append(image.pixels)
                coding += Date().timeIntervalSince(t0)
                progress.set(done: k + 1)
            }
            let size = try writer.finish()
            try handle.close()
            try AtomicFile.commit(temporary, to: output)
            progress.finish()
            return Result(model: model, bytes: size, frameBits: writer.frameBits, sceneBits: writer.sceneBits,
                          rawBytes: geometry.count * folder.count, seconds: Date().timeIntervalSince(start),
                          codingSeconds: coding, lawConstants: writer.lawConstants, lawUncertainties: writer.lawUncertainties)
        } catch {
            progress.finish()
            try? handle.close()
            try? fm.removeItem(atPath: temporary)
            if let e = error as? CodecError { throw LabError(e.message) }
            throw error
        }
    }

    /// Decode a stream into a frame folder (PNG frames + scene.json), written atomically.
    /// Returns the number of frames and the time spent decoding (without writing PNGs), seconds.
    public static func decompress(_ input: String, output: String, force: Bool, showProgress: Bool = true) throws -> (frames: Int, codingSeconds: Double) {
        var reader: StreamReader
        do { reader = try StreamReader(path: input) } catch let e as CodecError { throw LabError(e.message) }
        let folder = try OutputFolder(destination: output, force: force)
        let progress = Progress(label: "decompress", total: reader.frameCount, enabled: showProgress && isatty(2) != 0)
        do {
            let g = reader.geometry
            var coding = 0.0
            for k in 0..<reader.frameCount {
                let pixels: [UInt8]
                let t0 = Date()
                do { pixels = try reader.next() } catch let e as CodecError { throw LabError(e.message) }
                coding += Date().timeIntervalSince(t0)
                let image = Image(width: g.width, height: g.height, channels: g.channels, pixels: pixels)
                do {
                    try PNGFile.write(image, to: (folder.temporary as NSString).appendingPathComponent(FrameFolder.fileName(k)))
                } catch { throw LabError("\(error)") }
                progress.set(done: k + 1)
            }
            if !reader.scene.isEmpty {
                try writeFile((folder.temporary as NSString).appendingPathComponent("scene.json"), reader.scene)
            }
            try folder.commit()
            progress.finish()
            return (reader.frameCount, coding)
        } catch {
            progress.finish()
            folder.discard()
            throw error
        }
    }

    /// Code the same frames with every model level (each to a real stream, decoded back and
    /// compared); returns one result per level.
    public static func ladder(frames path: String, scratch: String, law: Law? = nil, showProgress: Bool = true) throws -> [Result] {
        var results: [Result] = []
        for model in ModelKind.allCases where model != .law || law != nil {
            let file = (scratch as NSString).appendingPathComponent("ladder-\(model.rawValue).occ")
            results.append(try compress(frames: path, output: file, model: model, force: true, law: law, showProgress: showProgress))
            try? FileManager.default.removeItem(atPath: file)
        }
        return results
    }

    /// ladder.json: per level, total bytes, bits per frame, and per-frame bits.
    struct LadderDocument: Encodable {
        struct Level: Encodable {
            var model: String
            var bytes: Int
            var bitsPerFrame: Double
            var sceneBits: Double
            var lawConstants: [String: Double]
            var ratioToRaw: Double
            var seconds: Double
            var frameBits: [Double]
            enum CodingKeys: String, CodingKey {
                case model, bytes, bitsPerFrame = "bits_per_frame", sceneBits = "scene_bits", lawConstants = "law_constants"
                case ratioToRaw = "ratio_to_raw", seconds, frameBits = "frame_bits"
            }
        }
        var format = "occam-ladder"
        var version = 1
        var frames: String
        var note = "bytes are real coded sizes of the whole .occ file (header, scene.json, frames, index); bits_per_frame = 8·bytes/frames; "
            + "frame_bits is each frame's information content (−log2 p of its coded bits); scene_bits is what scene.json costs; "
            + "seconds: the level's coding time (occam compress --ladder: with reading the frames and writing the stream; "
            + "the discovery job: the coder alone, all levels coded from frames read once)"
        var levels: [Level]
    }

    /// The ladder as JSON (a law constant that is not finite is left out: JSON has no NaN).
    public static func ladderJSON(_ results: [Result], frames: String) throws -> Data {
        let document = LadderDocument(frames: frames, levels: results.map { r in
            LadderDocument.Level(model: r.model.rawValue, bytes: r.bytes, bitsPerFrame: r.bitsPerFrame,
                                 sceneBits: (r.sceneBits * 10).rounded() / 10, lawConstants: r.lawConstants.filter { $0.value.isFinite },
                                 ratioToRaw: r.ratio, seconds: r.seconds, frameBits: r.frameBits.map { ($0 * 10).rounded() / 10 })
        })
        return try EquationsDocument.encoder.encode(document)
    }
}

/// Small helpers for the jobs' single output files.
public enum LabFiles {
    /// Write `data` to `path` atomically; refuses to replace an existing file unless `force`.
    public static func write(_ path: String, _ data: Data, force: Bool) throws -> String {
        if FileManager.default.fileExists(atPath: path) && !force {
            throw LabError("\(path): already exists; choose another name or pass --force")
        }
        try AtomicFile.write(path, data)
        return path
    }
}

extension CompressJob.Result {
    /// The result of a coding done in memory (`Codings`).
    init(_ c: Codings.Coded, rawBytes: Int) {
        self.init(model: c.request.model, bytes: c.bytes, frameBits: c.frameBits, sceneBits: c.sceneBits, rawBytes: rawBytes,
                  seconds: c.codingSeconds, codingSeconds: c.codingSeconds, lawConstants: c.lawConstants,
                  lawUncertainties: c.lawUncertainties)
    }
}
