import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Functions of the target searched when they make it more separable (`TargetTransform`), on
/// tables the tests draw themselves, clean and with 1 % noise (σ = 1 % of the target's RMS).
@Suite struct TargetTransformTests {
    /// An angle, y = arcsin(a·sin(b)/5) with a in 1…5 and b in 1…5 (so the target changes
    /// sign): its sine is a·sin(b)/5, which the enumeration reaches, and the search finds it
    /// whole with these small settings (measured without the transformation: a formula off by
    /// 1e-4 to 1e-2 off the table). Clean to 1e-6, at 1 % noise within 3 % off the table.
    @Test(arguments: [0.0, 0.01])
    func angleIsFoundThroughItsSine(noise: Double) throws {
        func law(_ v: [Double]) -> Double { asin(v[0] * sin(v[1]) / 5) }
        let (x, y) = drawnTable(2, noise: noise, seed: 17, law)
        let r = try Search.run(inputs: x, target: y, options: .short())
        let text = r.best.formula.sympyString(names: ["a", "b"])
        // off the table: a from 0.5 to 4.8, b from 0.3 to 6
        let off: [[Double]] = [[0.5, 4.8, 2.5], [6, 0.3, 2]]
        let found = r.best.formula.evaluate(off, rows: 3)
        for k in 0..<3 {
            let truth = law(off.map { $0[k] })
            #expect(abs(found[k] - truth) < (noise > 0 ? 0.03 : 1e-6) * abs(truth), "\(text)")
        }
    }

    /// The inverse writes arcsin of the transformed search's formula; a target outside ±π/2
    /// is not transformed.
    @Test func sineTransformRoundTrips() {
        let g = ExpressionTree.binary(.mul, .variable(0), .constant(0.5))
        let f = SineTransform.inverse(g).formula
        let v = f.evaluate([[0.2, -1.4]], rows: 2)
        #expect(abs(v[0] - asin(0.1)) < 1e-15 && abs(v[1] - asin(-0.7)) < 1e-15)
        #expect(SineTransform.forward([0.3, 1.6]) == nil)
        #expect(SineTransform.forward([0.3, -1.5]) == [sin(0.3), sin(-1.5)])
    }
}
