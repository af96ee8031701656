import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Additive separability (`AdditiveParts`) and the search of each part
/// (`Search.additiveCandidates`), on tables the tests draw themselves (inputs uniform in 1…5),
/// clean and with 1 % noise (σ = 1 % of the target's RMS). Laws are checked off the sampled
/// ranges.
@Suite struct AdditivePartsTests {
    /// A sum over the blocks {a, b} and {c, d} is split there, clean and noisy; a sum with a
    /// lone input splits it off; a product of all the inputs is not split.
    @Test(arguments: [0.0, 0.01])
    func splits(noise: Double) throws {
        let (x, y) = drawnTable(4, noise: noise, seed: 41) { v in (v[0] * v[1]).squareRoot() + v[2] / v[3] }
        #expect(AdditiveParts(inputs: x, target: y)?.blocks == [[0, 1], [2, 3]])
        let (x2, y2) = drawnTable(3, noise: noise, seed: 43) { v in v[0] * v[1] + 2 * v[2].squareRoot() }
        #expect(AdditiveParts(inputs: x2, target: y2)?.blocks == [[0, 1], [2]])
        let (x3, y3) = drawnTable(3, noise: noise, seed: 47) { v in v[0] * v[1] / v[2] }
        #expect(AdditiveParts(inputs: x3, target: y3) == nil)
    }

    /// The parts of √(ab) + c/d searched each on its own inputs come back as the law, its two
    /// parts summed with their constants refitted together, and that holds off the sampled
    /// ranges. The surrogate stands in for the other part at first, or the direct search's own
    /// sum when it conforms to the split: there a wrong part (cos(0.3·ab) beside the right c/d)
    /// leaves the other part's target clean.
    @Test(arguments: [0.0, 0.01])
    func partsSearchedAlone(noise: Double) throws {
        func law(_ v: [Double]) -> Double { (v[0] * v[1]).squareRoot() + v[2] / v[3] }
        let (x, y) = drawnTable(4, noise: noise, seed: 53, law)
        let junk = ExpressionTree.binary(.add, .binary(.div, .variable(2), .variable(3)),
                                         .unary(.cos, .binary(.mul, .constant(0.3), .binary(.mul, .variable(0), .variable(1))))).formula
        for direct in [nil, junk] {
            var evaluated = 0
            let candidates = Search.additiveCandidates(inputs: x, target: y, weights: nil, options: .short(epochs: 8), direct: direct,
                                                       evaluated: &evaluated)
            let best = try #require(candidates.min { $0.bits.total < $1.bits.total })
            let off: [[Double]] = [[0.5, 7, 0.3], [0.6, 0.4, 6], [7, 0.5, 2], [0.8, 8, 0.6]]
            let found = best.formula.evaluate(off, rows: 3)
            for k in 0..<3 {
                let truth = law(off.map { $0[k] })
                #expect(abs(found[k] - truth) <= (noise > 0 ? 0.05 : 1e-6) * max(1, abs(truth)),
                        "\(best.formula.sympyString(names: ["a", "b", "c", "d"])) at noise \(noise), direct \(direct == nil ? "none" : "junk")")
            }
        }
    }

    /// A sum the direct search returns is read block by block: its parts add up to it without
    /// its offset at every row (0.5 + ab − 3c² on the rows of ab − 3c²: ab and −3c²), and a term
    /// across two blocks makes it no sum of the split.
    @Test func directParts() throws {
        let (x, y) = drawnTable(3, noise: 0, seed: 59) { v in v[0] * v[1] - 3 * v[2] * v[2] }
        let split = try #require(AdditiveParts(inputs: x, target: y))
        #expect(split.blocks == [[0, 1], [2]])
        let sum = ExpressionTree.binary(.sub, .binary(.add, .constant(0.5), .binary(.mul, .variable(0), .variable(1))),
                                        .binary(.mul, .constant(3), .unary(.square, .variable(2)))).formula
        let parts = try #require(split.parts(of: sum))
        let ab = try #require(parts[0]).formula.evaluate(x, rows: y.count), c = try #require(parts[1]).formula.evaluate(x, rows: y.count)
        for r in 0..<y.count { #expect(abs(ab[r] + c[r] - y[r]) <= 1e-9 * max(1, abs(y[r]))) }
        let across = ExpressionTree.binary(.add, .binary(.mul, .variable(0), .variable(2)), .variable(1)).formula
        #expect(split.parts(of: across) == nil)
    }
}
