import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Multiplicative separability tested on the rows (`PowerFactors`) and the search of what is left,
/// on tables the tests draw themselves, clean and with 1 % noise (σ = 1 % of the target's RMS,
/// as SRBench adds it).
@Suite struct PowerFactorsTests {
    /// y = 2.5·a²·√b/c · exp(−d/e), with an input f the law ignores: a, b and c are factors with
    /// exponents 2, 1/2 and −1, f one with exponent 0, and d, e are what is left.
    @Test(arguments: [0.0, 0.01])
    func factorsAndTheirExponentsAreFound(noise: Double) throws {
        let (x, y) = drawnTable(6, noise: noise, seed: 21) { v in 2.5 * v[0] * v[0] * v[1].squareRoot() / v[2] * exp(-v[3] / v[4]) }
        let factors = try #require(PowerFactors(inputs: x, target: y))
        #expect(factors.exponents == [0: 2, 1: 0.5, 2: -1, 5: 0], "\(factors.exponents)")
        #expect(factors.rest == [3, 4])
    }

    /// Where every input takes part in the rest of the law, none is a factor: Bose–Einstein
    /// 1/(exp(a·b/c) − 1) has no power factor. A target that changes sign is tested in ln|y|:
    /// a·b·ln(c/3) has the factors a and b, clean and at 1 % noise.
    @Test func noFactorWhereEveryInputInteracts() throws {
        let (x, y) = drawnTable(3, noise: 0, seed: 4) { v in 1 / (exp(v[0] * v[1] / v[2]) - 1) }
        #expect(PowerFactors(inputs: x, target: y) == nil)
        for noise in [0.0, 0.01] {
            let (x2, y2) = drawnTable(3, noise: noise, seed: 4) { v in v[0] * v[1] * log(v[2] / 3) }
            let factors = try #require(PowerFactors(inputs: x2, target: y2))
            #expect(factors.exponents == [0: 1, 1: 1] && factors.rest == [2], "\(factors.exponents) at noise \(noise)")
        }
    }

    /// A formula of the remaining inputs, restored, is the factors times it on every row, half
    /// powers included; the factors' exponents are held (not fitted), as are the formula's own
    /// held constants. Without √ among the operators, x^(3/2) is written as a power.
    @Test func restoredFormulaMultipliesTheFactors() throws {
        let factors = PowerFactors(exponents: [0: 1.5, 2: -2, 3: 0], rest: [1, 4])
        var rng = SeededLCG(seed: 8)
        let x = (0..<5).map { _ in (0..<20).map { _ in 1 + 4 * rng.unit() } }
        var g = ExpressionTree.binary(.add, .unary(.sin, .variable(0)), .binary(.pow, .variable(1), .constant(0.5))).formula
        g.fixedConstants = [0]
        let o = SearchOptions()
        let f = try #require(factors.restore(g, unary: o.unary, binary: o.binary))
        #expect(f.fixedConstants == [0, 1], "\(f.sympyString(names: ["a", "b", "c", "d", "e"]))")
        let restored = f.evaluate(x, rows: 20)
        for r in 0..<20 {
            let expected = pow(x[0][r], 1.5) / (x[2][r] * x[2][r]) * (sin(x[1][r]) + x[4][r].squareRoot())
            #expect(abs(restored[r] - expected) <= 1e-12 * abs(expected))
        }
        let reduced = try #require(factors.reduce(inputs: x, target: restored))
        #expect(reduced.inputs == [x[1], x[4]])
        for r in 0..<20 { #expect(abs(reduced.target[r] - (sin(x[1][r]) + x[4][r].squareRoot())) <= 1e-12 * abs(reduced.target[r])) }
        // a constant for the rest: c·a^(3/2)/c², and nothing without a product
        let constant = try #require(factors.restore(nil, unary: [.inv], binary: [.mul, .div, .pow]))
        #expect(constant.sympyString(names: ["a", "b", "c", "d", "e"]).contains("a**(3/2)"), "\(constant.sympyString(names: ["a", "b", "c", "d", "e"]))")
        #expect(factors.restore(nil, unary: o.unary, binary: [.add, .div]) == nil)
    }

    /// A product of six inputs, 3/(4π)·p·z/(ε·r²)·x/(x + w): with these small search settings the
    /// direct search does not reach it (measured: a sum of four terms clean, √(x/w) at 1 %); the
    /// factors leave x/(x + w) of two inputs, found whole. Clean to 1e-6 and at 1 % noise within
    /// 3 % off the sampled ranges.
    @Test(arguments: [0.0, 0.01])
    func longProductIsFoundThroughItsFactors(noise: Double) throws {
        func law(_ v: [Double]) -> Double { 3 / (4 * Double.pi) * v[0] * v[1] / (v[2] * v[3] * v[3]) * v[4] / (v[4] + v[5]) }
        let (x, y) = drawnTable(6, noise: noise, seed: 33, law)
        let r = try Search.run(inputs: x, target: y, options: .short())
        let text = r.best.formula.sympyString(names: ["p", "z", "eps", "r", "x", "w"])
        // off the table: inputs from 0.5 to 8, outside the sampled 1…5
        let off: [[Double]] = [[7, 0.5, 2], [0.8, 6, 1], [3, 1.5, 8], [0.9, 2, 6], [6, 0.3, 2], [7, 4, 0.5]]
        let found = r.best.formula.evaluate(off, rows: 3)
        for k in 0..<3 {
            let truth = law(off.map { $0[k] })
            #expect(abs(found[k] / truth - 1) < (noise > 0 ? 0.03 : 1e-6), "\(text)")
        }
    }
}
