/// Codes a pixel given its prediction, as a few binary decisions with adaptive models chosen by
/// a context: is the residual zero; its sign (skipped when only one sign fits in 0…255); the
/// magnitude's bit length in unary; then the magnitude's lower bits (the top two modelled by
/// length, the rest by position). Every loop is bounded by 8, so corrupt input cannot hang it.
public struct ResidualCoder: Sendable {
    public let contexts: Int
    static let perContext = 1 + 1 + 8 + 8 * 8
    var models: [BitModel]

    public init(contexts: Int) {
        self.contexts = contexts
        models = Array(repeating: BitModel(), count: contexts * Self.perContext)
    }

    /// Code `value` (encoder) or decode it (decoder; `value` is ignored) given `prediction` in
    /// 0…255 and `context` in 0..<contexts. Returns the value.
    @inline(__always)
    public mutating func code<C: BinaryCoder>(_ value: Int, prediction: Int, context: Int, coder: inout C) -> Int {
        let base = context * Self.perContext
        let residual = value - prediction
        return models.withUnsafeMutableBufferPointer { m in
            if coder.code(residual == 0 ? 1 : 0, &m[base]) == 1 { return prediction }
            // Which signs are possible: the value must stay in 0…255.
            let canBePositive = prediction < 255, canBeNegative = prediction > 0
            let negative: Bool
            if canBePositive && canBeNegative {
                negative = coder.code(residual < 0 ? 1 : 0, &m[base + 1]) == 1
            } else {
                negative = canBeNegative
            }
            let limit = negative ? prediction : 255 - prediction   // largest magnitude that fits
            let magnitude = abs(residual)
            // Bit length of the magnitude (1…8), in unary, never beyond what fits.
            let maxLength = Self.bitLength(limit)
            let length = Self.bitLength(magnitude)
            var k = 1
            while k < maxLength {
                let more = coder.code(length > k ? 1 : 0, &m[base + 2 + k - 1])
                if more == 0 { break }
                k += 1
            }
            // Lower bits below the leading one.
            var decoded = 1
            if k > 1 {
                for bit in stride(from: k - 2, through: 0, by: -1) {
                    let position = k - 2 - bit
                    let slot = base + 10 + (k - 1) * 8 + min(position, 7)
                    let b = coder.code((magnitude >> bit) & 1, &m[slot])
                    decoded = (decoded << 1) | b
                }
            }
            // Corrupt input can decode a magnitude that does not fit; clamp it (the checksum
            // reports the corruption).
            decoded = min(decoded, max(limit, 1))
            return negative ? prediction - decoded : prediction + decoded
        }
    }

    @inline(__always) static func bitLength(_ v: Int) -> Int { v <= 0 ? 1 : Int.bitWidth - v.leadingZeroBitCount }
}
