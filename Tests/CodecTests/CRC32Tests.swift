import TestSupport
import Testing
@testable import Codec

/// The stream's checksums: the fast (eight bytes per step) CRC must equal the textbook one,
/// or every archived stream would fail its check.
@Suite struct CRC32Tests {
    /// One byte at a time, straight from the polynomial (no tables).
    func reference(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        var c = ~initial
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    @Test func checkValue() {
        // The CRC-32 check value of the catalogue of parametrised CRCs.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func equalsBytewiseAtEveryLengthAndChained() {
        var rng = XorShift64Star(seed: 7)
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(CRC32.checksum(bytes) == reference(bytes), "length \(length)")
            // chaining (a block's checksum over several frames) and non-contiguous input
            let cut = length / 3
            let chained = CRC32.checksum(bytes[cut...], initial: CRC32.checksum(bytes[..<cut]))
            #expect(chained == reference(bytes), "chained at \(cut) of \(length)")
            #expect(CRC32.checksum(bytes.lazy.map { $0 }) == reference(bytes))
        }
    }
}
