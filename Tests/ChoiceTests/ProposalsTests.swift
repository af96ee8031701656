@testable import Discovery
import Formulas
import Foundation
import TestSupport
import Testing
@testable import Choice

/// Proposals on a throw drawn here (a = (0, −1.2), accelerations with 1 % noise): a constant
/// within 2σ of zero is dropped — a_x = k1 with k1 ≈ 0 is proposed as a_x = 0 — and vector laws
/// are among the proposals.
@Suite struct ProposalsTests {
    @Test func aConstantWithinTwoSigmaOfZeroIsDropped() throws {
        let n = 80
        var random = SeededLCG(seed: 3)
        var columns = [[Double]](repeating: [], count: 6), targets: [[Double]] = [[], []]
        for k in 0..<n {
            let t = 0.05 * Double(k), x = -2 + t, y = -1 + 2 * t - 0.6 * t * t
            for (c, v) in [t, x, y, 1, 2 - 1.2 * t, (x * x + y * y).squareRoot()].enumerated() { columns[c].append(v) }
            targets[0].append(0.012 * random.gaussian())
            targets[1].append(-1.2 + 0.012 * random.gaussian())
        }
        func scored(_ text: String, target: Int) throws -> Candidate {
            let f = try Formula.parse(text, variables: Law.variables).formula
            return try #require(DescriptionLength.score(f, columns: columns, target: targets[target], weights: nil, alphabet: 12))
        }
        let ax = try scored("c", target: 0), ay = try scored("c", target: 1)
        #expect(abs(ax.formula.constants[0]) < 2 * ax.bits.uncertainties[0], "the drawn noise should leave a_x's constant within 2σ")
        let searched = Proposals.Searched(chosen: [ax, ay], fronts: [[ax], [ay]], shared: [], columns: columns, targets: targets, alphabet: 12)
        let laws = Proposals.laws(searched, limit: 8, distinct: true)
        #expect(laws[0].text == "ax = 0; ay = k1", "\(laws.map(\.text))")
        // the vector search found the same law (its text is coded once) and others beside it
        #expect(laws.contains { $0.form == "vector" }, "\(laws.map(\.text))")
        #expect(laws[0].misfit < 0.02, "misfit \(laws[0].misfit)")
    }
}
