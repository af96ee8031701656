import Foundation
import Formulas
import TestSupport
import Testing

/// The fitter's Jacobian re-evaluates a formula with one constant changed, reading every
/// subtree without that constant from the previous evaluation. Its numbers must be exactly a
/// full evaluation's, or fits (and the search's choices) would depend on the shortcut.
@Suite struct TraceTests {
    @Test(arguments: [
        "a*x + b*sin(c*y)",                      // constants in separate subtrees
        "(a + r)^b * x",                         // a fitted exponent above a shared base
        "a*x/r^3 + a*y",                         // one constant in two places
        "exp(-(x - a)^2 / b) / sqrt(c + y^2)",
        "2.5*x + a",                             // a literal next to a constant
        "(x + y)^(3/2) * a - log(abs(b*y) + 1)",
    ])
    func changingOneConstantEqualsAFullEvaluation(text: String) throws {
        let names = ["x", "y", "r"]
        let parsed = try Formula.parse(text, variables: names)
        let formula = parsed.formula
        var random = SeededLCG(seed: 11)
        let rows = 37
        let columns = (0..<names.count).map { _ in (0..<rows).map { _ in 0.2 + 3 * random.unit() } }
        var constants = formula.constants
        for k in parsed.freeConstants { constants[k] = -1 + 2 * random.unit() }
        var out = [Double](), scratch = [Double](), trace = [Double]()
        formula.evaluate(columns, rows: rows, constants: constants, into: &out, scratch: &scratch, recording: &trace)
        #expect(out.map(\.bitPattern) == formula.evaluate(columns, rows: rows, constants: constants).map(\.bitPattern))
        for k in parsed.freeConstants {
            var changed = constants
            changed[k] += 1e-3 * (1 + abs(changed[k]))
            var partial = [Double]()
            formula.evaluate(columns, rows: rows, constants: changed, changing: k, trace: trace, into: &partial, scratch: &scratch)
            let full = formula.evaluate(columns, rows: rows, constants: changed)
            // bit for bit (NaN where the full evaluation has NaN)
            #expect(partial.map(\.bitPattern) == full.map(\.bitPattern), "constant \(k) of \(text)")
            #expect(partial != out || full == out, "the change must show")
        }
    }
}
