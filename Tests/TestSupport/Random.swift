import Foundation

/// Seeded generators for test data, so a test draws the same data on every run and machine.
/// Deliberately not the renderer's generator (`SplitMix64`): data a test draws must not share
/// Occam's own choices.

/// A 64-bit linear congruential generator (Knuth's MMIX constants) with Box–Muller normals.
public struct SeededLCG: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// The next state (for `Double.random(in:using:)`, which takes its top bits).
    public mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }

    /// Uniform in [0, 1) from the top 53 bits of the next state.
    public mutating func unit() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / 9007199254740992.0
    }

    /// A standard normal by Box–Muller from two successive states (the first kept off 0).
    public mutating func gaussian() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let u1 = (Double(state >> 11) + 0.5) / 9007199254740992.0
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// xorshift64* (Vigna): raw 64-bit words, uniforms, and normals by Marsaglia's polar method.
public struct XorShift64Star: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed == 0 ? 0x1234_5678 : seed }

    public mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A standard normal (polar method).
    public mutating func gaussian() -> Double {
        while true {
            let a = 2 * unit() - 1, b = 2 * unit() - 1
            let s = a * a + b * b
            if s > 0 && s < 1 { return a * (-2 * log(s) / s).squareRoot() }
        }
    }
}
