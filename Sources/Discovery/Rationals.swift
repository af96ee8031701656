import Formulas
import Foundation

/// Sparse rational functions fitted to the rows by linear least squares: a weighted mean
/// (m₁r₁ + m₂r₂)/(m₁ + m₂), relativistic velocity addition (a + b)/(1 + ab) over the groups
/// v₁/c, v₂/c, 1/(1/d₁ + n/d₂), (1 + 2x/3)/(1 − x/3) — compositions of a few products that an
/// evolution must assemble node by node, and rarely does.
///
/// For y = P(x)/Q(x) with P and Q sums of a few monomials of degree at most 2, P − y·Q = 0 on
/// every row; fixing one monomial of Q to coefficient 1, the rest follow by one linear fit,
///
///     y·q₀(x) = Σ pᵢ mᵢ(x) − Σ qⱼ y·qⱼ(x),
///
/// for every pair of supports (which monomials P and Q have). The fit's error is in the
/// variables (y appears on the right), so it only proposes: the best supports by the true
/// residual y − P/Q become formulas whose constants the search refits and scores by
/// description length with every other candidate. A Q that changes sign over the rows has a
/// pole among them and is not proposed.
public struct Rationals: Sendable {
    /// A monomial: each input's exponent (0, 1 or 2; at most degree 2 in all).
    public typealias Monomial = [Int]

    /// Most terms in the numerator and in the denominator.
    static let numeratorTerms = 3
    static let denominatorTerms = 2
    /// Most inputs for which the supports are enumerated (4 inputs: 575 × 120 fits of ≤ 5
    /// columns in every search and sub-search).
    static let maxInputs = 4
    /// Proposals kept per number of terms, best true residual first.
    static let keptPerSize = 2

    public var numerator: [Monomial]
    public var denominator: [Monomial]
    /// Coefficients of the numerator's monomials, then of the denominator's after its first
    /// (whose coefficient is 1).
    public var coefficients: [Double]
    /// Weighted mean square of y − P/Q on the rows.
    public var mse: Double

    /// Monomials of degree 0…2 in `inputs` inputs, constant first.
    static func monomials(_ inputs: Int) -> [Monomial] {
        var out: [Monomial] = [[Int](repeating: 0, count: inputs)]
        for i in 0..<inputs {
            var m = [Int](repeating: 0, count: inputs)
            m[i] = 1
            out.append(m)
        }
        for i in 0..<inputs {
            for j in i..<inputs {
                var m = [Int](repeating: 0, count: inputs)
                m[i] += 1
                m[j] += 1
                out.append(m)
            }
        }
        return out
    }

    /// Index subsets of 0..<n with 1…k members, in lexicographic order.
    static func subsets(_ n: Int, upTo k: Int) -> [[Int]] {
        var out: [[Int]] = []
        func extend(_ s: [Int], from: Int) {
            if !s.isEmpty { out.append(s) }
            guard s.count < k else { return }
            for i in from..<n { extend(s + [i], from: i + 1) }
        }
        extend([], from: 0)
        return out
    }

    /// The best rational fits of `target`, at most `keptPerSize` for each number of terms; empty
    /// for more than `maxInputs` inputs or fewer rows than twice the terms.
    public static func fits(inputs: [[Double]], target y: [Double], weights: [Double]?) -> [Rationals] {
        let d = inputs.count
        let rows = y.count
        guard (1...maxInputs).contains(d), rows >= 2 * (numeratorTerms + denominatorTerms) else { return [] }
        let all = monomials(d)
        let columns: [[Double]] = all.map { m in
            (0..<rows).map { r in (0..<d).reduce(1.0) { p, i in m[i] == 0 ? p : p * pow(inputs[i][r], Double(m[i])) } }
        }
        guard columns.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { return [] }
        let timesY = columns.map { c in zip(c, y).map { $0 * $1 } }
        let squared = (weights ?? [Double](repeating: 1, count: rows)).map { $0 * $0 }
        // Every fit's normal equations are entries of one Gram matrix of the monomials and −y
        // times them (and of their products with y·q₀), summed once: the same sums, in the same
        // order, that `LogSurrogate.leastSquares` would form for each of the 69 000 supports of
        // four inputs (formed anew each time, they cost 5.70 s against 4.70 s on bench/sr's
        // lorentz_y_columns at noise 0, and 4.69 s against 4.09 s on feynman_I_12_11, side by side).
        let n = all.count
        let combined = columns + timesY.map { c in c.map { -$0 } }
        var gram = [[Double]](repeating: [Double](repeating: 0, count: 2 * n), count: 2 * n)
        var cross = [[Double]](repeating: [Double](repeating: 0, count: n), count: 2 * n)
        for a in 0..<(2 * n) {
            for b in a..<(2 * n) {
                var sum = 0.0
                for r in 0..<rows { sum += squared[r] * combined[a][r] * combined[b][r] }
                gram[a][b] = sum
                gram[b][a] = sum
            }
            for j in 0..<n {
                var sum = 0.0
                for r in 0..<rows { sum += squared[r] * combined[a][r] * timesY[j][r] }
                cross[a][j] = sum
            }
        }
        let tops = subsets(all.count, upTo: numeratorTerms)
        let bottoms = subsets(all.count, upTo: denominatorTerms)
        var best: [Int: [Rationals]] = [:]
        for bottom in bottoms {
            for top in tops {
                // P = c·Q is a constant: the enumeration has it
                if top == bottom { continue }
                // the fit's columns: P's monomials, then −y times Q's after the first (ascending,
                // so every Gram entry is the one leastSquares would sum for this pair)
                let index = top + bottom.dropFirst().map { n + $0 }
                let lhs = index.map { a in index.map { gram[a][$0] } }
                let rhs = index.map { cross[$0][bottom[0]] }
                guard let c = LogSurrogate.solveNormal(lhs, rhs), c.allSatisfy(\.isFinite) else { continue }
                var residual = 0.0
                var positive = false, negative = false
                for r in 0..<rows {
                    var p = 0.0, q = columns[bottom[0]][r]
                    for (k, i) in top.enumerated() { p += c[k] * columns[i][r] }
                    for (k, j) in bottom.dropFirst().enumerated() { q += c[top.count + k] * columns[j][r] }
                    if q > 0 { positive = true } else { negative = true }
                    let e = (y[r] - p / q) * (weights?[r] ?? 1)
                    residual += e * e
                }
                guard positive != negative, residual.isFinite else { continue }
                let size = top.count + bottom.count
                let candidate = Rationals(numerator: top.map { all[$0] }, denominator: bottom.map { all[$0] }, coefficients: c,
                                          mse: residual / Double(rows))
                var kept = best[size, default: []]
                if kept.count < keptPerSize || candidate.mse < kept.last!.mse {
                    kept.append(candidate)
                    kept.sort { $0.mse < $1.mse }
                    best[size] = Array(kept.prefix(keptPerSize))
                }
            }
        }
        return best.keys.sorted().flatMap { best[$0]! }
    }

    /// The fit as a formula with the search's operators (nil when they cannot write it: a
    /// rational needs +, × and ÷): each term its coefficient times its monomial (x·x as x² where
    /// the square is allowed), the denominator's first term without a coefficient.
    public func formula(unary: [Op], binary: [Op]) -> Formula? {
        guard binary.contains(.add), binary.contains(.mul), binary.contains(.div) else { return nil }
        func monomial(_ m: Monomial) -> ExpressionTree? {
            var factors: [ExpressionTree] = []
            for (i, e) in m.enumerated() where e > 0 {
                if e == 2, unary.contains(.square) {
                    factors.append(.unary(.square, .variable(i)))
                } else {
                    factors += [ExpressionTree](repeating: .variable(i), count: e)
                }
            }
            return factors.dropFirst().reduce(factors.first) { acc, f in acc.map { .binary(.mul, $0, f) } }
        }
        func term(_ m: Monomial, _ c: Double?) -> ExpressionTree {
            guard let x = monomial(m) else { return .constant(c ?? 1) }
            return c.map { .binary(.mul, .constant($0), x) } ?? x
        }
        func sum(_ terms: [ExpressionTree]) -> ExpressionTree {
            terms.dropFirst().reduce(terms[0]) { .binary(.add, $0, $1) }
        }
        let p = sum(numerator.enumerated().map { term($1, coefficients[$0]) })
        var q = [term(denominator[0], nil)]
        for (k, m) in denominator.dropFirst().enumerated() { q.append(term(m, coefficients[numerator.count + k])) }
        var f = ExpressionTree.binary(.div, p, sum(q)).formula
        // a leading 1 in the denominator is the normalisation, not a constant to fit
        if denominator[0].allSatisfy({ $0 == 0 }) { f.fixedConstants = [numerator.count] }
        return f
    }
}
