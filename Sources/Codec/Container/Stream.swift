import Formulas
import Foundation

/// The range encoder plus a tally of the information content of what it codes.
struct CountingEncoder: BinaryCoder {
    var encoder = RangeEncoder()
    var counter = BitCounter()
    var bits: Double { counter.bits }
    @inline(__always) mutating func code(_ bit: Int, p1: UInt32) -> Int {
        _ = counter.code(bit, p1: p1)
        return encoder.code(bit, p1: p1)
    }
}

/// Layout of an `.occ` stream (all integers little-endian):
///
///     header   "OCCAMVID" · version u16 · model u8 · channels u8 · width u32 · height u32
///              · frames u32 · CRC-32 of the scene metadata u32 · CRC-32 of the 28 bytes before it
///     payload  one range-coded bit stream: the scene.json bytes (length, then a context-mixing
///              text model), the law's text for the law level, the network's start
///              (`NeuralStart`'s name) for the neural level, from version 4 the objects'
///              appearance (`ObjectAppearance`'s name) for the object levels, then every frame
///     index    per block of 64 frames: CRC-32 of the block's decoded pixels u32 · payload
///              offset at the block's start u64
///     trailer  payload length u64 · index offset u64 · CRC-32 of the index u32 · block size u32
///              · "OCCAMEND"
///
/// The decoder checks the header, trailer and index before decoding, the scene against its
/// checksum, and each block of frames against its checksum as soon as the block is decoded.
/// Per-frame bits are not stored: they would cost more than a well-predicted frame.
public enum StreamFormat {
    public static let magic = Array("OCCAMVID".utf8)
    public static let endMagic = Array("OCCAMEND".utf8)
    /// 2: the law level fits its constants to five-point differences (version 1: three-point).
    /// 3: the scene metadata and law are coded by a context-mixing text model (`TextCoder`),
    /// and the object levels average each object's disc fits. Intra and temporal streams of
    /// versions 1 and 2 (order-1 scene bytes) still decode; their object levels do not.
    /// 4: object levels name the profiles their objects may take (`ObjectAppearance`). A stream is
    /// written with the lowest version that holds it: object levels with the `disc` appearance
    /// and the other levels stay version 3, byte for byte as before.
    public static let version: UInt16 = 4

    /// The version a stream of `model` with `appearance` is written with.
    static func version(for model: ModelKind, appearance: ObjectAppearance) -> UInt16 {
        model.modelsObjects && appearance != .disc ? 4 : 3
    }
    static let headerSize = 32
    static let trailerSize = 32
    static let indexEntrySize = 12
    public static let blockSize = 64
    public static let maxSide = 16384
    public static let maxSamples = 64 << 20
    public static let maxFrames = 10_000_000
    public static let maxScene = 1 << 20
}

/// Codes the scene metadata and the law's text: the length, then the bytes — from version 3
/// with the context-mixing `TextCoder` (one coder for the scene and then the law, so the law
/// benefits from what the scene taught it), before that each byte's bits under an order-1
/// context with a fresh coder per text.
struct SceneCoder {
    var length = SignedCoder()
    var legacy: [BitModel] = []
    var text: TextCoder?

    init(version: UInt16) {
        if version >= 3 { text = TextCoder() } else { legacy = [BitModel](repeating: BitModel(), count: 256 * 256) }
    }

    /// Encode `bytes` (encoder) or decode them (decoder; `bytes` is ignored). Nil if the decoded
    /// length is out of range.
    mutating func code<C: BinaryCoder>(_ bytes: [UInt8], coder: inout C) -> [UInt8]? {
        // Lengths above 65535 are split in two 16-bit halves.
        let high = length.code(bytes.count >> 16, coder: &coder)
        let low = length.code(bytes.count & 0xFFFF, coder: &coder)
        let count = high * 65536 + low
        guard high >= 0, low >= 0, count <= StreamFormat.maxScene else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(count)
        var previous = 0
        for k in 0..<count {
            let byte = k < bytes.count ? Int(bytes[k]) : 0
            let decoded: Int
            if text != nil {
                decoded = text!.codeByte(byte, coder: &coder)
            } else {
                var node = 1
                for bit in stride(from: 7, through: 0, by: -1) {
                    let b = coder.code((byte >> bit) & 1, &legacy[previous * 256 + node])
                    node = node * 2 + b
                }
                decoded = node - 256
            }
            out.append(UInt8(decoded))
            previous = decoded
        }
        return out
    }
}

/// Writes frames into an `.occ` stream as they come — to a file (memory holds a few frames,
/// not the stream) or, for jobs that compare several codings of the same frames, to memory.
public struct StreamWriter {
    /// Where the stream's bytes go.
    enum Sink {
        case file(FileHandle)
        case memory([UInt8])
    }
    var sink: Sink
    let geometry: Geometry
    var coder: AnyFrameCoder
    var counting = CountingEncoder()
    var written = 0   // payload bytes written to the sink
    var index: [UInt8] = []
    let frameCount: Int
    var framesDone = 0
    var finished = false
    var blockCRC: UInt32 = 0
    let payloadStart: Int
    /// Information content of each frame (bits), for the ladder.
    public private(set) var frameBits: [Double] = []
    /// Bits spent on the scene metadata (and the law's text, for the law level).
    public private(set) var sceneBits = 0.0

    /// A stream into a file; `handle` must be positioned at the start of an empty file.
    /// `law` (for the law level) is stored in the stream as its text.
    public init(handle: FileHandle, geometry: Geometry, frameCount: Int, model: ModelKind, scene: Data, law: Law? = nil,
                start: NeuralStart = .online, appearance: ObjectAppearance = .default) throws {
        try self.init(sink: .file(handle), geometry: geometry, frameCount: frameCount, model: model, scene: scene, law: law,
                      start: start, appearance: appearance, formatVersion: StreamFormat.version(for: model, appearance: appearance))
    }

    /// A stream held in memory (`bytes` after `finish`).
    public init(geometry: Geometry, frameCount: Int, model: ModelKind, scene: Data, law: Law? = nil,
                start: NeuralStart = .online, appearance: ObjectAppearance = .default) throws {
        try self.init(sink: .memory([]), geometry: geometry, frameCount: frameCount, model: model, scene: scene, law: law,
                      start: start, appearance: appearance, formatVersion: StreamFormat.version(for: model, appearance: appearance))
    }

    /// `formatVersion` below the current one writes the layout older readers expect (tests check
    /// that such streams still decode); only the scene coding differs for intra and temporal.
    ///
    /// The law level codes with the law *as the decoder will read it*: its text, parsed back.
    /// The printed text may order a formula's program differently from the value given (and
    /// floating-point sums depend on order), so the encoder must not use the value itself.
    init(sink: Sink, geometry: Geometry, frameCount: Int, model: ModelKind, scene: Data, law: Law?,
         start: NeuralStart = .online, appearance: ObjectAppearance = .disc, formatVersion: UInt16) throws {
        precondition(formatVersion >= 3 || !model.modelsObjects)
        precondition(formatVersion >= 4 || appearance == .disc || !model.modelsObjects)
        guard (1...StreamFormat.maxSide).contains(geometry.width), (1...StreamFormat.maxSide).contains(geometry.height),
              geometry.channels == 1 || geometry.channels == 3, geometry.count <= StreamFormat.maxSamples
        else { throw CodecError("frames of \(geometry.width)x\(geometry.height)x\(geometry.channels) cannot be coded (limits: sides ≤ \(StreamFormat.maxSide), 1 or 3 channels)") }
        guard (1...StreamFormat.maxFrames).contains(frameCount) else { throw CodecError("frame count \(frameCount) out of range") }
        guard scene.count <= StreamFormat.maxScene else { throw CodecError("scene.json is larger than 1 MB") }
        self.sink = sink
        self.geometry = geometry
        self.frameCount = frameCount
        var lawText: String?
        var decodersLaw: Law?
        if model.carriesLaw {
            guard let law else { throw CodecError("the law level needs a law (--law 'ax = …; ay = …')") }
            let text = law.text
            do { decodersLaw = try Law(text: text) } catch { throw CodecError("the law '\(text)' does not read back: \(error)") }
            lawText = text
        }
        let objectsLook = formatVersion >= 4 && model.modelsObjects ? appearance : .disc
        coder = model.frameCoder(geometry: geometry, calibration: StreamCalibration(scene: scene), law: decodersLaw, start: start,
                                 appearance: objectsLook)
        var header = StreamFormat.magic
        header.append(le: formatVersion)
        header.append(model.id)
        header.append(UInt8(geometry.channels))
        header.append(le: UInt32(geometry.width))
        header.append(le: UInt32(geometry.height))
        header.append(le: UInt32(frameCount))
        header.append(le: CRC32.checksum(scene))
        header.append(le: CRC32.checksum(header))
        try Self.write(header, to: &self.sink)
        payloadStart = header.count
        var sceneCoder = SceneCoder(version: formatVersion)
        _ = sceneCoder.code([UInt8](scene), coder: &counting)
        if let lawText {
            _ = sceneCoder.code(Array(lawText.utf8), coder: &counting)
        }
        if model.carriesStart {
            _ = sceneCoder.code(Array(start.rawValue.utf8), coder: &counting)
        }
        if formatVersion >= 4 && model.modelsObjects {
            _ = sceneCoder.code(Array(objectsLook.rawValue.utf8), coder: &counting)
        }
        sceneBits = counting.bits
    }

    static func write(_ bytes: [UInt8], to sink: inout Sink) throws {
        switch sink {
        case .file(let handle): try handle.write(contentsOf: bytes)
        case .memory(var buffer):
            sink = .memory([])   // keep the buffer uniquely referenced while appending
            buffer += bytes
            sink = .memory(buffer)
        }
    }

    /// Frames coded so far.
    public var framesCoded: Int { framesDone }

    /// A size the finished stream cannot be below, from what is coded so far: header, the
    /// information content so far (a range coder's output falls short of it by a few bytes at
    /// most; 8 are allowed), the index and the trailer.
    public var bytesAtLeast: Int {
        let blocks = (frameCount + StreamFormat.blockSize - 1) / StreamFormat.blockSize
        return payloadStart + max(0, Int(counting.bits / 8) - 8) + blocks * StreamFormat.indexEntrySize + StreamFormat.trailerSize
    }

    /// The whole stream, for a writer made without a file (empty before `finish`).
    public var bytes: [UInt8] {
        if case .memory(let b) = sink, finished { return b }
        return []
    }

    /// The law level's fitted constants after the frames coded so far.
    public var lawConstants: [String: Double] { coder.lawConstants }
    public var lawUncertainties: [String: Double] { coder.lawUncertainties }
    /// The neural level's network and the states it learned from (nil for other levels).
    public var neuralField: NeuralField? { coder.neuralField }

    /// Code one frame (pixels interleaved, rows top to bottom). Returns its information content in bits.
    @discardableResult
    public mutating func append(_ pixels: [UInt8]) throws -> Double {
        guard pixels.count == geometry.count else { throw CodecError("frame \(framesDone) has the wrong size") }
        guard framesDone < frameCount else { throw CodecError("more frames than announced") }
        if framesDone % StreamFormat.blockSize == 0 {
            index.append(le: UInt64(written + counting.encoder.bytes.count))
            blockCRC = 0
        }
        let before = counting.bits
        var frame = pixels
        coder.code(&frame, coder: &counting, encoding: true)
        let bits = counting.bits - before
        blockCRC = CRC32.checksum(pixels, initial: blockCRC)
        frameBits.append(bits)
        framesDone += 1
        if framesDone % StreamFormat.blockSize == 0 || framesDone == frameCount {
            // The block's checksum goes before its offset: entry = crc u32 · offset u64.
            let entry = index.count - 8
            index.insert(contentsOf: withUnsafeBytes(of: blockCRC.littleEndian, Array.init), at: entry)
        }
        if counting.encoder.bytes.count >= 1 << 16 { try drain() }
        return bits
    }

    mutating func drain() throws {
        let bytes = counting.encoder.takeBytes()
        try Self.write(bytes, to: &sink)
        written += bytes.count
    }

    /// Flush the coder and write the index and trailer. Returns the file size in bytes.
    public mutating func finish() throws -> Int {
        guard framesDone == frameCount else { throw CodecError("\(framesDone) frames coded, \(frameCount) announced") }
        guard !finished else { throw CodecError("the stream is finished already") }
        finished = true
        var encoder = counting.encoder
        let tail = encoder.finish()
        try Self.write(tail, to: &sink)
        written += tail.count
        let indexOffset = payloadStart + written
        var trailer: [UInt8] = []
        trailer.append(le: UInt64(written))
        trailer.append(le: UInt64(indexOffset))
        trailer.append(le: CRC32.checksum(index))
        trailer.append(le: UInt32(StreamFormat.blockSize))
        trailer += StreamFormat.endMagic
        try Self.write(index + trailer, to: &sink)
        return indexOffset + index.count + trailer.count
    }
}

/// Reads an `.occ` file: checks everything it can before decoding, then decodes frames in
/// order and verifies each block of frames against its checksum.
public struct StreamReader {
    public let path: String
    public let geometry: Geometry
    public let frameCount: Int
    public let model: ModelKind
    public private(set) var scene: Data = Data()
    /// The law of the law level, read from the stream's text.
    public private(set) var law: Law?
    /// The profiles the stream's objects may take (`disc` before version 4).
    public private(set) var appearance = ObjectAppearance.disc
    /// Per block of `StreamFormat.blockSize` frames: pixel checksum and payload offset.
    public let index: [(crc: UInt32, offset: Int)]
    public let fileSize: Int
    var coder: AnyFrameCoder
    var decoder: RangeDecoder
    var blockCRC: UInt32 = 0
    public private(set) var framesRead = 0

    /// Open a stream file; reads the header, trailer, index and scene metadata.
    public init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CodecError("\(path): cannot open file") }
        let size: Int
        do {
            size = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
        } catch { throw CodecError("\(path): cannot read file") }
        try self.init(name: path, size: size, read: { count, offset in
            do {
                try handle.seek(toOffset: UInt64(offset))
                let data = try handle.read(upToCount: count) ?? Data()
                guard data.count == count else { throw CodecError("\(path): truncated") }
                return [UInt8](data)
            } catch let e as CodecError { throw e } catch { throw CodecError("\(path): cannot read file") }
        }, payload: { RangeDecoder(handle: handle, start: $0, length: $1) })
    }

    /// Read a stream held in memory (tests, fuzzing); `name` stands in for the path in errors.
    public init(bytes: [UInt8], name: String = "<memory>") throws {
        try self.init(name: name, size: bytes.count, read: { count, offset in
            guard offset >= 0, count >= 0, offset <= bytes.count - count else { throw CodecError("\(name): truncated") }
            return Array(bytes[offset..<(offset + count)])
        }, payload: { RangeDecoder(bytes, range: $0..<($0 + $1)) })
    }

    private init(name path: String, size: Int, read readBytes: (Int, Int) throws -> [UInt8],
                 payload: (Int, Int) -> RangeDecoder) throws {
        self.path = path
        fileSize = size
        let header = try readBytes(min(size, StreamFormat.headerSize), 0)
        guard header.count >= 8, Array(header[0..<8]) == StreamFormat.magic else {
            throw CodecError("\(path): not an Occam stream (no OCCAMVID signature)")
        }
        guard header.count == StreamFormat.headerSize else { throw CodecError("\(path): truncated inside the header") }
        let version = header.le(UInt16.self, at: 8)
        guard version <= StreamFormat.version else {
            throw CodecError("\(path): stream version \(version) is newer than this Occam reads (\(StreamFormat.version)); upgrade Occam")
        }
        guard header.le(UInt32.self, at: 28) == CRC32.checksum(header[0..<28]) else {
            throw CodecError("\(path): header checksum mismatch (corrupt file)")
        }
        guard let model = ModelKind(id: header[10]) else { throw CodecError("\(path): unknown model id \(header[10])") }
        // Version 3 averages each object's disc fits over its life, which changes what the
        // object-based levels predict; intra and temporal streams of every version decode.
        if version < 3 && model.modelsObjects {
            throw CodecError("\(path): a \(model.rawValue)-level stream of version \(version), whose object model this Occam no longer reproduces; encode the frames again")
        }
        let channels = Int(header[11])
        let width = Int(header.le(UInt32.self, at: 12)), height = Int(header.le(UInt32.self, at: 16))
        let frames = Int(header.le(UInt32.self, at: 20))
        let sceneCRC = header.le(UInt32.self, at: 24)
        let g = Geometry(width: width, height: height, channels: channels)
        guard channels == 1 || channels == 3, (1...StreamFormat.maxSide).contains(width), (1...StreamFormat.maxSide).contains(height),
              g.count <= StreamFormat.maxSamples, (1...StreamFormat.maxFrames).contains(frames)
        else { throw CodecError("\(path): header describes \(width)x\(height)x\(channels), \(frames) frames: out of range (corrupt file)") }
        let blocks = (frames + StreamFormat.blockSize - 1) / StreamFormat.blockSize
        let indexLength = blocks * StreamFormat.indexEntrySize
        guard size >= StreamFormat.headerSize + indexLength + StreamFormat.trailerSize else {
            throw CodecError("\(path): truncated (\(size) bytes, too short for \(frames) frames)")
        }
        let trailer = try readBytes(StreamFormat.trailerSize, size - StreamFormat.trailerSize)
        guard Array(trailer[24..<32]) == StreamFormat.endMagic, Int(trailer.le(UInt32.self, at: 20)) == StreamFormat.blockSize else {
            throw CodecError("\(path): truncated or damaged (no OCCAMEND trailer)")
        }
        let payloadLength = Int(clamping: trailer.le(UInt64.self, at: 0))
        let indexOffset = Int(clamping: trailer.le(UInt64.self, at: 8))
        let payloadStart = StreamFormat.headerSize
        // Every value is bounded by the file size before any sum (a hostile trailer must not overflow).
        guard payloadLength <= size, indexOffset <= size,
              indexOffset == payloadStart + payloadLength,
              indexOffset + indexLength + StreamFormat.trailerSize == size else {
            throw CodecError("\(path): damaged (the trailer's offsets do not match the file size)")
        }
        let indexBytes = try readBytes(indexLength, indexOffset)
        guard CRC32.checksum(indexBytes) == trailer.le(UInt32.self, at: 16) else {
            throw CodecError("\(path): frame index checksum mismatch (corrupt file)")
        }
        var entries: [(crc: UInt32, offset: Int)] = []
        entries.reserveCapacity(blocks)
        for k in 0..<blocks {
            let base = k * StreamFormat.indexEntrySize
            entries.append((indexBytes.le(UInt32.self, at: base), Int(clamping: indexBytes.le(UInt64.self, at: base + 4))))
        }
        self.geometry = g
        self.frameCount = frames
        self.model = model
        self.index = entries
        decoder = payload(payloadStart, payloadLength)
        var sceneCoder = SceneCoder(version: version)
        guard let sceneBytes = sceneCoder.code([], coder: &decoder), CRC32.checksum(sceneBytes) == sceneCRC, !decoder.failed else {
            throw CodecError("\(path): scene metadata does not match its checksum (corrupt stream)")
        }
        scene = Data(sceneBytes)
        // From version 3 the law, start and appearance continue the scene's text coder, as written.
        if model.carriesLaw {
            var lawCoder = version >= 3 ? sceneCoder : SceneCoder(version: version)
            guard let bytes = lawCoder.code([], coder: &decoder), let text = String(bytes: bytes, encoding: .utf8),
                  let l = try? Law(text: text)
            else { throw CodecError("\(path): the stream's law cannot be read (corrupt stream)") }
            law = l
            if version >= 3 { sceneCoder = lawCoder }
        }
        var start = NeuralStart.online
        if model.carriesStart {
            guard let bytes = sceneCoder.code([], coder: &decoder), let name = String(bytes: bytes, encoding: .utf8)
            else { throw CodecError("\(path): the stream's network start cannot be read (corrupt stream)") }
            guard let s = NeuralStart(rawValue: name) else {
                throw CodecError("\(path): the stream's network starts from weights '\(name)', which this Occam does not have (known: \(NeuralStart.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            start = s
        }
        var look = ObjectAppearance.disc
        if version >= 4 && model.modelsObjects {
            guard let bytes = sceneCoder.code([], coder: &decoder), let name = String(bytes: bytes, encoding: .utf8)
            else { throw CodecError("\(path): the stream's object appearance cannot be read (corrupt stream)") }
            guard let a = ObjectAppearance(rawValue: name) else {
                throw CodecError("\(path): the stream's objects take the appearance '\(name)', which this Occam does not know (known: \(ObjectAppearance.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            look = a
        }
        appearance = look
        coder = model.frameCoder(geometry: g, calibration: StreamCalibration(scene: scene), law: law, start: start, appearance: look)
    }

    /// Decode the next frame; at the end of each block, check the block's checksum.
    public mutating func next() throws -> [UInt8] {
        guard framesRead < frameCount else { throw CodecError("\(path): no more frames") }
        var frame = [UInt8](repeating: 0, count: geometry.count)
        coder.code(&frame, coder: &decoder, encoding: false)
        if decoder.failed { throw CodecError("\(path): cannot read the payload") }
        blockCRC = CRC32.checksum(frame, initial: blockCRC)
        framesRead += 1
        if framesRead % StreamFormat.blockSize == 0 || framesRead == frameCount {
            let block = (framesRead - 1) / StreamFormat.blockSize
            guard blockCRC == index[block].crc else {
                let first = block * StreamFormat.blockSize
                throw CodecError("\(path): frames \(first)–\(framesRead - 1) do not match their checksum (corrupt stream)")
            }
            blockCRC = 0
        }
        return frame
    }
}

extension Array where Element == UInt8 {
    mutating func append<T: FixedWidthInteger>(le value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }

    func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var v: T = 0
        for k in 0..<MemoryLayout<T>.size { v |= T(self[offset + k]) << (8 * k) }
        return v
    }
}

extension ArraySlice where Element == UInt8 {
    func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T { Array(self).le(type, at: offset) }
}
