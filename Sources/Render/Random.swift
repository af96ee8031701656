import Foundation

/// SplitMix64: a small, fast, seedable generator (Steele, Lea & Flood 2014). Deterministic
/// across platforms, so a seeded render is reproducible bit for bit.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    public mutating func nextUnit() -> Double { (Double(next() >> 11) + 0.5) / 9007199254740992.0 }

    /// Uniform in [0, 1): the top 53 bits (the neural level's initial weights and minibatches,
    /// `occam train`'s corpus — part of what their outputs are, so it stays as it is).
    public mutating func nextHalfOpenUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0..<n (n > 0), by remainder.
    public mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Standard normal deviate by Box–Muller.
    public mutating func nextGaussian() -> Double {
        let u1 = nextUnit(), u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
