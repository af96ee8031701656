import Foundation
import TestSupport
import Testing
@testable import Codec

@Suite struct RangeCoderTests {
    /// Round trip of bit sequences with given probabilities, through the one shared code path.
    func roundTrip(bits: [Int], probabilities: [UInt32]) -> Bool {
        var encoder = RangeEncoder()
        for (b, p) in zip(bits, probabilities) { _ = encoder.code(b, p1: p) }
        let bytes = encoder.finish()
        var decoder = RangeDecoder(bytes, range: 0..<bytes.count)
        for (b, p) in zip(bits, probabilities) where decoder.code(0, p1: p) != b { return false }
        return decoder.overrun <= 4
    }

    @Test func emptyOneAndExtremes() {
        #expect(roundTrip(bits: [], probabilities: []))
        #expect(roundTrip(bits: [1], probabilities: [32768]))
        #expect(roundTrip(bits: [0], probabilities: [1]))
        // Bits that contradict extreme probabilities still code exactly.
        #expect(roundTrip(bits: Array(repeating: 1, count: 1000), probabilities: Array(repeating: 1, count: 1000)))
        #expect(roundTrip(bits: Array(repeating: 0, count: 1000), probabilities: Array(repeating: 65535, count: 1000)))
        #expect(roundTrip(bits: [0, 1, 0, 1], probabilities: [0, 70000, 65536, 3]))
    }

    @Test func randomBitsAndProbabilities() {
        var r = XorShift64Star(seed: 99)
        let n = 200_000
        var bits: [Int] = [], probabilities: [UInt32] = []
        for _ in 0..<n {
            let p = UInt32(r.next() % 65536)
            probabilities.append(p)
            bits.append(r.unit() < Double(p) / 65536 ? 1 : 0)
        }
        #expect(roundTrip(bits: bits, probabilities: probabilities))
    }

    /// Coded size is within a fraction of a percent of the information content.
    @Test func sizeMatchesInformationContent() {
        var r = XorShift64Star(seed: 3)
        var encoder = RangeEncoder()
        var counter = BitCounter()
        var model = BitModel()
        var counted = BitModel()
        for _ in 0..<500_000 {
            let bit = r.unit() < 0.03 ? 1 : 0
            _ = encoder.code(bit, &model)
            _ = counter.code(bit, &counted)
        }
        let bytes = encoder.finish().count
        let entropy = 500_000 * (-(0.03 * log2(0.03) + 0.97 * log2(0.97)))
        #expect(abs(Double(bytes * 8) / counter.bits - 1) < 0.002)
        #expect(Double(bytes * 8) / entropy < 1.01, "\(bytes * 8) bits for entropy \(entropy)")
    }

    /// The adaptive model can become as confident as the coder allows (1/65536).
    @Test func modelReachesTheProbabilityFloor() {
        var m = BitModel()
        for _ in 0..<100_000 { m.update(0) }
        #expect(m.p == 1)
        for _ in 0..<100_000 { m.update(1) }
        #expect(m.p == 65535)
    }

    @Test func residualCoderCodesEveryValueForEveryPrediction() {
        var coder = ResidualCoder(contexts: 3)
        var encoder = RangeEncoder()
        var pairs: [(Int, Int)] = []
        for prediction in stride(from: 0, through: 255, by: 5) {
            for value in 0...255 { pairs.append((value, prediction)) }
        }
        for (k, (v, p)) in pairs.enumerated() { _ = coder.code(v, prediction: p, context: k % 3, coder: &encoder) }
        let bytes = encoder.finish()
        var decoder = RangeDecoder(bytes, range: 0..<bytes.count)
        var decoding = ResidualCoder(contexts: 3)
        var ok = true
        for (k, (v, p)) in pairs.enumerated() where decoding.code(0, prediction: p, context: k % 3, coder: &decoder) != v {
            ok = false
        }
        #expect(ok)
    }
}
