import Foundation

/// A binary arithmetic (range) coder with 16-bit probabilities, in the carry-less form of
/// Schindler / PAQ: the interval [low, high] of 32-bit integers shrinks with each bit, and
/// whenever the top bytes of low and high agree that byte is final and shifts out.
///
/// Invariants (checked in debug builds): low ≤ mid < high for every split, so both halves are
/// non-empty whatever the probability; probabilities are clamped to [1, 65535] / 65536.
/// The coder sees only probabilities; models live elsewhere and are updated by the caller
/// through one code path shared by encoder and decoder (see `BinaryCoder`).
public protocol BinaryCoder {
    /// Code one bit whose probability of being 1 is `p1`/65536. The encoder writes `bit` and
    /// returns it; the decoder ignores `bit` and returns the decoded one.
    mutating func code(_ bit: Int, p1: UInt32) -> Int
}

@inline(__always) func split(_ low: UInt32, _ high: UInt32, _ p1: UInt32) -> UInt32 {
    let p = min(max(p1, 1), 65535)
    let range = high &- low
    let mid = low &+ (range >> 16) &* p &+ (((range & 0xFFFF) &* p) >> 16)
    assert(mid >= low && mid < high)
    return mid
}

public struct RangeEncoder: BinaryCoder {
    private var low: UInt32 = 0
    private var high: UInt32 = 0xFFFF_FFFF
    public private(set) var bytes: [UInt8] = []

    public init() {}

    @inline(__always) public mutating func code(_ bit: Int, p1: UInt32) -> Int {
        let mid = split(low, high, p1)
        if bit != 0 { high = mid } else { low = mid &+ 1 }
        while (low ^ high) & 0xFF00_0000 == 0 {
            bytes.append(UInt8(high >> 24))
            low <<= 8
            high = (high << 8) | 0xFF
        }
        return bit
    }

    /// Hand over the bytes that are final so far (to write them out) and forget them.
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// Write the final bytes; after this the encoder is spent.
    public mutating func finish() -> [UInt8] {
        // Any value in [low, high] decodes correctly; low's top byte plus padding that the
        // decoder reads as zeros identifies one, so four bytes of low suffice.
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((low >> UInt32(shift)) & 0xFF)) }
        return bytes
    }
}

public struct RangeDecoder: BinaryCoder {
    private var low: UInt32 = 0
    private var high: UInt32 = 0xFFFF_FFFF
    private var x: UInt32 = 0
    private var buffer: [UInt8]
    private var position: Int
    private var end: Int
    /// For file input: where to read more, and how many payload bytes remain there.
    private let handle: FileHandle?
    private var remaining: Int
    /// Bytes wanted past the end of the payload (corrupt or truncated input reads as zeros).
    public private(set) var overrun = 0
    /// A read from the file failed.
    public private(set) var failed = false

    /// Decode from memory: `data[range]`.
    public init(_ data: [UInt8], range: Range<Int>) {
        buffer = data
        position = range.lowerBound
        end = range.upperBound
        handle = nil
        remaining = 0
        for _ in 0..<4 { x = (x << 8) | UInt32(nextByte()) }
    }

    /// Decode `length` bytes of a file from `start`, reading 64 KiB at a time.
    public init(handle: FileHandle, start: Int, length: Int) {
        buffer = []
        position = 0
        end = 0
        self.handle = handle
        remaining = length
        do { try handle.seek(toOffset: UInt64(start)) } catch { failed = true; remaining = 0 }
        for _ in 0..<4 { x = (x << 8) | UInt32(nextByte()) }
    }

    @inline(__always) private mutating func nextByte() -> UInt8 {
        if position < end {
            defer { position += 1 }
            return buffer[position]
        }
        return refill()
    }

    private mutating func refill() -> UInt8 {
        guard let handle, remaining > 0 else {
            overrun += 1
            return 0
        }
        let want = min(remaining, 1 << 16)
        do {
            let data = try handle.read(upToCount: want) ?? Data()
            guard !data.isEmpty else { failed = true; remaining = 0; overrun += 1; return 0 }
            buffer = [UInt8](data)
            remaining -= data.count
        } catch {
            failed = true
            remaining = 0
            overrun += 1
            return 0
        }
        position = 1
        end = buffer.count
        return buffer[0]
    }

    @inline(__always) public mutating func code(_ bit: Int, p1: UInt32) -> Int {
        let mid = split(low, high, p1)
        let decoded: Int
        if x <= mid { decoded = 1; high = mid } else { decoded = 0; low = mid &+ 1 }
        while (low ^ high) & 0xFF00_0000 == 0 {
            low <<= 8
            high = (high << 8) | 0xFF
            x = (x << 8) | UInt32(nextByte())
        }
        return decoded
    }
}

/// Counts the information content (−log₂ p) of the bits it is asked to code, without writing
/// anything: the ladder's per-frame bits. Uses a 4096-entry table of −log₂ for speed.
public struct BitCounter: BinaryCoder {
    public private(set) var bits: Double = 0
    /// The table, held here so the hot path does not pay a global's lazy-initialisation check.
    let cost = costTable
    public init() {}
    @inline(__always) public mutating func code(_ bit: Int, p1: UInt32) -> Int {
        let p = min(max(p1, 1), 65535)
        bits += cost[Int((bit != 0 ? p : 65536 - p) >> 4)]
        return bit
    }
}

/// −log₂(k/4096) for k in 0..<4096 (k = 0 stands for the smallest probability).
let costTable: [Double] = (0..<4096).map { k in -log2(max(Double(k), 0.5) / 4096) }

