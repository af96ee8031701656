import Dispatch
import Formulas
import Foundation

/// Fits and scores formulas for one target; remembers every structure it has fitted (by its
/// canonical key), so a structure met again costs a dictionary lookup.
final class Scorer {
    let inputs: [[Double]]
    let target: [Double]
    let weights: [Double]?
    let units: Units?
    let alphabet: Int
    private(set) var cache: [String: Candidate?] = [:]
    /// The power-sum grafts of each parent already grafted (`Evolution.powerSumGrafts`).
    var grafts: [ExpressionTree: [ExpressionTree]] = [:]
    private(set) var fits = 0

    init(inputs: [[Double]], target: [Double], weights: [Double]?, units: Units?, alphabet: Int) {
        self.alphabet = alphabet
        self.inputs = inputs
        self.target = target
        self.weights = weights
        self.units = units
    }

    /// The fitted candidate for a (simplified) expression, or nil when it cannot be fitted or
    /// is rejected by the unit check (before the fit, and after it with the fitted exponents).
    /// The fit starts from the expression's own constants.
    func score(_ e: ExpressionTree, iterations: Int = 40) -> Candidate? {
        let key = e.key
        if let hit = cache[key] { return hit }
        var result: Candidate? = nil
        if units.accepts(e.formula, fitted: false) {
            let f = e.formula
            let p = f.constantCount
            // From the parent's constants; fresh starts only when that fails (the final polish
            // refits the shortlisted formulas from several starts).
            let warm = f.constants.map { $0.isFinite && $0 != 0 ? $0 : 1 }
            fits += 1
            var scored = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                                 starts: [warm], iterations: iterations)
            if scored == nil, p > 0 {
                scored = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                                 starts: [[Double](repeating: 1, count: p), [Double](repeating: -1, count: p)],
                                                 iterations: iterations)
            }
            if let c = scored, units.accepts(c.formula) {
                result = c
            }
        }
        cache[key] = result
        return result
    }
}
