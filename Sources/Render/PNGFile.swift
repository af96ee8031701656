import CPNGShim
import Foundation

/// Limits applied when reading a PNG, checked against the header before any pixel buffer is
/// allocated, so a hostile or corrupt file cannot make Occam allocate gigabytes.
public struct PNGLimits: Sendable {
    public var maxWidth: Int
    public var maxHeight: Int
    public var maxBytes: Int
    public init(maxWidth: Int = 16384, maxHeight: Int = 16384, maxBytes: Int = 256 << 20) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxBytes = maxBytes
    }
    public static let standard = PNGLimits()
}

/// How libpng writes a frame. The defaults were chosen by bench/render on mostly dark
/// frames: no row filter and zlib's RLE strategy encode fastest and smallest there.
public struct PNGOptions: Sendable, Equatable {
    /// zlib level 0–9.
    public var level: Int
    /// libpng filter mask (PNG_FILTER_NONE = 0x08, PNG_ALL_FILTERS = 0xF8); 0 lets libpng choose.
    public var filter: Int
    /// zlib strategy: 0 default, 1 filtered, 2 Huffman only, 3 RLE.
    public var strategy: Int
    public init(level: Int = 6, filter: Int = 0x08, strategy: Int = 3) {
        self.level = level
        self.filter = filter
        self.strategy = strategy
    }
    public static let frames = PNGOptions()
}

/// 8-bit greyscale and RGB PNG through libpng (via the CPNGShim C target, which owns every
/// setjmp so libpng's longjmp never crosses a Swift frame).
public enum PNGFile {
    public static func write(_ image: Image, to path: String, options: PNGOptions = .frames) throws {
        var err = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeBufferPointer { buf in
            occam_png_write(path, buf.baseAddress, UInt32(image.width), UInt32(image.height),
                            Int32(image.channels), Int32(options.level), Int32(options.filter),
                            Int32(options.strategy), &err, err.count)
        }
        if rc != 0 {
            throw RenderError.unwritablePNG(path: path, reason: message(err))
        }
    }

    /// What reading reduces: a 16-bit sample loses its low byte, an alpha channel is dropped
    /// (palettes and 1–4-bit grey expand to 8-bit values without loss of content). From the
    /// IHDR chunk alone; nil when the file is not a PNG (reading it will say why).
    public static func reduction(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 26), head.count == 26,
              head.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
              head[12..<16] == Data("IHDR".utf8) else { return nil }
        let depth = head[24], colour = head[25]
        if depth == 16 { return "16-bit samples (read as 8-bit: the low byte is dropped)" }
        if colour & 4 != 0 { return "an alpha channel (read without it)" }
        return nil
    }

    public static func read(_ path: String, limits: PNGLimits = .standard) throws -> Image {
        var err = [CChar](repeating: 0, count: 256)
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var w: UInt32 = 0, h: UInt32 = 0
        var ch: Int32 = 0
        let rc = occam_png_read(path, UInt32(clamping: limits.maxWidth), UInt32(clamping: limits.maxHeight),
                                limits.maxBytes, &pixels, &w, &h, &ch, &err, err.count)
        return try finish(rc, pixels, w, h, ch, err, path)
    }

    public static func read(data: [UInt8], name: String = "<memory>", limits: PNGLimits = .standard) throws -> Image {
        var err = [CChar](repeating: 0, count: 256)
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var w: UInt32 = 0, h: UInt32 = 0
        var ch: Int32 = 0
        let rc = data.withUnsafeBufferPointer { buf in
            occam_png_read_memory(buf.baseAddress, buf.count, UInt32(clamping: limits.maxWidth),
                                  UInt32(clamping: limits.maxHeight), limits.maxBytes, &pixels, &w, &h, &ch,
                                  &err, err.count)
        }
        return try finish(rc, pixels, w, h, ch, err, name)
    }

    private static func finish(_ rc: Int32, _ pixels: UnsafeMutablePointer<UInt8>?, _ w: UInt32, _ h: UInt32,
                               _ ch: Int32, _ err: [CChar], _ path: String) throws -> Image {
        guard rc == 0, let pixels else {
            throw RenderError.unreadablePNG(path: path, reason: message(err))
        }
        defer { occam_png_free(pixels) }
        let count = Int(w) * Int(h) * Int(ch)
        let buffer = Array(UnsafeBufferPointer(start: pixels, count: count))
        return Image(width: Int(w), height: Int(h), channels: Int(ch), pixels: buffer)
    }

    static func message(_ err: [CChar]) -> String {
        let bytes = err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.isEmpty ? "unknown error" : text
    }
}
