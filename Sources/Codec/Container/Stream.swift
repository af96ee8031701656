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

/// Layout of an `.occ` stream of version 5 (all fixed-size integers little-endian):
///
///     header   "OCCAMVID" · version u16 · model u8 · channels u8 · appearance u8 · start u8
///              · width, height, frames (unsigned LEB128) · CRC-32 of the scene metadata u32
///              · CRC-32 of the header bytes before it u32
///     payload  one range-coded bit stream: the scene.json bytes (length, then a context-mixing
///              text model), the law's text for the law level, then every frame
///     index    per block of 64 frames: CRC-32 of the block's decoded pixels u32
///     trailer  CRC-32 of the index u32 · "OCCAMEND"
///
/// The appearance (`ObjectAppearance.id`) and the network's start (`NeuralStart.id`) are 0 for
/// the levels that have none. The payload's length is what the file leaves between the header
/// and the index. Versions 3 and 4 (still read, and written only by tests) had a fixed 32-byte
/// header (width, height and frames u32, no appearance or start), named the start and, in
/// version 4, the appearance as text after the law, kept each block's payload offset (u64) after
/// its checksum in the index, and ended with payload length u64 · index offset u64 · CRC-32 of
/// the index u32 · block size u32 · "OCCAMEND": 184 bytes of a 600-frame stream besides the
/// payload (and ~8 for the appearance's name), where version 5 spends 78 — and nothing read the
/// offsets (a frame is decoded only after every frame before it).
///
/// The decoder checks the header, trailer and index before decoding, the scene against its
/// checksum, and each block of frames against its checksum as soon as the block is decoded.
/// Per-frame bits are not stored: they would cost more than a well-predicted frame.
/// A choice a stream header records as a number (the level, the appearance, the network's
/// start): `id` is its number, never reused; `init?(id:)` reads it back.
protocol HeaderNumbered: CaseIterable {
    var id: UInt8 { get }
}

extension HeaderNumbered {
    init?(id: UInt8) {
        guard let value = Self.allCases.first(where: { $0.id == id }) else { return nil }
        self = value
    }
}

public enum StreamFormat {
    public static let magic = Array("OCCAMVID".utf8)
    public static let endMagic = Array("OCCAMEND".utf8)
    /// 2: the law level fits its constants to five-point differences (version 1: three-point).
    /// 3: the scene metadata and law are coded by a context-mixing text model (`TextCoder`),
    /// and the object levels average each object's disc fits. Intra and temporal streams of
    /// versions 1 and 2 (order-1 scene bytes) still decode; their object levels do not.
    /// 4: object levels name the profiles their objects may take (`ObjectAppearance`); written
    /// for object levels with an appearance other than `disc` (the rest stayed version 3).
    /// 5: the compact container above; every stream is written with it. The models code the
    /// frames exactly as in versions 3 and 4 (a stream re-encoded as version 5 differs only in
    /// its container; the golden streams of versions 3 and 4 check both directions) but for the
    /// neural level with the `profiles-2` and `-3` appearances, whose network now follows
    /// trajectories and learns from smoothed samples (`NeuralPredictor`).
    /// 6: the same container and models, but for the neural level with the `profiles-2` and `-3`
    /// appearances, which adds a central-field network beside the general one and solves both
    /// readouts every frame (`NeuralPredictor`).
    /// 7: the same container and models, but for the neural level with the `profiles-2` and `-3`
    /// appearances, which adds a pair network (`PairField`): each moving object's acceleration
    /// from the other moving objects' positions, graph-style, its steps candidates beside the
    /// other networks'. A stream with one moving object codes as in version 6.
    public static let version: UInt16 = 7

    /// Versions 3 and 4: fixed header, offsets in the index, long trailer.
    static let legacyHeaderSize = 32
    static let legacyTrailerSize = 32
    static let legacyIndexEntrySize = 12
    /// Version 5: the longest header a reader accepts (LEB128 fields of up to 5 bytes), the
    /// index entry and the trailer.
    static let maxHeaderSize = 14 + 3 * 5 + 8
    static let indexEntrySize = 4
    static let trailerSize = 12
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
    let formatVersion: UInt16
    /// Information content of each frame (bits), for the ladder.
    public private(set) var frameBits: [Double] = []
    /// Bits spent on the scene metadata (and the law's text, for the law level).
    public private(set) var sceneBits = 0.0

    /// A stream into a file; `handle` must be positioned at the start of an empty file.
    /// `law` (for the law level) is stored in the stream as its text.
    public init(handle: FileHandle, geometry: Geometry, frameCount: Int, model: ModelKind, scene: Data, law: Law? = nil,
                start: NeuralStart = .online, appearance: ObjectAppearance = .default) throws {
        try self.init(sink: .file(handle), geometry: geometry, frameCount: frameCount, model: model, scene: scene, law: law,
                      start: start, appearance: appearance, formatVersion: StreamFormat.version)
    }

    /// A stream held in memory (`bytes` after `finish`).
    public init(geometry: Geometry, frameCount: Int, model: ModelKind, scene: Data, law: Law? = nil,
                start: NeuralStart = .online, appearance: ObjectAppearance = .default) throws {
        try self.init(sink: .memory([]), geometry: geometry, frameCount: frameCount, model: model, scene: scene, law: law,
                      start: start, appearance: appearance, formatVersion: StreamFormat.version)
    }

    /// `formatVersion` 3 or 4 writes the layout older Occams wrote (the golden streams' tests
    /// encode their frames again in their version, to check the models have not drifted).
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
        self.formatVersion = formatVersion
        var lawText: String?
        var decodersLaw: Law?
        if model.carriesLaw {
            guard let law else { throw CodecError("the law level needs a law (--law 'ax = …; ay = …')") }
            let text = law.text
            do { decodersLaw = try Law(text: text) } catch { throw CodecError("the law '\(text)' does not read back: \(error)") }
            lawText = text
        }
        let objectsLook = formatVersion >= 4 && model.modelsObjects ? appearance : .disc
        let networkStart = model.carriesStart ? start : .online
        coder = model.frameCoder(geometry: geometry, calibration: StreamCalibration(scene: scene), law: decodersLaw, start: networkStart,
                                 appearance: objectsLook, version: formatVersion)
        var header = StreamFormat.magic
        header.append(le: formatVersion)
        header.append(model.id)
        header.append(UInt8(geometry.channels))
        if formatVersion >= 5 {
            header.append(model.modelsObjects ? objectsLook.id : 0)
            header.append(model.carriesStart ? networkStart.id : 0)
            header.append(leb128: geometry.width)
            header.append(leb128: geometry.height)
            header.append(leb128: frameCount)
        } else {
            header.append(le: UInt32(geometry.width))
            header.append(le: UInt32(geometry.height))
            header.append(le: UInt32(frameCount))
        }
        header.append(le: CRC32.checksum(scene))
        header.append(le: CRC32.checksum(header))
        try Self.write(header, to: &self.sink)
        payloadStart = header.count
        var sceneCoder = SceneCoder(version: formatVersion)
        _ = sceneCoder.code([UInt8](scene), coder: &counting)
        if let lawText {
            _ = sceneCoder.code(Array(lawText.utf8), coder: &counting)
        }
        // Versions 3 and 4 named the start and the appearance as text in the payload.
        if formatVersion < 5 && model.carriesStart {
            _ = sceneCoder.code(Array(networkStart.rawValue.utf8), coder: &counting)
        }
        if formatVersion == 4 && model.modelsObjects {
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
        let (entry, trailer) = formatVersion >= 5 ? (StreamFormat.indexEntrySize, StreamFormat.trailerSize)
            : (StreamFormat.legacyIndexEntrySize, StreamFormat.legacyTrailerSize)
        return payloadStart + max(0, Int(counting.bits / 8) - 8) + blocks * entry + trailer
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
    /// The neural level's pair network (stream version 7; nil when it learned nothing).
    public var pairMessages: PairMessages? { coder.pairMessages }

    /// Code one frame (pixels interleaved, rows top to bottom). Returns its information content in bits.
    @discardableResult
    public mutating func append(_ pixels: [UInt8]) throws -> Double {
        guard pixels.count == geometry.count else { throw CodecError("frame \(framesDone) has the wrong size") }
        guard framesDone < frameCount else { throw CodecError("more frames than announced") }
        if framesDone % StreamFormat.blockSize == 0 {
            if formatVersion < 5 { index.append(le: UInt64(written + counting.encoder.bytes.count)) }
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
            // Versions 3 and 4: the block's checksum goes before its offset (crc u32 · offset u64).
            let entry = formatVersion < 5 ? index.count - 8 : index.count
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
        if formatVersion < 5 {
            trailer.append(le: UInt64(written))
            trailer.append(le: UInt64(indexOffset))
            trailer.append(le: CRC32.checksum(index))
            trailer.append(le: UInt32(StreamFormat.blockSize))
        } else {
            trailer.append(le: CRC32.checksum(index))
        }
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
    /// The stream's format version (`StreamFormat.version` for streams written today).
    public let version: UInt16
    /// Per block of `StreamFormat.blockSize` frames: the CRC-32 of its decoded pixels.
    let blockChecksums: [UInt32]
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
        let header = try readBytes(min(size, StreamFormat.maxHeaderSize), 0)
        guard header.count >= 8, Array(header[0..<8]) == StreamFormat.magic else {
            throw CodecError("\(path): not an Occam stream (no OCCAMVID signature)")
        }
        guard header.count >= 14 else { throw CodecError("\(path): truncated inside the header") }
        let version = header.le(UInt16.self, at: 8)
        guard version <= StreamFormat.version else {
            throw CodecError("\(path): stream version \(version) is newer than this Occam reads (\(StreamFormat.version)); upgrade Occam")
        }
        // Versions 1–4: fixed fields; version 5: appearance and start ids, then LEB128 sizes.
        var fields = 12
        let width: Int, height: Int, frames: Int
        var lookID: UInt8 = 0, startID: UInt8 = 0
        if version < 5 {
            guard header.count >= StreamFormat.legacyHeaderSize else { throw CodecError("\(path): truncated inside the header") }
            width = Int(header.le(UInt32.self, at: 12))
            height = Int(header.le(UInt32.self, at: 16))
            frames = Int(header.le(UInt32.self, at: 20))
            fields = 24
        } else {
            lookID = header[12]
            startID = header[13]
            fields = 14
            var sizes: [Int] = []
            for _ in 0..<3 {
                guard let (value, length) = header.leb128(at: fields) else {
                    throw CodecError("\(path): truncated or damaged inside the header")
                }
                sizes.append(value)
                fields += length
            }
            (width, height, frames) = (sizes[0], sizes[1], sizes[2])
        }
        let headerSize = fields + 8
        guard header.count >= headerSize else { throw CodecError("\(path): truncated inside the header") }
        guard header.le(UInt32.self, at: fields + 4) == CRC32.checksum(header[0..<(fields + 4)]) else {
            throw CodecError("\(path): header checksum mismatch (corrupt file)")
        }
        guard let model = ModelKind(id: header[10]) else { throw CodecError("\(path): unknown model id \(header[10])") }
        // Version 3 averages each object's disc fits over its life, which changes what the
        // object-based levels predict; intra and temporal streams of every version decode.
        if version < 3 && model.modelsObjects {
            throw CodecError("\(path): a \(model.rawValue)-level stream of version \(version), whose object model this Occam no longer reproduces; encode the frames again")
        }
        let channels = Int(header[11])
        let sceneCRC = header.le(UInt32.self, at: fields)
        let g = Geometry(width: width, height: height, channels: channels)
        guard channels == 1 || channels == 3, (1...StreamFormat.maxSide).contains(width), (1...StreamFormat.maxSide).contains(height),
              g.count <= StreamFormat.maxSamples, (1...StreamFormat.maxFrames).contains(frames)
        else { throw CodecError("\(path): header describes \(width)x\(height)x\(channels), \(frames) frames: out of range (corrupt file)") }
        var look = ObjectAppearance.disc
        var start = NeuralStart.online
        if version >= 5 {
            guard let a = ObjectAppearance(id: lookID), model.modelsObjects || lookID == 0 else {
                throw CodecError("\(path): the stream's objects take appearance number \(lookID), which this Occam does not know (known: \(ObjectAppearance.allCases.map { "\($0.id) \($0.rawValue)" }.joined(separator: ", ")))")
            }
            guard let s = NeuralStart(id: startID), model.carriesStart || startID == 0 else {
                throw CodecError("\(path): the stream's network starts from weights number \(startID), which this Occam does not have (known: \(NeuralStart.allCases.map { "\($0.id) \($0.rawValue)" }.joined(separator: ", ")))")
            }
            (look, start) = (a, s)
        }
        let blocks = (frames + StreamFormat.blockSize - 1) / StreamFormat.blockSize
        let (entrySize, trailerSize) = version >= 5 ? (StreamFormat.indexEntrySize, StreamFormat.trailerSize)
            : (StreamFormat.legacyIndexEntrySize, StreamFormat.legacyTrailerSize)
        let indexLength = blocks * entrySize
        guard size >= headerSize + indexLength + trailerSize else {
            throw CodecError("\(path): truncated (\(size) bytes, too short for \(frames) frames)")
        }
        let trailer = try readBytes(trailerSize, size - trailerSize)
        guard Array(trailer[(trailerSize - 8)...]) == StreamFormat.endMagic,
              version >= 5 || Int(trailer.le(UInt32.self, at: 20)) == StreamFormat.blockSize else {
            throw CodecError("\(path): truncated or damaged (no OCCAMEND trailer)")
        }
        let payloadStart = headerSize
        let indexOffset = size - trailerSize - indexLength
        let payloadLength = indexOffset - payloadStart
        if version < 5 {
            // Every value is bounded by the file size before any sum (a hostile trailer must not overflow).
            let storedLength = Int(clamping: trailer.le(UInt64.self, at: 0))
            let storedOffset = Int(clamping: trailer.le(UInt64.self, at: 8))
            guard storedLength <= size, storedOffset <= size, storedOffset == indexOffset, storedLength == payloadLength else {
                throw CodecError("\(path): damaged (the trailer's offsets do not match the file size)")
            }
        }
        let indexBytes = try readBytes(indexLength, indexOffset)
        guard CRC32.checksum(indexBytes) == trailer.le(UInt32.self, at: version >= 5 ? 0 : 16) else {
            throw CodecError("\(path): frame index checksum mismatch (corrupt file)")
        }
        let entries = (0..<blocks).map { indexBytes.le(UInt32.self, at: $0 * entrySize) }
        self.geometry = g
        self.frameCount = frames
        self.model = model
        self.blockChecksums = entries
        decoder = payload(payloadStart, payloadLength)
        var sceneCoder = SceneCoder(version: version)
        guard let sceneBytes = sceneCoder.code([], coder: &decoder), CRC32.checksum(sceneBytes) == sceneCRC, !decoder.failed else {
            throw CodecError("\(path): scene metadata does not match its checksum (corrupt stream)")
        }
        scene = Data(sceneBytes)
        // From version 3 the law (and in versions 3 and 4 the start and appearance) continue
        // the scene's text coder, as written.
        if model.carriesLaw {
            var lawCoder = version >= 3 ? sceneCoder : SceneCoder(version: version)
            guard let bytes = lawCoder.code([], coder: &decoder), let text = String(bytes: bytes, encoding: .utf8),
                  let l = try? Law(text: text)
            else { throw CodecError("\(path): the stream's law cannot be read (corrupt stream)") }
            law = l
            if version >= 3 { sceneCoder = lawCoder }
        }
        if version < 5 && model.carriesStart {
            guard let bytes = sceneCoder.code([], coder: &decoder), let name = String(bytes: bytes, encoding: .utf8)
            else { throw CodecError("\(path): the stream's network start cannot be read (corrupt stream)") }
            guard let s = NeuralStart(rawValue: name) else {
                throw CodecError("\(path): the stream's network starts from weights '\(name)', which this Occam does not have (known: \(NeuralStart.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            start = s
        }
        if version == 4 && model.modelsObjects {
            guard let bytes = sceneCoder.code([], coder: &decoder), let name = String(bytes: bytes, encoding: .utf8)
            else { throw CodecError("\(path): the stream's object appearance cannot be read (corrupt stream)") }
            guard let a = ObjectAppearance(rawValue: name) else {
                throw CodecError("\(path): the stream's objects take the appearance '\(name)', which this Occam does not know (known: \(ObjectAppearance.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            look = a
        }
        appearance = look
        self.version = version
        coder = model.frameCoder(geometry: g, calibration: StreamCalibration(scene: scene), law: law, start: start, appearance: look,
                                 version: version)
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
            guard blockCRC == blockChecksums[block] else {
                let first = block * StreamFormat.blockSize
                throw CodecError("\(path): frames \(first)–\(framesRead - 1) do not match their checksum (corrupt stream)")
            }
            blockCRC = 0
        }
        return frame
    }
}

extension Array where Element == UInt8 {
    /// Unsigned LEB128: seven bits per byte, low first, the top bit set on all but the last.
    mutating func append(leb128 value: Int) {
        precondition(value >= 0)
        var v = value
        while v >= 0x80 {
            append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// The unsigned LEB128 value at `offset` and its length in bytes; nil if it runs past the
    /// end or beyond five bytes (no field of the header needs more).
    func leb128(at offset: Int) -> (value: Int, length: Int)? {
        var value = 0
        for k in 0..<5 {
            guard offset + k < count else { return nil }
            let byte = self[offset + k]
            value |= Int(byte & 0x7F) << (7 * k)
            if byte < 0x80 { return (value, k + 1) }
        }
        return nil
    }

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
