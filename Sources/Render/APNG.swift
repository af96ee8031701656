import CPNGShim
import Foundation

/// Writes animated PNG (APNG 1.0: acTL, fcTL and fdAT chunks) itself, because Debian's libpng
/// has no APNG API. Frames are stored whole (no sub-rectangles), unfiltered rows, zlib RLE.
/// Readers that do not know APNG show the first frame.
/// Reference: https://wiki.mozilla.org/APNG_Specification
public struct APNGWriter {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let frameCount: Int
    /// Frame delay as a fraction of a second.
    public let delayNumerator: UInt16
    public let delayDenominator: UInt16
    private var bytes: [UInt8] = []
    private var sequence: UInt32 = 0
    private var written = 0

    public init(width: Int, height: Int, channels: Int, frameCount: Int, framesPerSecond: Double) throws {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw RenderError.invalidArgument("APNG: invalid size \(width)x\(height)")
        }
        guard channels == 1 || channels == 3 else { throw RenderError.invalidArgument("APNG: channels must be 1 or 3") }
        guard frameCount > 0 else { throw RenderError.invalidArgument("APNG: no frames") }
        guard framesPerSecond > 0, framesPerSecond <= 1000 else {
            throw RenderError.invalidArgument("APNG: frames per second must be in (0, 1000] (got \(framesPerSecond))")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.frameCount = frameCount
        // Delay as a fraction with a 1000 denominator (ms resolution) or exact for integer fps.
        if framesPerSecond == framesPerSecond.rounded(), framesPerSecond <= 65535 {
            delayNumerator = 1
            delayDenominator = UInt16(framesPerSecond)
        } else {
            delayNumerator = UInt16(max(1, min(65535, (1000 / framesPerSecond).rounded())))
            delayDenominator = 1000
        }
        bytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        Self.append32(&ihdr, UInt32(width))
        Self.append32(&ihdr, UInt32(height))
        ihdr += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        chunk("IHDR", ihdr)
        var actl: [UInt8] = []
        Self.append32(&actl, UInt32(frameCount))
        Self.append32(&actl, 0)  // loop forever
        chunk("acTL", actl)
    }

    /// Append the next frame; frames must match the size and channels given at init.
    public mutating func append(_ image: Image) throws {
        guard image.width == width, image.height == height, image.channels == channels else {
            throw RenderError.invalidArgument("APNG: frame \(written) is \(image.width)x\(image.height)x\(image.channels), expected \(width)x\(height)x\(channels)")
        }
        guard written < frameCount else { throw RenderError.invalidArgument("APNG: more frames than announced") }
        var fctl: [UInt8] = []
        Self.append32(&fctl, sequence)
        sequence += 1
        Self.append32(&fctl, UInt32(width))
        Self.append32(&fctl, UInt32(height))
        Self.append32(&fctl, 0)
        Self.append32(&fctl, 0)
        fctl += [UInt8(delayNumerator >> 8), UInt8(delayNumerator & 0xFF),
                 UInt8(delayDenominator >> 8), UInt8(delayDenominator & 0xFF), 0, 0]
        chunk("fcTL", fctl)
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
        for y in 0..<height {
            raw[y * (stride + 1)] = 0  // filter: none
            for x in 0..<stride { raw[y * (stride + 1) + 1 + x] = image.pixels[y * stride + x] }
        }
        let compressed = try Self.deflate(raw)
        if written == 0 {
            chunk("IDAT", compressed)
        } else {
            var fdat: [UInt8] = []
            Self.append32(&fdat, sequence)
            sequence += 1
            fdat += compressed
            chunk("fdAT", fdat)
        }
        written += 1
    }

    /// The complete file; throws if fewer frames were appended than announced.
    public mutating func finish() throws -> [UInt8] {
        guard written == frameCount else {
            throw RenderError.invalidArgument("APNG: \(written) frames appended, \(frameCount) announced")
        }
        chunk("IEND", [])
        return bytes
    }

    private mutating func chunk(_ type: String, _ data: [UInt8]) {
        Self.append32(&bytes, UInt32(data.count))
        let typeBytes = Array(type.utf8)
        var crc = occam_crc32(0, nil, 0)
        crc = typeBytes.withUnsafeBufferPointer { occam_crc32(crc, $0.baseAddress, $0.count) }
        crc = data.withUnsafeBufferPointer { occam_crc32(crc, $0.baseAddress, $0.count) }
        bytes += typeBytes
        bytes += data
        Self.append32(&bytes, crc)
    }

    static func append32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func deflate(_ data: [UInt8]) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var outLength = 0
        var err = [CChar](repeating: 0, count: 256)
        let rc = data.withUnsafeBufferPointer {
            occam_zlib_compress($0.baseAddress, $0.count, 9, 3, &out, &outLength, &err, err.count)
        }
        guard rc == 0, let out else { throw RenderError.invalidArgument("zlib: \(PNGFile.message(err))") }
        defer { occam_png_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: outLength))
    }
}
