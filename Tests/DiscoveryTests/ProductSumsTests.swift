import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Sums with a product of two building blocks in them (`Evolution.productSums`), on tables the
/// tests draw themselves (inputs uniform in 1…5, as AI Feynman samples them), clean and with 1 %
/// noise (σ = 1 % of the target's RMS). Each law is checked off the sampled ranges.
@Suite struct ProductSumsTests {
    /// Inputs from 0.5 to 8, outside the sampled 1…5, three rows per input.
    let off: [[Double]] = [[7, 0.5, 2], [0.8, 6, 1.5], [6.5, 0.6, 7.5], [0.7, 7, 0.5]]

    func check(_ r: Search.Result, _ law: ([Double]) -> Double, names: [String], noise: Double) {
        let inputs = Array(off.prefix(names.count))
        let found = r.best.formula.evaluate(inputs, rows: 3)
        let text = r.best.formula.sympyString(names: names)
        for k in 0..<3 {
            let truth = law(inputs.map { $0[k] })
            #expect(abs(found[k] - truth) <= (noise > 0 ? 0.03 : 1e-6) * max(1, abs(truth)), "\(text) at noise \(noise)")
        }
    }

    /// The law of cosines c = √(a² + b² − 2ab·cos(θ₁ − θ₂)): the square of c is a sum whose one
    /// term is the product of the blocks a·b and cos(θ₁ − θ₂). Missed by the evolution alone on
    /// bench/feynman (I.29.16) before this move.
    @Test(arguments: [0.0, 0.01])
    func lawOfCosines(noise: Double) throws {
        func law(_ v: [Double]) -> Double { (v[0] * v[0] + v[1] * v[1] - 2 * v[0] * v[1] * cos(v[2] - v[3])).squareRoot() }
        let (x, y) = drawnTable(4, noise: noise, seed: 29, law)
        let r = try Search.run(inputs: x, target: y, options: .short())
        check(r, law, names: ["a", "b", "theta1", "theta2"], noise: noise)
    }

    /// Two-beam interference I = I₁ + I₂ + 2√(I₁I₂)·cos δ: the product √(I₁I₂)·cos δ screened
    /// by its partial correlation with I given the plain blocks (a plain correlation ranks
    /// (I₁ + I₂)·cos δ and its kin above it).
    @Test(arguments: [0.0, 0.01])
    func interference(noise: Double) throws {
        func law(_ v: [Double]) -> Double { v[0] + v[1] + 2 * (v[0] * v[1]).squareRoot() * cos(v[2]) }
        let (x, y) = drawnTable(3, noise: noise, seed: 37, law)
        let r = try Search.run(inputs: x, target: y, options: .short())
        check(r, law, names: ["I1", "I2", "delta"], noise: noise)
    }

    /// On a² + b² − 2ab·cos c at noise 0 one proposal reproduces every row to 1e-9; a plain sum,
    /// 2a + √b, comes out the same with the product sums as without them.
    @Test func exactProposalAndThePlainLawStaysPlain() throws {
        let (x, y) = drawnTable(3, noise: 0, seed: 5) { v in v[0] * v[0] + v[1] * v[1] - 2 * v[0] * v[1] * cos(v[2]) }
        let evolution = Evolution(options: SearchOptions.short(), variableCount: 3, inputs: x)
        let proposals = evolution.productSums(y)
        #expect(!proposals.isEmpty)
        let exact = proposals.filter { e in
            let f = e.formula.evaluate(x, rows: y.count)
            return zip(f, y).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }
        }
        #expect(!exact.isEmpty, "\(proposals.map { $0.formula.sympyString(names: ["a", "b", "c"]) })")
        // a law with no product in it comes out the same with the product sums as without
        // them, on noisy rows too (where the product sums are fitted: no candidate is exact)
        for noise in [0.0, 0.01] {
            let (x2, y2) = drawnTable(2, noise: noise, seed: 6) { v in 2 * v[0] + v[1].squareRoot() }
            var off = SearchOptions.short()
            off.productSums = false
            let with = try Search.run(inputs: x2, target: y2, options: .short()), without = try Search.run(inputs: x2, target: y2, options: off)
            #expect(with.best.formula == without.best.formula,
                    "\(with.best.formula.sympyString(names: ["a", "b"])) against \(without.best.formula.sympyString(names: ["a", "b"])) at noise \(noise)")
            check(with, { v in 2 * v[0] + v[1].squareRoot() }, names: ["a", "b"], noise: noise)
        }
    }
}
