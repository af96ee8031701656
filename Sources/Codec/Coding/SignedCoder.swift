import Foundation

/// Codes small signed integers (side information such as position corrections): zero flag,
/// sign, then Exp-Golomb-style bit length in unary and the lower bits, all adaptive. Values are
/// limited to ±(2¹⁶ − 1); loops are bounded, so corrupt input cannot hang it.
struct SignedCoder: Sendable {
    var models = [BitModel](repeating: BitModel(), count: 2 + 17 + 17 * 4)

    @inline(__always)
    mutating func code<C: BinaryCoder>(_ value: Int, coder: inout C) -> Int {
        let v = max(-65535, min(65535, value))
        if coder.code(v == 0 ? 1 : 0, &models[0]) == 1 { return 0 }
        let negative = coder.code(v < 0 ? 1 : 0, &models[1]) == 1
        let magnitude = abs(v)
        let length = Int.bitWidth - magnitude.leadingZeroBitCount   // 1…16
        var k = 1
        while k < 16 {
            if coder.code(length > k ? 1 : 0, &models[2 + k]) == 0 { break }
            k += 1
        }
        var decoded = 1
        if k > 1 {
            for bit in stride(from: k - 2, through: 0, by: -1) {
                let slot = 19 + k * 4 + min(k - 2 - bit, 3)
                decoded = (decoded << 1) | coder.code((magnitude >> bit) & 1, &models[slot])
            }
        }
        return negative ? -decoded : decoded
    }

    /// What coding `value` would cost now, in bits, without coding it (the encoder's
    /// rate–distortion choices). Follows `code` step by step.
    func cost(_ value: Int) -> Double {
        @inline(__always) func bits(_ bit: Int, _ m: BitModel) -> Double {
            let p = Double(m.p) / 65536
            return -log2(bit != 0 ? p : 1 - p)
        }
        let v = max(-65535, min(65535, value))
        if v == 0 { return bits(1, models[0]) }
        var total = bits(0, models[0]) + bits(v < 0 ? 1 : 0, models[1])
        let magnitude = abs(v)
        let length = Int.bitWidth - magnitude.leadingZeroBitCount
        var k = 1
        while k < 16 {
            let more = length > k ? 1 : 0
            total += bits(more, models[2 + k])
            if more == 0 { break }
            k += 1
        }
        if k > 1 {
            for bit in stride(from: k - 2, through: 0, by: -1) {
                total += bits((magnitude >> bit) & 1, models[19 + k * 4 + min(k - 2 - bit, 3)])
            }
        }
        return total
    }
}
