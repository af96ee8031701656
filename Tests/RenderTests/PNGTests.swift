import Foundation
import Testing
@testable import Render

func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "occam-test-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func randomImage(width: Int, height: Int, channels: Int, seed: UInt64) -> Image {
    var rng = SplitMix64(seed: seed)
    return Image(width: width, height: height, channels: channels,
                 pixels: (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

@Suite struct PNGTests {
    @Test(arguments: [1, 3])
    func roundTrip(channels: Int) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (w, h) in [(1, 1), (17, 5), (64, 48)] {
            let image = randomImage(width: w, height: h, channels: channels, seed: UInt64(w * h))
            for options in [PNGOptions.frames, PNGOptions(level: 1, filter: 0, strategy: 0)] {
                let path = "\(dir)/x.png"
                try PNGFile.write(image, to: path, options: options)
                #expect(try PNGFile.read(path) == image)
            }
        }
    }

    @Test func corruptFilesGiveErrorsNotCrashes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/good.png"
        try PNGFile.write(randomImage(width: 32, height: 32, channels: 1, seed: 1), to: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))

        var cases: [(String, [UInt8])] = []
        cases.append(("empty", []))
        cases.append(("not a PNG", Array("hello, world, this is not a png".utf8)))
        for cut in [8, 20, 33, 50, good.count / 2, good.count - 1] { cases.append(("truncated at \(cut)", Array(good.prefix(cut)))) }
        var badCRC = good
        badCRC[29] ^= 0xFF  // IHDR CRC
        cases.append(("IHDR CRC", badCRC))
        var badType = good
        badType[12] = 0x00  // chunk type byte of IHDR
        cases.append(("bad chunk type", badType))
        var flipped = good
        for k in stride(from: 40, to: good.count - 12, by: 7) { flipped[k] ^= 0x5A }
        cases.append(("corrupt data", flipped))
        for (label, bytes) in cases {
            #expect(throws: RenderError.self, "\(label)") { _ = try PNGFile.read(data: bytes, name: label) }
            let p = "\(dir)/bad.png"
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            #expect(throws: RenderError.self, "\(label) (file)") { _ = try PNGFile.read(p) }
        }
        #expect(throws: RenderError.self) { _ = try PNGFile.read("\(dir)/missing.png") }
    }

    @Test func hugeDimensionsAreRejectedBeforeAllocation() throws {
        // A valid-looking PNG header announcing 60000 × 60000 pixels.
        var ihdr: [UInt8] = []
        APNGWriter.append32(&ihdr, 60000)
        APNGWriter.append32(&ihdr, 60000)
        ihdr += [8, 0, 0, 0, 0]
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        APNGWriter.append32(&bytes, UInt32(ihdr.count))
        let body = Array("IHDR".utf8) + ihdr
        bytes += body
        APNGWriter.append32(&bytes, crc(body))
        // A tiny IDAT and IEND so that only the size, not truncation, can stop the reader.
        let idat = Array("IDAT".utf8) + [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        APNGWriter.append32(&bytes, 8)
        bytes += idat
        APNGWriter.append32(&bytes, crc(idat))
        APNGWriter.append32(&bytes, 0)
        bytes += Array("IEND".utf8)
        APNGWriter.append32(&bytes, crc(Array("IEND".utf8)))
        do {
            _ = try PNGFile.read(data: bytes, limits: PNGLimits(maxWidth: 16384, maxHeight: 16384, maxBytes: 1 << 28))
            Issue.record("expected a limit error")
        } catch let RenderError.unreadablePNG(_, reason) {
            #expect(reason.contains("limit"), "\(reason)")
        }
        // Within width/height limits but above the byte budget.
        do {
            _ = try PNGFile.read(data: bytes, limits: PNGLimits(maxWidth: 70000, maxHeight: 70000, maxBytes: 1 << 20))
            Issue.record("expected a byte-limit error")
        } catch let RenderError.unreadablePNG(_, reason) {
            #expect(reason.contains("limit"), "\(reason)")
        }
    }

    /// Plain CRC-32 (IEEE), written here independently of zlib.
    func crc(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}
