/// An adaptive probability that a bit is 1, learned by counting: the step toward each new bit
/// is 1/(n + 1.5) for the first bits (close to a frequency count, so a fresh context learns
/// fast) and then settles at 1/(`limit` + 1.5), which tracks slow drift. The state is 32-bit
/// fixed point so that very skewed contexts (an all-black background) can reach the coder's
/// 1/65536 floor instead of stalling where an integer step rounds to zero.
public struct BitModel: Sendable {
    var state: UInt32 = 1 << 31
    var n: UInt16 = 0

    public init() {}

    /// Probability of a 1 in 1/65536 units, within [1, 65535].
    @inline(__always) public var p: UInt32 { min(max(state >> 16, 1), 65535) }

    @inline(__always) public mutating func update(_ bit: Int, limit: UInt16 = 1023) {
        let target: Int64 = bit != 0 ? 0xFFFF_FFFF : 0
        // (Swift's >> binds tighter than *: the parentheses matter.) 2³⁰-scaled, so no overflow.
        let delta = ((target - Int64(state)) * reciprocal[Int(n)]) >> 30
        state = UInt32(Int64(state) + delta)
        if n < limit { n += 1 }
    }
}

/// 2³⁰ / (n + 1.5) for n < 1024.
private let reciprocal: [Int64] = (0..<1024).map { Int64((1073741824.0 / (Double($0) + 1.5)).rounded(.down)) }

extension BinaryCoder {
    /// Code `bit` with an adaptive model and update the model: the one code path for both sides.
    @inline(__always) public mutating func code(_ bit: Int, _ model: inout BitModel) -> Int {
        let b = code(bit, p1: model.p)
        model.update(b)
        return b
    }
}
