import Dispatch
import Foundation

/// A fitted candidate formula and its scores.
public struct Candidate: Sendable {
    public var formula: Formula
    public var mse: Double
    public var bits: DescriptionLength.Parts
    public var complexity: Int { formula.complexity }
}

/// Options of a search; defaults are documented and validated.
public struct SearchOptions: Sendable {
    /// Largest formula size (nodes) enumerated exhaustively.
    public var maxSize = 7
    public var maxConstants = 2
    public var unary: [Op] = [.sqrt, .square, .inv, .exp, .log, .sin, .cos]
    public var binary: [Op] = [.add, .sub, .mul, .div, .pow]
    /// Threads used to fit candidates (1 is deterministic in order as well as result).
    public var threads = 1
    public init() {}
}

/// Finds formulas for a target column: every formula of the enumeration is fitted (constants by
/// Levenberg–Marquardt) and scored by description length; the result is the Pareto front of
/// complexity against error, with every member's bits, and the member with the fewest bits.
///
/// Status: exhaustive enumeration only. The evolutionary search for larger formulas, units and
/// several targets with shared constants are not built yet.
public enum Search {
    public struct Result: Sendable {
        public var front: [Candidate]
        public var best: Candidate
        public var evaluated: Int
    }

    /// Relative residuals (weights 1/|y|) when the target keeps one sign and spans more than a
    /// factor of 10, as measurements in kilometres or days do; plain residuals otherwise.
    public static func weights(_ y: [Double]) -> [Double]? {
        guard let lo = y.map(abs).min(), let hi = y.map(abs).max(), lo > 0, hi / lo > 10,
              y.allSatisfy({ $0 > 0 }) || y.allSatisfy({ $0 < 0 }) else { return nil }
        return y.map { 1 / abs($0) }
    }

    public static func run(inputs: [[Double]], target: [Double], options: SearchOptions = SearchOptions()) throws -> Result {
        guard !inputs.isEmpty else { throw DiscoveryError("no input columns") }
        let rows = target.count
        let formulas = Enumerator(variableCount: inputs.count, unary: options.unary, binary: options.binary,
                                  maxSize: options.maxSize, maxConstants: options.maxConstants).formulas()
        let threads = max(1, options.threads)
        let weights = Self.weights(target)
        final class Slots: @unchecked Sendable {
            var items: [Candidate?]
            init(_ n: Int) { items = [Candidate?](repeating: nil, count: n) }
        }
        let slots = Slots(formulas.count)
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var i = w
            while i < formulas.count {
                let f = formulas[i]
                if let fit = ConstantFitter.fit(f, columns: inputs, target: target, weights: weights), fit.mse.isFinite {
                    var fitted = f
                    fitted.constants = fit.constants
                    slots.items[i] = Candidate(formula: fitted, mse: fit.mse,
                                               bits: DescriptionLength.bits(formula: fitted, fit: fit, target: target, weights: weights))
                }
                i += threads
            }
        }
        let candidates = slots.items.compactMap { $0 }.filter { $0.bits.total.isFinite }
        guard !candidates.isEmpty else { throw DiscoveryError("no formula could be fitted to the \(rows) rows") }
        // Pareto front: at each complexity the lowest error, kept if it beats every simpler one.
        var front: [Candidate] = []
        for size in 1...options.maxSize {
            guard let bestAtSize = candidates.filter({ $0.complexity == size }).min(by: { $0.mse < $1.mse }) else { continue }
            if let last = front.last, !(bestAtSize.mse < last.mse * (1 - 1e-9)) { continue }
            front.append(bestAtSize)
        }
        // The chosen formula has the fewest total bits among all fitted candidates, and joins the front.
        guard let best = candidates.min(by: { $0.bits.total < $1.bits.total }) else {
            throw DiscoveryError("no formula could be fitted to the \(rows) rows")
        }
        if !front.contains(where: { $0.formula == best.formula }) {
            front.append(best)
            front.sort { $0.complexity < $1.complexity }
        }
        return Result(front: front, best: best, evaluated: formulas.count)
    }
}
