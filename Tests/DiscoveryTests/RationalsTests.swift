import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Sparse rational functions fitted linearly (`Rationals`), on tables the tests draw
/// themselves, clean and with 1 % noise (σ = 1 % of the target's RMS, as SRBench adds it).
@Suite struct RationalsTests {
    /// A weighted mean of c and d with weights a and b: among the proposals, the supports
    /// {ac, bd} over {a, b} with coefficients 1 (clean: to 1e-9; at 1 %: within 5 %), and no
    /// proposal has a pole among the rows.
    @Test(arguments: [0.0, 0.01])
    func supportAndCoefficientsOfAWeightedMean(noise: Double) throws {
        let (x, y) = drawnTable(4, noise: noise, seed: 3) { v in (v[0] * v[2] + v[1] * v[3]) / (v[0] + v[1]) }
        let fits = Rationals.fits(inputs: x, target: y, weights: nil)
        let mean = try #require(fits.first { $0.numerator == [[1, 0, 1, 0], [0, 1, 0, 1]] && $0.denominator.count == 2
                && Set($0.denominator) == [[1, 0, 0, 0], [0, 1, 0, 0]] }, "\(fits.map { ($0.numerator, $0.denominator) })")
        for c in mean.coefficients { #expect(abs(c - 1) < (noise > 0 ? 0.05 : 1e-9), "\(mean.coefficients)") }
        for fit in fits {
            let f = try #require(fit.formula(unary: SearchOptions().unary, binary: SearchOptions().binary))
            let tree = try #require(ExpressionTree(f))
            guard case .binary(.div, _, let q) = tree else { Issue.record("not a quotient: \(tree)"); continue }
            let values = q.formula.evaluate(x, rows: y.count)
            #expect(values.allSatisfy { $0 > 0 } || values.allSatisfy { $0 < 0 }, "\(fit.denominator)")
        }
    }

    /// Relativistic velocity addition, (u + v)/(1 + uv/c²): the scale symmetry leaves the groups
    /// u/c and v/c, over which the law is a rational function of four terms. With the search's
    /// short test settings it is found through `Rationals` (without them: a longer formula that
    /// misses it off the table). Clean to 1e-6 and at 1 % noise within 3 %, at speeds off the
    /// sampled ranges.
    @Test(arguments: [0.0, 0.01])
    func velocityAdditionIsFound(noise: Double) throws {
        func law(_ v: [Double]) -> Double { (v[0] + v[1]) / (1 + v[0] * v[1] / (v[2] * v[2])) }
        let (x, y) = drawnTable(3, noise: noise, seed: 8, law)
        let r = try Search.run(inputs: x, target: y, options: .short())
        let text = r.best.formula.sympyString(names: ["u", "v", "c"])
        let off: [[Double]] = [[0.3, 9, 2], [7, 0.5, 3], [12, 6, 0.7]]
        let found = r.best.formula.evaluate(off, rows: 3)
        for k in 0..<3 {
            #expect(abs(found[k] / law(off.map { $0[k] }) - 1) < (noise > 0 ? 0.03 : 1e-6), "\(text)")
        }
    }
}
