import Choice
import Testing

/// A sweep's common law: tried in order of each run's own ranking, templates first, and won by
/// the shortest total (a tie to fewer constants).
@Suite struct CommonLawTests {
    @Test func poolTakesEveryRunsBestFirstWithItsTemplate() {
        let a = CommonLaw.Run(coded: ["ax = k1*vy; ay = (-6/5)*vx": 900, "ax = k1*x; ay = k2*y": 950, "ax = 0; ay = 0": 2000],
                              templates: ["ax = k1*vy; ay = (-6/5)*vx": "ax = k1*vy; ay = k2*vx"])
        let b = CommonLaw.Run(coded: ["ax = k1*vy; ay = k2*vx": 880, "ax = k1*x; ay = k2*y": 990], templates: [:])
        #expect(CommonLaw.pool([a, b]) == ["ax = k1*vy; ay = k2*vx", "ax = k1*vy; ay = (-6/5)*vx", "ax = k1*x; ay = k2*y",
                                           "ax = 0; ay = 0"])
        #expect(CommonLaw.pool([a, b], limit: 2).count == 2)
    }

    @Test func shortestTotalWinsATieGoesToFewerConstants() {
        #expect(CommonLaw.choose([("ax = k1*x + k2; ay = k3*y", 1800), ("ax = k1*x; ay = k1*y", 1800), ("ax = 0; ay = 0", 2500)]) == 1)
        #expect(CommonLaw.choose([("ax = k1*x + k2; ay = k3*y", 1700), ("ax = k1*x; ay = k1*y", 1800)]) == 0)
        #expect(CommonLaw.choose([] as [(law: String, totalBytes: Int)]) == nil)
    }

    /// Across runs too: when the frames cannot tell two laws' totals apart (per-frame
    /// differences of either sign), the law with fewer constants is the common law.
    @Test func totalsWithinTheirNoiseGoToFewerConstants() {
        let base = (0..<120).map { 40 + Double($0 % 5) }
        let noisy = base.enumerated().map { $0.element + ($0.offset % 2 == 0 ? 2 : -2.2) }
        let laws: [(law: String, totalBytes: Int, frameBits: [Double]?)] = [
            ("ax = k1*x; ay = k1*y + k2", 2394, noisy), ("ax = k1*vy; ay = (-k1)*vx", 2408, base)]
        #expect(CommonLaw.choose(laws) == 1)
        #expect(CommonLaw.choose(laws.map { ($0.law, $0.totalBytes, nil) }) == 0)
    }

    @Test func onlyQuantitiesKnownInEveryRunAndDifferentVary() {
        let runs: [[String: Double]] = [["B": 1, "m": 2, "q": 1], ["B": 2, "m": 2, "q": 1], ["B": 3, "m": 2 * (1 + 1e-15)]]
        #expect(CommonLaw.varying(runs) == ["B"])
    }
}
