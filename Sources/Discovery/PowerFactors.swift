import Formulas
import Foundation

/// Multiplicative separability tested on the rows (AI Feynman's separability test, Udrescu &
/// Tegmark 2020, for its commonest case): inputs that enter the target only as a power factor,
///
///     y = Π_{i∈P} x_i^p_i · g(the other inputs),
///
/// are a linear term of ln x_i in ln|y| that interacts with nothing (`LogSurrogate`). Input i
/// is a factor when dropping its curvature and its products with the others worsens the
/// surrogate's fit no more than noise would (an F test, `threshold`), jointly with the other
/// factors; its exponent, read off the surrogate, is a multiple of 1/2 (0: the target does not
/// depend on it), held when the fit allows it or within `tolerance` of the estimate. The target divided by the factors is then searched
/// over the remaining inputs — fewer of them, so the search reaches further (a long product such
/// as 3/(4πε)·p·z/r⁵·√(x² + y²) becomes √(x² + y²) of two inputs) — and the factors multiply
/// what it finds. The test only proposes: every formula it leads to is scored on the original
/// target with the search's own, and a wrong split costs time, not a wrong answer.
public struct PowerFactors: Sendable, Equatable {
    /// Exponent of each factor input (a multiple of 1/2; 0 for an input the target does not
    /// depend on).
    public var exponents: [Int: Double]
    /// Inputs the rest of the law depends on, in their original order.
    public var rest: [Int]

    /// F statistic below which dropping an input's interactions is within the noise.
    static let threshold = 4.0
    /// Largest distance of an exponent from a multiple of 1/2.
    static let tolerance = 0.06

    public init(exponents: [Int: Double], rest: [Int]) {
        self.exponents = exponents
        self.rest = rest
    }

    /// The factors of `target` in `inputs`, or nil when the surrogate cannot be fitted
    /// (`LogSurrogate`), no input is positive throughout, the rows are too few for the surrogate, or no input is
    /// a factor.
    public init?(inputs: [[Double]], target: [Double]) {
        guard let surrogate = LogSurrogate(inputs: inputs, target: target) else { return nil }
        let d = inputs.count
        let fullTerms = surrogate.terms()
        guard let full = surrogate.fit(fullTerms.map(surrogate.column)) else { return nil }
        let variance = surrogate.variance(rss: full.rss, count: fullTerms.count)
        func statistic(_ linear: Set<Int>) -> Double? {
            let terms = surrogate.terms(linear: linear)
            guard let fit = surrogate.fit(terms.map(surrogate.column)) else { return nil }
            return max(0, fit.rss - full.rss) / Double(fullTerms.count - terms.count) / variance
        }
        var single: [Int: Double] = [:]
        for i in 0..<d where surrogate.positive[i] {
            if let f = statistic([i]), f < Self.threshold { single[i] = f }
        }
        var factors = Set(single.keys)
        while let f = factors.isEmpty ? nil : statistic(factors), !(f < Self.threshold) {
            factors.remove(factors.max { single[$0]! < single[$1]! }!)
        }
        let terms = surrogate.terms(linear: factors)
        let columns = terms.map(surrogate.column)
        guard !factors.isEmpty, let fit = surrogate.fit(columns) else { return nil }
        // The coefficient of input i's standardised logarithm over its spread is the exponent,
        // snapped to a multiple of 1/2. All snapped exponents are kept when holding them
        // worsens the fit no more than noise would (where the rest of the law is far from a
        // cubic — ln|sin b| near b = π — its misfit leaks into the estimates); otherwise each
        // within `tolerance` of its multiple.
        var estimates: [Int: (p: Double, snapped: Double)] = [:]
        for i in factors {
            guard let k = terms.firstIndex(of: .power(i, 1)) else { continue }
            let p = fit.coefficients[k] / surrogate.spread[i]
            estimates[i] = (p, (2 * p).rounded() / 2)
        }
        var held = false
        if !estimates.isEmpty {
            let offset = surrogate.z.indices.map { r in
                // in input order: a dictionary's order changes from run to run, and so would the sum's last bits
                estimates.keys.sorted().reduce(0.0) { $0 + estimates[$1]!.snapped * surrogate.spread[$1] * surrogate.features[$1][r] }
            }
            let kept = terms.indices.filter { k in !estimates.keys.contains { terms[k] == .power($0, 1) } }.map { columns[$0] }
            if let fixed = LogSurrogate.leastSquares(kept, zip(surrogate.z, offset).map { $0 - $1 }, surrogate.weights) {
                let linearVariance = surrogate.variance(rss: fit.rss, count: columns.count)
                held = max(0, fixed.rss - fit.rss) / Double(estimates.count) / max(variance, linearVariance) < Self.threshold
            }
        }
        var exponents: [Int: Double] = [:]
        for (i, e) in estimates where (held || abs(e.p - e.snapped) <= Self.tolerance) && abs(e.snapped) <= 6 {
            exponents[i] = e.snapped
        }
        guard !exponents.isEmpty else { return nil }
        self.exponents = exponents
        self.rest = (0..<d).filter { exponents[$0] == nil }
    }

    /// The remaining inputs and the target divided by the factors, or nil when a value is not
    /// finite.
    public func reduce(inputs: [[Double]], target: [Double]) -> (inputs: [[Double]], target: [Double])? {
        let scaled = target.indices.map { r in
            exponents.keys.sorted().reduce(target[r]) { y, i in exponents[i]! == 0 ? y : y / pow(inputs[i][r], exponents[i]!) }
        }
        guard scaled.allSatisfy(\.isFinite) else { return nil }
        return (rest.map { inputs[$0] }, scaled)
    }

    /// A formula of the remaining inputs (variable j is input `rest[j]`; nil for none: a
    /// constant) times the factors, written with the operators the search may use: x, x², x³,
    /// √x where those are among them, otherwise x^p with p an exact fraction (held, not fitted,
    /// as the search's own snapped exponents are); numerator over denominator. The factors come
    /// first, so their exponents are the formula's first constants; the formula's own constants
    /// and which of them are held follow. Nil when the operators cannot write the factors.
    public func restore(_ reduced: Formula?, unary: [Op], binary: [Op]) -> Formula? {
        guard binary.contains(.mul) else { return nil }
        func power(_ i: Int, _ q: Double) -> ExpressionTree? {
            let x = ExpressionTree.variable(i)
            switch q {
            case 1: return x
            case 2 where unary.contains(.square): return .unary(.square, x)
            case 3 where unary.contains(.cube): return .unary(.cube, x)
            case 0.5 where unary.contains(.sqrt): return .unary(.sqrt, x)
            default: return binary.contains(.pow) ? .binary(.pow, x, .constant(q)) : nil
            }
        }
        func product(_ terms: [ExpressionTree]) -> ExpressionTree? {
            terms.dropFirst().reduce(terms.first) { acc, t in acc.map { .binary(.mul, $0, t) } }
        }
        let order = exponents.keys.sorted()
        var up: [ExpressionTree] = [], down: [ExpressionTree] = []
        for i in order where exponents[i]! != 0 {
            guard let t = power(i, abs(exponents[i]!)) else { return nil }
            if exponents[i]! > 0 { up.append(t) } else { down.append(t) }
        }
        var monomial: ExpressionTree? = product(up)
        if let d = product(down) {
            if let n = monomial, binary.contains(.div) {
                monomial = .binary(.div, n, d)
            } else if monomial == nil, unary.contains(.inv) {
                monomial = .unary(.inv, d)
            } else {
                return nil
            }
        }
        let g = reduced ?? Formula(tokens: [Token(.constant, 0)], constants: [1])
        let m = monomial?.formula ?? Formula(tokens: [])
        let k = m.constants.count
        var tokens = m.tokens
        for t in g.tokens {
            switch t.op {
            case .variable: tokens.append(Token(.variable, rest[t.index]))
            case .constant: tokens.append(Token(.constant, t.index + k))
            default: tokens.append(t)
            }
        }
        if monomial != nil { tokens.append(Token(.mul)) }
        var f = Formula(tokens: tokens, constants: m.constants + g.constants)
        f.fixedConstants = Array(0..<k) + g.fixedConstants.map { $0 + k }
        return f
    }
}
