import Formulas
import Foundation

/// Additive separability tested on the rows (AI Feynman's other separability test, Udrescu &
/// Tegmark 2020): a target that is a sum of parts over disjoint blocks of inputs,
///
///     y = f₁(x_B₁) + f₂(x_B₂) + …,
///
/// has no interaction between inputs of different blocks. On the smooth surrogate of y — the
/// cubic in the inputs (logarithms of the positive ones) with every pairwise product that
/// `LogSurrogate` fits to ln|y| for the multiplicative test — a partition is a split when
/// dropping every product across its blocks worsens the fit no more than noise would (an F
/// test, `threshold`) and by a negligible share of the target's variance (`negligible`); the
/// finest such partition is taken (the most blocks; the smallest
/// statistic on a tie). The surrogate must explain most of the target (`explained`): where it
/// cannot, its misfit would pass any partition. Each part is then searched over its own
/// inputs (`Search.additiveCandidates`), and the sum of what the searches find, its constants
/// refitted together, is scored on the original target with the rest: the test only
/// proposes, and a wrong split costs time, not a wrong answer.
public struct AdditiveParts: Sendable, Equatable {
    /// The blocks of input indices, each in increasing order, ordered by their first input.
    public var blocks: [[Int]]
    /// Each block's part of the surrogate at every row (its constant excluded): what the
    /// other parts are, until the search has found them.
    public var parts: [[Double]]

    /// F statistic below which the cross products are within the noise.
    static let threshold = 4.0
    /// Share of the target's variance the surrogate must explain.
    static let explained = 0.9
    /// Largest share of the target's variance the dropped products may explain. Where the
    /// cubic fits the law only roughly (R² ≈ 0.95: p·z/(εr⁵)·√(x² + y²), ω⁴/(ω² − ω₀²)²) its
    /// misfit hides real interactions from the F test; those interactions still explain about
    /// 1 % of the variance, a true split's well under 0.1 % (bench/feynman: three such false
    /// splits made their equations 35–45 s slower).
    static let negligible = 1e-3
    /// Most inputs whose partitions are tested (877 partitions of seven).
    static let maxInputs = 7

    /// The finest additive split of `target` over `inputs`, or nil when there are fewer than two
    /// or more than `maxInputs` inputs, the surrogate cannot be fitted or explains too little,
    /// or no partition passes. Rows weigh alike: the test is of the law's shape, and relative
    /// weights (a target over decades) would leave it to the smallest values.
    public init?(inputs: [[Double]], target: [Double]) {
        let d = inputs.count, n = target.count
        guard d >= 2, d <= Self.maxInputs,
              let s = LogSurrogate(inputs: inputs, response: target, weights: [Double](repeating: 1, count: n))
        else { return nil }
        let terms = s.terms()
        let columns = terms.map(s.column)
        guard let full = s.fit(columns) else { return nil }
        let total = s.weights.reduce(0, +)
        let mean = zip(s.z, s.weights).reduce(0) { $0 + $1.0 * $1.1 } / total
        let spread = zip(s.z, s.weights).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) }
        guard spread > 0, full.rss <= (1 - Self.explained) * spread else { return nil }
        let variance = s.variance(rss: full.rss, count: columns.count)
        // every partition of the inputs, as block labels in restricted-growth order
        var best: (blocks: [[Int]], statistic: Double, fit: [Double], kept: [Int])?
        var labels = [Int](repeating: 0, count: d)
        while Self.advance(&labels) {
            let count = labels.max()! + 1
            let kept = terms.indices.filter { k in
                if case .product(let i, let j) = terms[k] { return labels[i] == labels[j] }
                return true
            }
            guard let fit = s.fit(kept.map { columns[$0] }) else { continue }
            let f = max(0, fit.rss - full.rss) / Double(terms.count - kept.count) / variance
            guard f < Self.threshold, fit.rss - full.rss <= Self.negligible * spread else { continue }
            let blocks = (0..<count).map { b in (0..<d).filter { labels[$0] == b } }
            if let current = best, current.blocks.count > count || (current.blocks.count == count && current.statistic <= f) { continue }
            best = (blocks, f, fit.coefficients, kept)
        }
        guard let best else { return nil }
        blocks = best.blocks
        parts = best.blocks.map { block in
            var part = [Double](repeating: 0, count: n)
            for (c, k) in zip(best.fit, best.kept) {
                let inBlock: Bool
                switch terms[k] {
                case .one: inBlock = false
                case .power(let i, _): inBlock = block.contains(i)
                case .product(let i, _): inBlock = block.contains(i)
                }
                guard inBlock else { continue }
                let column = columns[k]
                for r in 0..<n { part[r] += c * column[r] }
            }
            return part
        }
    }

    /// `formula`'s terms block by block — each block's terms added or subtracted, nil for a
    /// block without one — when it is a sum (terms at its root, a constant term left out) whose
    /// every term depends on the inputs of one block only; nil otherwise.
    func parts(of formula: Formula) -> [ExpressionTree?]? {
        guard let tree = ExpressionTree(formula) else { return nil }
        var terms: [(tree: ExpressionTree, negative: Bool)] = []
        func flatten(_ e: ExpressionTree, _ negative: Bool) {
            switch e {
            case .binary(.add, let a, let b): flatten(a, negative); flatten(b, negative)
            case .binary(.sub, let a, let b): flatten(a, negative); flatten(b, !negative)
            default: terms.append((e, negative))
            }
        }
        flatten(tree, false)
        var out = [ExpressionTree?](repeating: nil, count: blocks.count)
        for term in terms where term.tree.hasVariable {
            let used = Set(term.tree.formula.tokens.filter { $0.op == .variable }.map(\.index))
            guard let b = blocks.firstIndex(where: { used.isSubset(of: $0) }) else { return nil }
            if let sum = out[b] {
                out[b] = .binary(term.negative ? .sub : .add, sum, term.tree)
            } else {
                out[b] = term.negative ? .binary(.mul, .constant(-1), term.tree) : term.tree
            }
        }
        return out
    }

    /// The next partition after `labels` in restricted-growth order (label i at most one more
    /// than the largest before it), skipping the one-block partition; false after the last.
    static func advance(_ labels: inout [Int]) -> Bool {
        var i = labels.count - 1
        while i > 0 {
            let limit = labels[..<i].max()! + 1
            if labels[i] < limit {
                labels[i] += 1
                for j in (i + 1)..<labels.count { labels[j] = 0 }
                return true
            }
            i -= 1
        }
        return false
    }
}
