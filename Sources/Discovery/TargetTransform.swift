import Formulas
import Foundation

/// A function of the target under which some laws become short: Snell's θ₁ = arcsin(n·sin θ₂)
/// is n·sin θ₂ once its sine is taken, four nodes. AI Feynman tries such inverse functions of
/// y. Here every transformation whose domain holds the target is searched by enumeration (with
/// the power factors and scale groups of the transformed target, `PowerFactors`,
/// `ScaleGroups`) but not evolved — about a second, where a full search would double the time
/// of every target that happens to lie in the domain — and its formulas, written back through
/// the inverse, compete on bits with the direct search's. The next transformation is one more
/// conforming type in `Search.transforms`.
protocol TargetTransform: Sendable {
    /// The transformed target, or nil when the rows are outside the transformation's domain.
    static func forward(_ target: [Double]) -> [Double]?
    /// |d forward / dy| at each row: noise of one size on y is this much larger on the
    /// transformed target (its weights divide by it).
    static func slope(_ target: [Double]) -> [Double]
    /// A formula for the transformed target written as one for the target.
    static func inverse(_ g: ExpressionTree) -> ExpressionTree
}

/// sin y for a target within ±π/2 (an angle), written back as arcsin(g).
enum SineTransform: TargetTransform {
    static func forward(_ target: [Double]) -> [Double]? {
        guard target.allSatisfy({ abs($0) <= Double.pi / 2 }) else { return nil }
        return target.map { sin($0) }
    }
    static func slope(_ target: [Double]) -> [Double] { target.map { max(abs(cos($0)), 1e-3) } }
    static func inverse(_ g: ExpressionTree) -> ExpressionTree { .unary(.asin, g) }
}

extension Search {
    /// The transformations tried on a target (`TargetTransform`).
    static let transforms: [any TargetTransform.Type] = [SineTransform.self]

    /// Formulas from the enumerations of the transformed targets, written back and scored on
    /// the original target. Not with units (the transformations are of dimensionless
    /// quantities; the groups' search does this there).
    static func transformCandidates(inputs: [[Double]], target: [Double], weights: [Double]?, options: SearchOptions,
                                    evaluated: inout Int) -> [Candidate] {
        guard options.units == nil, inputs.count >= 2 else { return [] }
        var enumeration = options
        enumeration.epochs = 0
        let alphabet = options.alphabet(variables: inputs.count)
        var out: [Candidate] = []
        var seen = Set<String>()
        for transform in transforms {
            guard let transformed = transform.forward(target), transformed.allSatisfy(\.isFinite) else { continue }
            let scaled = zip(transform.slope(target), target.indices).map { s, r in (weights?[r] ?? 1) / s }
            guard let result = try? Search.run(inputs: inputs, target: transformed, options: enumeration, logarithm: false,
                                               factors: true, weights: scaled) else { continue }
            evaluated += result.evaluated
            for c in result.front + result.alternatives + [result.best] {
                guard let g = ExpressionTree(c.formula) else { continue }
                let f = transform.inverse(g).formula
                guard seen.insert(f.program).inserted,
                      let scored = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                                           starts: [f.constants]) else { continue }
                out.append(scored)
            }
        }
        return out
    }
}
