import Formulas
import Foundation

/// Multiplicative separability tested on the rows (AI Feynman's separability test, Udrescu &
/// Tegmark 2020, for its commonest case): inputs that enter the target only as a power factor,
///
///     y = Π_{i∈P} x_i^p_i · g(the other inputs),
///
/// are a linear term of ln x_i in ln|y| that interacts with nothing. AI Feynman queries a neural
/// network fitted to many rows; with a hundred rows a smooth surrogate stands in: ln|y| as a
/// cubic in the inputs (logarithms of the positive ones), with every pairwise product. Input i
/// is a factor when dropping its curvature and its products with the others worsens the
/// surrogate's fit no more than noise would (an F test, `threshold`), jointly with the other
/// factors; its exponent, read off the surrogate, must lie within `tolerance` of a multiple of
/// 1/2 (0: the target does not depend on it). The target divided by the factors is then searched
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

    /// The factors of `target` in `inputs`, or nil when more than a tenth of the rows are zero
    /// or of the other sign, no input is positive throughout, the rows are too few for the surrogate, or no input is
    /// a factor.
    public init?(inputs: [[Double]], target: [Double]) {
        let n = target.count, d = inputs.count
        // One sign, but for a few rows at most: noise added to a target spanning decades flips
        // its smallest values, which then weigh nothing.
        let positiveRows = target.count { $0 > 0 }, negativeRows = target.count { $0 < 0 }
        guard d >= 1, n >= 20, target.allSatisfy(\.isFinite), max(positiveRows, negativeRows) >= n * 9 / 10,
              inputs.allSatisfy({ $0.count == n && $0.allSatisfy(\.isFinite) }) else { return nil }
        let sign = positiveRows >= negativeRows ? 1.0 : -1.0
        let positive = inputs.map { c in c.allSatisfy { $0 > 0 } }
        // logarithms of the positive inputs, the others as they are; standardised
        var features: [[Double]] = []
        var scale = [Double](repeating: 1, count: d)
        for i in 0..<d {
            let raw = positive[i] ? inputs[i].map { log($0) } : inputs[i]
            let mean = raw.reduce(0, +) / Double(n)
            let sd = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            guard sd > 1e-12 * max(1, abs(mean)) else { return nil }   // a constant column says nothing
            scale[i] = sd
            features.append(raw.map { ($0 - mean) / sd })
        }
        let z = target.map { $0 * sign > 0 ? log(abs($0)) : 0 }
        // Noise added to y (SRBench's kind) grows in ln|y| as 1/|y|: rows below the median
        // magnitude weigh (|y|/median)², the others 1.
        let median = target.map { $0 * sign }.sorted()[n / 2]
        let weights = target.map { $0 * sign > 0 ? min(1, ($0 / median) * ($0 / median)) : 0 }
        let cubic = 1 + 3 * d + d * (d - 1) / 2 <= n * 7 / 10
        guard cubic || 1 + 2 * d + d * (d - 1) / 2 <= n * 7 / 10 else { return nil }
        /// The surrogate's columns when the inputs in `linear` keep only their linear term.
        func basis(linear: Set<Int>) -> [[Double]] {
            var columns: [[Double]] = [[Double](repeating: 1, count: n)]
            for i in 0..<d {
                columns.append(features[i])
                guard !linear.contains(i) else { continue }
                columns.append(features[i].map { $0 * $0 })
                if cubic { columns.append(features[i].map { $0 * $0 * $0 }) }
                for j in (i + 1)..<max(i + 1, d) where !linear.contains(j) {
                    columns.append(zip(features[i], features[j]).map { $0 * $1 })
                }
            }
            return columns
        }
        guard let full = Self.leastSquares(basis(linear: []), z, weights) else { return nil }
        let fullCount = basis(linear: []).count
        // noise-free rows leave the surrogate's own misfit; rounding in the normal equations is
        // kept below the test by a floor far under any real interaction
        let zMean = zip(z, weights).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
        let spread = zip(z, weights).reduce(0) { $0 + $1.1 * ($1.0 - zMean) * ($1.0 - zMean) } / Double(n)
        let variance = max(full.rss / Double(n - fullCount), 1e-10 * spread)
        func statistic(_ linear: Set<Int>) -> Double? {
            let columns = basis(linear: linear)
            guard let fit = Self.leastSquares(columns, z, weights) else { return nil }
            return max(0, fit.rss - full.rss) / Double(fullCount - columns.count) / variance
        }
        var single: [Int: Double] = [:]
        for i in 0..<d where positive[i] {
            if let f = statistic([i]), f < Self.threshold { single[i] = f }
        }
        var factors = Set(single.keys)
        while let f = factors.isEmpty ? nil : statistic(factors), !(f < Self.threshold) {
            factors.remove(factors.max { single[$0]! < single[$1]! }!)
        }
        guard !factors.isEmpty, let fit = Self.leastSquares(basis(linear: factors), z, weights) else { return nil }
        // the coefficient of input i's standardised logarithm over its spread is the exponent
        var exponents: [Int: Double] = [:]
        var k = 1
        for i in 0..<d {
            if factors.contains(i) {
                let p = fit.coefficients[k] / scale[i]
                let snapped = (2 * p).rounded() / 2
                if abs(p - snapped) <= Self.tolerance, abs(snapped) <= 6 { exponents[i] = snapped }
                k += 1
            } else {
                k += 1 + (cubic ? 2 : 1) + (i + 1..<max(i + 1, d)).count { !factors.contains($0) }
            }
        }
        guard !exponents.isEmpty else { return nil }
        self.exponents = exponents
        self.rest = (0..<d).filter { exponents[$0] == nil }
    }

    /// The remaining inputs and the target divided by the factors, or nil when a value is not
    /// finite.
    public func reduce(inputs: [[Double]], target: [Double]) -> (inputs: [[Double]], target: [Double])? {
        let scaled = target.indices.map { r in
            exponents.reduce(target[r]) { y, e in e.value == 0 ? y : y / pow(inputs[e.key][r], e.value) }
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

    /// Weighted least squares by the normal equations (columns are few and standardised), with
    /// the weighted residual sum of squares; nil when singular.
    static func leastSquares(_ columns: [[Double]], _ y: [Double], _ w: [Double]) -> (coefficients: [Double], rss: Double)? {
        let m = columns.count
        var a = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var b = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for j in i..<m {
                var s = 0.0
                for r in y.indices { s += w[r] * columns[i][r] * columns[j][r] }
                a[i][j] = s
                a[j][i] = s
            }
            for r in y.indices { b[i] += w[r] * columns[i][r] * y[r] }
        }
        // a whisper of ridge keeps products of nearly collinear columns solvable
        let trace = (0..<m).reduce(0) { $0 + a[$1][$1] }
        for i in 0..<m { a[i][i] += 1e-12 * trace / Double(m) }
        guard let x = ConstantFitter.solve(a, b) else { return nil }
        var rss = 0.0
        for r in y.indices {
            var f = 0.0
            for k in 0..<m { f += x[k] * columns[k][r] }
            rss += w[r] * (y[r] - f) * (y[r] - f)
        }
        return rss.isFinite ? (x, rss) : nil
    }
}
