import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Scale symmetries tested on the rows (`ScaleGroups`): dimensional analysis without units, on
/// tables the tests draw themselves, clean and with 1 % noise (σ = 1 % of the target's RMS, as
/// SRBench adds it).
@Suite struct ScaleGroupsTests {
    /// y = a²/(1 + b·c/d), with an input e the law ignores: scaling a scales y by λ², scaling b
    /// or c together with d leaves it, e does nothing. Five inputs become one group, b·c/d, and
    /// the monomial a²; the target divided by it is 1/(1 + π) on every row.
    @Test(arguments: [0.0, 0.01])
    func oneGroupAndItsMonomialAreFound(noise: Double) throws {
        let (x, y) = drawnTable(5, noise: noise, seed: 12) { v in v[0] * v[0] / (1 + v[1] * v[2] / v[3]) }
        let found = try #require(ScaleGroups(inputs: x, target: y))
        #expect(found.reduction.groups == [[0, 1, 1, -1, 0]], "\(found.reduction.groups)")
        #expect(found.reduction.scale == [2, 0, 0, 0, 0] && found.reduction.scaleRoot == 1, "\(found.reduction.scale)")
        guard noise == 0 else { return }
        let reduced = try #require(found.reduction.reduce(inputs: x, target: y))
        for r in 0..<y.count { #expect(abs(reduced.target[r] - 1 / (1 + reduced.inputs[0][r])) < 1e-12) }
    }

    /// A sum of a power and an exponential, b + exp(c), has no scale symmetry: nothing is
    /// proposed that leaves fewer than its two inputs. A target of both signs is tested in
    /// ln|y|: a·ln(b/c) is a times a function of b/c.
    @Test func groupsOnlyWhereThereIsASymmetry() throws {
        for noise in [0.0, 0.01] {
            let (x, y) = drawnTable(2, noise: noise, seed: 5) { v in v[0] + exp(v[1]) }
            if let found = ScaleGroups(inputs: x, target: y) {
                #expect(found.reduction.groups.count == 2, "\(found.reduction.groups) at noise \(noise)")
            }
            let (x2, y2) = drawnTable(3, noise: noise, seed: 4) { v in v[0] * log(v[1] / v[2]) }
            let found = try #require(ScaleGroups(inputs: x2, target: y2))
            #expect(found.reduction.groups == [[0, 1, -1]] && found.reduction.scale == [1, 0, 0],
                    "\(found.reduction.groups) \(found.reduction.scale) at noise \(noise)")
        }
    }

    /// A law of one group among four inputs, a/(exp(b·c/d) + 1): with these small search settings
    /// the search finds it through the group (measured without the groups: a longer formula
    /// that misses it off the table). Clean to 1e-6, and at 1 % noise within 3 % off the sampled
    /// ranges.
    @Test(arguments: [0.0, 0.01])
    func lawOfOneGroupIsFound(noise: Double) throws {
        func law(_ v: [Double]) -> Double { v[0] / (exp(v[1] * v[2] / v[3]) + 1) }
        let (x, y) = drawnTable(4, noise: noise, seed: 41, law)
        let r = try Search.run(inputs: x, target: y, options: .short())
        let text = r.best.formula.sympyString(names: ["a", "b", "c", "d"])
        // off the table: inputs from 0.5 to 8, outside the sampled 1…5
        let off: [[Double]] = [[7, 0.5, 2], [0.8, 3, 0.6], [3, 0.5, 2], [0.9, 2, 6]]
        let found = r.best.formula.evaluate(off, rows: 3)
        for k in 0..<3 {
            let truth = law(off.map { $0[k] })
            #expect(abs(found[k] / truth - 1) < (noise > 0 ? 0.03 : 1e-6), "\(text)")
        }
    }
}
