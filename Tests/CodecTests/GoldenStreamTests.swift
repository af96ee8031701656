import Foundation
import Render
import Testing
@testable import Codec

/// Streams are archives: these `.occ` files were written by an earlier Occam (stream version 3,
/// before the codec's predictors moved behind one protocol; the neural level's by the commit
/// that added the level — its network predicts some of the objects' positions there; version 4
/// by the commits that added each appearance; version 5 by the compact container's; version 6 by
/// the neural level's central-field network's; version 7 by its pair network's) and must
/// keep decoding to exactly the pixels they were made from. A change of format, model arithmetic, toolchain or libm that
/// breaks old streams fails here instead of in a user's archive.
///
/// The frames are this test's own drawing (`sketchFrames`: supersampled discs on a gradient),
/// stored beside the streams as PNG so the check does not depend on redrawing them. Regenerate
/// only on a deliberate format change (and bump `StreamFormat.version`):
/// `OCCAM_WRITE_GOLDEN=1 swift test --filter GoldenStreamTests`.
@Suite struct GoldenStreamTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    /// A law with exp, sin and a fractional power, so the stream depends on libm's results.
    static let law = "ax = k1*x*r^(-3/2) + k2*sin(vx); ay = k1*y*r^(-1.5) + k3*exp(-vy)"

    struct Clip: Sendable, CustomStringConvertible {
        var name: String; var width: Int; var height: Int; var channels: Int; var noise: Double; var frames: Int
        var models: [ModelKind]
        var pointSources = false
        /// The objects' appearance (`disc`: stream version 3; the others write version 4).
        var appearance = ObjectAppearance.disc
        /// Frames of `AppearanceTests` in this look instead of `sketchFrames`.
        var drawn: AppearanceTests.Look?
        /// Frames of `PairNetworkTests` (two bodies attracting each other) instead.
        var pair = false
        /// The container: nil for the version the appearance was written with before version 5
        /// (3 for `disc`, else 4), or 5 or 6 (the file's name ends in `-v5`, `-v6`).
        var version: UInt16?
        var streamVersion: UInt16 { version ?? (appearance == .disc ? 3 : 4) }
        var description: String { name + (version.map { "-v\($0)" } ?? "") }
    }

    static let clips: [Clip] = [
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: ModelKind.allCases),
        Clip(name: "noisy-rgb", width: 40, height: 32, channels: 3, noise: 2, frames: 24, models: [.temporal, .motion, .law]),
        // Gaussian point sources and a saturated star, σ = 2: the look where the tracker's later
        // profile fit would move the object levels' positions (the codec keeps version 3's).
        Clip(name: "psf-grey", width: 56, height: 48, channels: 1, noise: 2, frames: 40, models: [.motion, .learned, .neural, .law],
             pointSources: true),
        // Stream version 4: the supersampled discs (each object's look chosen among the exact,
        // the sampled discs and the Gaussian), and the point sources clean.
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: [.motion, .law],
             appearance: .profiles1),
        Clip(name: "psf-clean", width: 56, height: 48, channels: 1, noise: 0, frames: 40, models: [.motion, .learned, .neural, .law],
             pointSources: true, appearance: .profiles1),
        // profiles-2: cells of centres, the learned rounding of x.5 and the law's longer paths.
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: [.motion, .law],
             appearance: .profiles2),
        Clip(name: "psf-clean", width: 56, height: 48, channels: 1, noise: 0, frames: 40, models: [.motion, .neural, .law],
             pointSources: true, appearance: .profiles2),
        Clip(name: "psf-grey", width: 56, height: 48, channels: 1, noise: 2, frames: 40, models: [.law],
             pointSources: true, appearance: .profiles2),
        // 4×4-sampled discs rounded half to even: every frame's planet coded as a cell rank.
        Clip(name: "discs4-even", width: 64, height: 64, channels: 1, noise: 0, frames: 48, models: [.motion, .law],
             appearance: .profiles2, drawn: .discs4Even),
        // profiles-3: the law's path velocities corrected (the golden law has sin(vx), exp(−vy)).
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: [.law],
             appearance: .profiles3),
        Clip(name: "discs4-even", width: 64, height: 64, channels: 1, noise: 0, frames: 48, models: [.law],
             appearance: .profiles3, drawn: .discs4Even),
        // Version 5, the compact container (header ids for the appearance and the start, no
        // offsets in the index, a 12-byte trailer) around the same models.
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: ModelKind.allCases,
             appearance: .profiles3, version: 5),
        Clip(name: "psf-grey", width: 56, height: 48, channels: 1, noise: 2, frames: 40, models: [.motion, .law],
             pointSources: true, appearance: .profiles3, version: 5),
        // (the neural level: its network on trajectories and smoothed samples, from version 5)
        Clip(name: "discs4-even", width: 64, height: 64, channels: 1, noise: 0, frames: 48, models: [.neural, .law],
             appearance: .profiles3, drawn: .discs4Even, version: 5),
        // Version 6: the neural level's central-field network and readouts solved every frame
        // (the other levels code as in version 5).
        Clip(name: "discs4-even", width: 64, height: 64, channels: 1, noise: 0, frames: 48, models: [.neural],
             appearance: .profiles3, drawn: .discs4Even, version: 6),
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: [.neural],
             appearance: .profiles3, version: 6),
        Clip(name: "psf-grey", width: 56, height: 48, channels: 1, noise: 2, frames: 40, models: [.neural],
             pointSources: true, appearance: .profiles3, version: 6),
        // Version 7: the neural level's pair network, on two bodies that attract each other, and
        // on the sketch's two discs (one circling, one drifting out of the frame; they do not act
        // on each other). One moving object codes as in version 6: `PairNetworkTests`.
        Clip(name: "pair-grey", width: 64, height: 64, channels: 1, noise: 0, frames: 90, models: [.neural],
             appearance: .profiles3, pair: true, version: 7),
        Clip(name: "clean-grey", width: 64, height: 48, channels: 1, noise: 0, frames: 72, models: [.neural],
             appearance: .profiles3, version: 7),
    ]
    static let scene = Data("{\"calibration\":{\"px_per_unit\":8},\"frame_interval\":0.05,\"name\":\"golden\"}".utf8)

    static func streamPath(_ clip: Clip, _ model: ModelKind) -> String {
        "\(folder)/\(clip.name)-\(model.rawValue)\(clip.appearance == .disc ? "" : "-" + clip.appearance.rawValue)"
            + (clip.version.map { "-v\($0)" } ?? "") + ".occ"
    }
    static func framePath(_ clip: Clip, _ k: Int) -> String { "\(folder)/\(clip.name)/frame_\(String(format: "%05d", k)).png" }

    @Test(arguments: clips)
    func goldenStreamsDecodeToTheirPixels(clip: Clip) throws {
        // OCCAM_WRITE_GOLDEN=1 rewrites every clip, =<clip name> the clips of that name,
        // =<clip name>-<appearance> the clips of that appearance, =v5 (=v6, =v7) the version-5 (-6, -7) clips.
        if let w = ProcessInfo.processInfo.environment["OCCAM_WRITE_GOLDEN"],
           w == "1" || w == clip.name || w == "\(clip.name)-\(clip.appearance.rawValue)" || w == clip.version.map({ "v\($0)" })
        { try Self.write(clip) }
        let g = Geometry(width: clip.width, height: clip.height, channels: clip.channels)
        let frames = try (0..<clip.frames).map { try PNGFile.read(Self.framePath(clip, $0)) }
        for model in clip.models {
            var reader = try StreamReader(path: Self.streamPath(clip, model))
            #expect(reader.model == model && reader.geometry == g && reader.frameCount == clip.frames)
            #expect(reader.scene == Self.scene)
            #expect(reader.appearance == clip.appearance || !model.modelsObjects)
            #expect(reader.version == clip.streamVersion)
            if model == .law { #expect(reader.law?.text == Self.law) }
            for (k, frame) in frames.enumerated() {
                let same = try reader.next() == frame.pixels
                #expect(same, "\(clip.name) \(model.rawValue): frame \(k) differs")
                if !same { break }
            }
        }
    }

    /// The same frames coded today give the golden bytes: the encoder has not drifted either
    /// (a change here with decoding intact is a compression change: regenerate deliberately).
    @Test(arguments: clips)
    func todaysEncoderWritesTheGoldenBytes(clip: Clip) throws {
        let g = Geometry(width: clip.width, height: clip.height, channels: clip.channels)
        let frames = try (0..<clip.frames).map { try PNGFile.read(Self.framePath(clip, $0)).pixels }
        for model in clip.models {
            let golden = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.streamPath(clip, model))))
            let (_, bytes) = try encodeStream(frames, geometry: g, model: model, scene: Self.scene, version: clip.streamVersion,
                                              law: Self.law, appearance: clip.appearance)
            let same = bytes == golden   // (not inside #expect: it would print both streams)
            #expect(same, "\(clip.name) \(model.rawValue): \(bytes.count) bytes, golden \(golden.count)")
        }
    }

    static func write(_ clip: Clip) throws {
        let g = Geometry(width: clip.width, height: clip.height, channels: clip.channels)
        let frames = clip.pair ? PairNetworkTests.frames(gaussian: false, noise: clip.noise, count: clip.frames)
            : clip.drawn.map { AppearanceTests.frames($0, noise: clip.noise, count: clip.frames) }
            ?? sketchFrames(count: clip.frames, width: g.width, height: g.height, channels: g.channels,
                            noise: clip.noise, seed: 11, pointSources: clip.pointSources)
        try FileManager.default.createDirectory(atPath: "\(folder)/\(clip.name)", withIntermediateDirectories: true)
        for (k, f) in frames.enumerated() {
            try PNGFile.write(Image(width: g.width, height: g.height, channels: g.channels, pixels: f), to: framePath(clip, k))
        }
        for model in clip.models {
            let (_, bytes) = try encodeStream(frames, geometry: g, model: model, scene: scene, version: clip.streamVersion, law: law,
                                              appearance: clip.appearance)
            try Data(bytes).write(to: URL(fileURLWithPath: streamPath(clip, model)))
        }
    }
}
