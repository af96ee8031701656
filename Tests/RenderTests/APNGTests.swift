import Foundation
import TestSupport
import Testing
@testable import Render

/// Tools the tests use as independent decoders. When missing, their tests are skipped with a
/// note — unless OCCAM_REQUIRE_TOOLS=1 (set by .ci/run), when a missing tool is a failure.
@Suite struct APNGTests {
    func writeFrames(_ dir: String, count: Int, channels: Int) throws -> [Image] {
        let raster = Rasteriser(width: 40, height: 30, channels: channels, background: [Double](repeating: 5, count: channels),
                                noiseSigma: 0)
        var images: [Image] = []
        for k in 0..<count {
            let image = raster.render([Disc(u: 5 + Double(k) * 3.3, v: 15, radius: 3,
                                            intensity: [Double](repeating: 200, count: channels))], seed: 0)
            try PNGFile.write(image, to: "\(dir)/\(FrameFolder.fileName(k))")
            images.append(image)
        }
        return images
    }

    @Test(.enabled(if: ExternalTools.shouldRun(.pillow), "needs python3 with Pillow"), arguments: [1, 3])
    func apngIsReadBackFrameForFrameByPillow(channels: Int) throws {
        try ExternalTools.require(.pillow)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let images = try writeFrames(dir, count: 7, channels: channels)
        let out = "\(dir)/anim.png"
        try VideoExport.write(frames: try FrameFolder(path: dir), format: .apng, output: out, framesPerSecond: 10)
        // writing again replaces the file (occam video --force); it once deleted it and failed
        try VideoExport.write(frames: try FrameFolder(path: dir), format: .apng, output: out, framesPerSecond: 25)
        // Pillow decodes every frame; we compare pixel hashes frame by frame.
        let script = """
            import sys, hashlib
            from PIL import Image, ImageSequence
            im = Image.open(sys.argv[1])
            assert im.format == 'PNG' and getattr(im, 'is_animated', False), 'not animated'
            print(im.n_frames, im.info.get('duration'))
            for f in ImageSequence.Iterator(im):
                f = f.convert('L' if f.mode in ('L', 'LA', 'P') and \(channels) == 1 else 'RGB')
                print(hashlib.sha256(f.tobytes()).hexdigest())
            """
        let result = ExternalTools.python(script, [out])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "7 40.0" || lines.first == "7 40", "\(lines.first ?? "")")
        let hashes = images.map { sha256Hex($0.pixels) }
        #expect(Array(lines.dropFirst()) == hashes)
    }

    @Test(.enabled(if: ExternalTools.shouldRun(.ffmpeg), "needs ffmpeg"))
    func gifAndMP4GoThroughFFmpeg() throws {
        try ExternalTools.require(.ffmpeg)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try writeFrames(dir, count: 5, channels: 1)
        for format in [VideoFormat.gif, .mp4] {
            let out = "\(dir)/anim.\(format.rawValue)"
            try VideoExport.write(frames: try FrameFolder(path: dir), format: format, output: out, framesPerSecond: 10)
            let probe = ExternalTools.run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                      "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", out])
            #expect(probe.output.trimmingCharacters(in: .whitespacesAndNewlines) == "5", "\(format): \(probe.output)")
        }
    }

    @Test func frameFolderNamesTheMissingFrame() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try writeFrames(dir, count: 3, channels: 1)
        try FileManager.default.removeItem(atPath: "\(dir)/frame_00001.png")
        #expect { _ = try FrameFolder(path: dir) } throws: { "\($0)".contains("frame_00001.png") }
        let empty = temporaryDirectory()
        #expect { _ = try FrameFolder(path: empty) } throws: { "\($0)".contains("no frames") }
    }

    /// Frames from elsewhere: any one numbered PNG sequence, in numeric order, from any first number.
    @Test func framesNamedElsewhereAreOneNumberedSequence() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let images = try writeFrames(dir, count: 4, channels: 1)
        // img9.png, img10.png, img11.png, img12.png (no padding: numeric, not text, order) and a stray file
        for k in 0..<4 { try FileManager.default.moveItem(atPath: "\(dir)/\(FrameFolder.fileName(k))", toPath: "\(dir)/img\(k + 9).png") }
        try Data("notes".utf8).write(to: URL(fileURLWithPath: "\(dir)/notes.txt"))
        let folder = try FrameFolder(path: dir)
        #expect(folder.files.map { ($0 as NSString).lastPathComponent } == ["img9.png", "img10.png", "img11.png", "img12.png"])
        #expect(folder.firstNumber == 9 && !folder.occamNames)
        for k in 0..<4 { #expect(try folder.frame(k).pixels == images[k].pixels) }
        // (the video half needs ffmpeg; the folder half above does not)
        if ExternalTools.available(.ffmpeg) || ExternalTools.required {
            try ExternalTools.require(.ffmpeg)
            try VideoExport.write(frames: folder, format: .mp4, output: "\(dir)/anim.mp4", framesPerSecond: 10)
            let probe = ExternalTools.run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                      "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", "\(dir)/anim.mp4"])
            #expect(probe.output.trimmingCharacters(in: .whitespacesAndNewlines) == "4", "\(probe.output)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/.anim.mp4.tmp-\(getpid()).frames"))
        }
        // a gap names the missing file; two sequences in one folder are named
        try FileManager.default.removeItem(atPath: "\(dir)/img10.png")
        #expect { _ = try FrameFolder(path: dir) } throws: { "\($0)".contains("img10.png: missing frame") }
        try FileManager.default.moveItem(atPath: "\(dir)/img9.png", toPath: "\(dir)/cam_0001.png")
        #expect { _ = try FrameFolder(path: dir) } throws: { "\($0)".contains("several numbered PNG sequences") }
    }
}

/// SHA-256 of bytes (via the sha256sum-compatible algorithm written out here).
func sha256Hex(_ message: [UInt8]) -> String {
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
        0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
        0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]
    var m = message
    let bitLength = UInt64(message.count) * 8
    m.append(0x80)
    while m.count % 64 != 56 { m.append(0) }
    for i in (0..<8).reversed() { m.append(UInt8((bitLength >> (UInt64(i) * 8)) & 0xff)) }
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var w = [UInt32](repeating: 0, count: 64)
    for chunk in stride(from: 0, to: m.count, by: 64) {
        for t in 0..<16 {
            w[t] = UInt32(m[chunk + 4 * t]) << 24 | UInt32(m[chunk + 4 * t + 1]) << 16 | UInt32(m[chunk + 4 * t + 2]) << 8 | UInt32(m[chunk + 4 * t + 3])
        }
        for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for t in 0..<64 {
            let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h = [h[0] &+ a, h[1] &+ b, h[2] &+ c, h[3] &+ d, h[4] &+ e, h[5] &+ f, h[6] &+ g, h[7] &+ hh]
    }
    return h.map { String(format: "%08x", $0) }.joined()
}
