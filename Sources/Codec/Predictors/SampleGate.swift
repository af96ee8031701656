import Foundation
import Render

/// The `prior-2` start's learned acceleration estimator: how much to trust a degree-6 fit of an
/// object's last 11 positions over the degree-4 fit the neural level learns from
/// (`NeuralPredictor.record`), learned on simulated videos with known accelerations.
///
/// The degree-4 Savitzky–Golay second derivative turns little measurement noise into
/// acceleration noise but is biased where the acceleration changes fast within the window (an
/// eccentric orbit's periapsis); the degree-6 one is nearly unbiased there and several times
/// noisier. Which is better depends on the window: the gate measures how much of the window
/// the two extra degrees explain beyond the object's noise, F = (RSS₄ − RSS₆)/N (residual
/// sums of squares of the two fits, both axes; N the object's RSS₆, decayed over its windows —
/// one window's own RSS₆, with 4 degrees of freedom, was too noisy a yardstick), and the
/// sample's acceleration is a₄ + w(F)·(a₆ − a₄)
/// with one weight per bin of F. `occam train` fits the weights by least squares against the
/// true accelerations of the coder's own samples of its corpus (`fit`). Only +, −, ×, ÷ and
/// comparisons: a decoder on any machine makes the same samples.
public struct SampleGate: Sendable, Equatable {
    /// Upper bounds of F's bins (the last bin is open): F is about 0.5 (its dof ratio) when the
    /// extra degrees fit noise only.
    public static let bounds: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384]
    /// One weight per bin (`bounds.count + 1`).
    public var weights: [Double]

    public init(weights: [Double]) {
        precondition(weights.count == Self.bounds.count + 1, "a gate has one weight per bin")
        self.weights = weights
    }

    static let half = 5
    static let fourth = savitzkyGolay(degree: 4)
    static let sixth = savitzkyGolay(degree: 6)

    /// Per position t = −5…5 of the window, the least-squares coefficients' weights of a
    /// polynomial of `degree` through the 11 positions: coefficient k is Σₜ w[t][k]·p(t).
    /// (The degree-4 weights are the ones `NeuralPredictor.derivativeWeights` has always used.)
    static func savitzkyGolay(degree: Int) -> [[Double]] {
        let m = degree + 1
        let ts = (-half...half).map(Double.init)
        var normal = [Double](repeating: 0, count: m * m)
        for t in ts { for a in 0..<m { for b in 0..<m { normal[a * m + b] += NeuralPredictor.power(t, a + b) } } }
        return ts.map { t in solveLinear(normal, (0..<m).map { NeuralPredictor.power(t, $0) }, size: m, minimumPivot: 1e-12)! }
    }

    /// The fit's residual sum of squares over the window and its second derivative at the middle.
    static func fit(_ w: [[Double]], _ p: [Double]) -> (rss: Double, second: Double) {
        let m = w[0].count
        var c = [Double](repeating: 0, count: m)
        for (j, x) in p.enumerated() { for k in 0..<m { c[k] += w[j][k] * x } }
        var rss = 0.0
        for (j, x) in p.enumerated() {
            let t = Double(j - half)
            var f = 0.0, tk = 1.0
            for k in 0..<m { f += c[k] * tk; tk *= t }
            rss += (x - f) * (x - f)
        }
        return (rss, 2 * c[2])
    }

    /// A window's statistic and both accelerations (px/frame², image axes: v down).
    public struct Measure: Sendable {
        public var statistic: Double
        public var fourth: (u: Double, v: Double)
        public var sixth: (u: Double, v: Double)
    }

    /// `noise`: the object's earlier windows' degree-6 residual sum of squares, decayed (nil
    /// for its first window); updated with this window's.
    static func measure(u: [Double], v: [Double], noise: inout Double?) -> Measure {
        let u4 = fit(fourth, u), v4 = fit(fourth, v), u6 = fit(sixth, u), v6 = fit(sixth, v)
        let rss4 = u4.rss + v4.rss, rss6 = u6.rss + v6.rss
        let pooled = noise.map { 0.9 * $0 + 0.1 * rss6 } ?? rss6
        noise = pooled
        return Measure(statistic: (rss4 - rss6) / (pooled + 1e-12), fourth: (u4.second, v4.second), sixth: (u6.second, v6.second))
    }

    static func bin(_ statistic: Double) -> Int { bounds.firstIndex(where: { statistic <= $0 }) ?? bounds.count }

    /// The gated acceleration of a window (image axes).
    func acceleration(_ m: Measure) -> (u: Double, v: Double) {
        let w = weights[Self.bin(m.statistic)]
        return (m.fourth.u + w * (m.sixth.u - m.fourth.u), m.fourth.v + w * (m.sixth.v - m.fourth.v))
    }

    /// One of the coder's samples for learning the gate: the window's measure and the state it
    /// was taken at (x, y, vx, vy: px and px/frame, y up, from the reference body).
    public struct Sample: Sendable {
        public var measure: Measure
        public var state: [Double]
    }

    /// The weights that bring the samples' gated accelerations closest (least squares) to the
    /// true ones, `truth` (px/frame², y up), bin by bin, each in [0, 1]; a bin with fewer than
    /// `minimum` samples takes the weight of the bin below it (the first: 0, the degree-4 fit).
    /// Also each bin's sample count.
    public static func fit(_ samples: [Sample], truth: [(Double, Double)], weights sampleWeights: [Double], minimum: Int = 50) -> (gate: SampleGate, counts: [Int]) {
        var num = [Double](repeating: 0, count: bounds.count + 1), den = num
        var counts = [Int](repeating: 0, count: bounds.count + 1)
        for ((s, t), q) in zip(zip(samples, truth), sampleWeights) {
            let m = s.measure, k = bin(m.statistic)
            // image axes → y up
            let d = (m.sixth.u - m.fourth.u, -(m.sixth.v - m.fourth.v))
            let e = (t.0 - m.fourth.u, t.1 + m.fourth.v)
            num[k] += q * (e.0 * d.0 + e.1 * d.1)
            den[k] += q * (d.0 * d.0 + d.1 * d.1)
            counts[k] += 1
        }
        var weights = [Double](repeating: 0, count: bounds.count + 1)
        for k in weights.indices {
            if counts[k] >= minimum && den[k] > 0 { weights[k] = min(1, max(0, num[k] / den[k])) } else if k > 0 { weights[k] = weights[k - 1] }
        }
        return (SampleGate(weights: weights), counts)
    }
}

extension SampleGate {
    /// The samples the neural level learns from while coding `frames` (online start, the default
    /// appearance, the current stream version), each window measured — for `fit`. Coded in
    /// memory; nothing is written.
    public static func samples(frames: [[UInt8]], geometry g: Geometry) throws -> [Sample] {
        var writer = try StreamWriter(geometry: g, frameCount: frames.count, model: .neural, scene: Data(), appearance: .default)
        var predictor = NeuralPredictor(start: .online, followsTrajectories: true, centralField: true, pairs: true)
        predictor.gateSamples = []
        writer.coder = .neural(FrameCoder(model: MotionModel(geometry: g, predictor: predictor, appearance: .default,
                                                             version: StreamFormat.version), geometry: g))
        for f in frames { try writer.append(f) }
        guard case .neural(let f) = writer.coder else { return [] }
        return f.model.predictor.gateSamples ?? []
    }
}
