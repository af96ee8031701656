@testable import Discovery
import Formulas
import Foundation
import Testing
@testable import Choice

/// The frame job codes the same law written differently only once — but laws that agree
/// only along the filmed motion are different laws. A throw (a = (0, −1.2), so v_x is constant):
/// `ay = k2*vx` equals `ay = k2` at every filmed state and must stay a candidate; `ax = k1*1;
/// ay = k2*1` is `ax = k1; ay = k2` everywhere and is coded once, in the shorter text.
@Suite struct EqualLawTests {
    @Test func lawsEqualOnlyAlongTheFilmedMotionStayApart() throws {
        let n = 60
        var columns = [[Double]](repeating: [], count: 6)
        var targets: [[Double]] = [[], []]
        for k in 0..<n {
            let t = 0.05 * Double(k)
            let vx = 1.5, vy = 2 - 1.2 * t
            let x = -1 + 1.5 * t, y = 0.5 + 2 * t - 0.6 * t * t
            for (c, v) in [t, x, y, vx, vy, (x * x + y * y).squareRoot()].enumerated() { columns[c].append(v) }
            targets[0].append(0)
            targets[1].append(-1.2)
        }
        // each component with its constant as the search would fit it (literals stay literal)
        func candidate(_ text: String, _ value: Double) throws -> Candidate {
            let parsed = try Formula.parse(text, variables: Law.variables)
            var f = parsed.formula
            f.fixedConstants = parsed.constantNames.indices.filter { parsed.constantNames[$0] == nil }
            if let slot = parsed.constantNames.firstIndex(where: { $0 != nil }) { f.constants[slot] = value }
            return Candidate(formula: f, mse: 0, bits: DescriptionLength.Parts(total: 0, structure: 0, constants: 0, residuals: 0,
                                                                               uncertainties: []))
        }
        func law(_ ax: String, _ ay: String, _ k: Double) throws -> LawCandidate {
            let (x, y) = (try candidate(ax, 0), try candidate(ay, k))
            return LawCandidate(ax: x, ay: y, law: LawCandidate.law(ax: x, ay: y, shared: []), equationBits: 0)
        }
        let laws = [try law("c*1", "d*1", -1.2), try law("c", "d", -1.2), try law("c", "d*vx", -1.2 / 1.5)]
        #expect(laws.allSatisfy { $0.law.names.count == 2 }, "\(laws.map(\.text))")
        // on the filmed states the third is the second (v_x is constant there)…
        let along = laws.map { $0.law.acceleration(columns, rows: n, values: $0.law.values)[1] }
        #expect(zip(along[1], along[2]).allSatisfy { abs($0 - $1) < 1e-9 })
        let kept = Proposals.distinctFunctions(laws, columns: columns, rows: n, scale: 1.2)
        // …but not off them; the first two are one function, kept in the shorter text
        #expect(kept.map(\.text) == [laws[1].text, laws[2].text], "\(kept.map(\.text))")
    }
}
