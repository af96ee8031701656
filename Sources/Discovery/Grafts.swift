import Dispatch
import Formulas
import Foundation

/// Grafts: a library block put into a formula where it fits the residual best, and the
/// power-sum graft (a SISSO-style ℓ0 pursuit over sums of library blocks).
extension Evolution {
    /// One child into the population (a few attempts to produce a valid, fittable one).
    /// Graft: a building block that explains what the parent misses. With the parent's
    /// prediction f, either add c·g for the block g best correlated with the residual y − f, or
    /// multiply by g^p for the block whose log best correlates with log|y / f| (a missing power
    /// law, such as the 1/r³ of an inverse-square force). Exponent and factor start at the
    /// regression slope; the fit refines them. This is a greedy, data-driven step next to the
    /// blind mutations, in the spirit of FFX-style basis selection.
    func graft(_ parent: Member, _ p: Population, _ rng: inout SplitMix64) -> ExpressionTree? {
        guard !library.isEmpty else { return nil }
        let y = p.scorer.target
        let n = y.count
        let f = parent.candidate.formula.evaluate(p.scorer.inputs, rows: n)
        guard f.allSatisfy(\.isFinite) else { return nil }
        let multiplicative = Bool.random(using: &rng)
        var u = [Double](repeating: 0, count: n)
        for i in 0..<n {
            if multiplicative {
                guard Swift.abs(f[i]) > 1e-300, y[i] != 0 else { return nil }
                u[i] = Foundation.log(Swift.abs(y[i] / f[i]))
            } else {
                u[i] = y[i] - f[i]
            }
        }
        let mu = u.reduce(0, +) / Double(n)
        var suu = 0.0
        for i in 0..<n { suu += (u[i] - mu) * (u[i] - mu) }
        guard suu > 1e-300 else { return nil }
        // the best few by |correlation|, one of them at random (diversity between populations);
        // each block's centred values and sum of squares come from `blocks`, computed once with
        // the arithmetic this loop used, and the best three are kept as a stable sort's first
        // three would be (ties to the earlier block)
        let sample = library.count <= 3000 ? Array(library.indices) : (0..<3000).map { _ in Int.random(in: 0..<library.count, using: &rng) }
        let centred = multiplicative ? blocks.logCentred : blocks.centred
        let squares = multiplicative ? blocks.logSumSquares : blocks.sumSquares
        var uc = [Double](repeating: 0, count: n)
        for i in 0..<n { uc[i] = u[i] - mu }
        var top: [(r: Double, j: Int, slope: Double)] = []
        for j in sample {
            let sgg = squares[j]
            var sgu = 0.0
            centred[j].withUnsafeBufferPointer { d in
                for i in 0..<n { sgu += d[i] * uc[i] }
            }
            guard sgg > 1e-300 else { continue }
            let r = Swift.abs(sgu) / (sgg * suu).squareRoot()
            guard r.isFinite, top.count < 3 || r > top[2].r else { continue }
            let at = top.firstIndex { r > $0.r } ?? top.count
            top.insert((r, j, sgu / sgg), at: at)
            if top.count > 3 { top.removeLast() }
        }
        guard !top.isEmpty else { return nil }
        let (_, j, slope) = top[Int.random(in: 0..<top.count, using: &rng)]
        let g = library[j].expression
        if multiplicative {
            // the plainest form of the power: x·g, x/g, x·g², x/g², x·√g, else x·g^p
            // (only with operators the search was given)
            let div = options.binary.contains(.div), square = options.unary.contains(.square), sqrt = options.unary.contains(.sqrt)
            let p = (slope * 2).rounded() / 2
            switch p {
            case 1: return .binary(.mul, parent.expression, g)
            case -1 where div: return .binary(.div, parent.expression, g)
            case 2 where square: return .binary(.mul, parent.expression, .unary(.square, g))
            case -2 where square && div: return .binary(.div, parent.expression, .unary(.square, g))
            case 0.5 where sqrt: return .binary(.mul, parent.expression, .unary(.sqrt, g))
            default:
                guard options.binary.contains(.pow) else { return nil }
                return .binary(.mul, parent.expression, .binary(.pow, g, .constant(p == 0 ? slope : p)))
            }
        }
        return .binary(.add, parent.expression, .binary(.mul, .constant(slope), g))
    }

    /// Power-sum grafts: the parent f times (β₀ + Σ βₖ·gₖ)^q, the factor the data ask for.
    /// For each power q in {±1, ±2, ±1/2, ±3/2} the missing factor's q-th root
    /// t = (y / f)^(1/q) is regressed on sums of one, two and three building blocks
    /// (`pursuit`); for each number of blocks, the q whose graft predicts y best is returned,
    /// and the fitted grafts' description lengths decide. It reaches laws whose factor is a
    /// power of a sum — a squared distance, as in G·m₁·m₂ / ((x₂−x₁)² + (y₂−y₁)² + (z₂−z₁)²)
    /// — that no single block or mutation approaches step by step (c·G·m₁·m₂/(Δx+Δy+Δz)²
    /// fits better than any partial sum of the squares). Each parent is grafted once (cached
    /// in its scorer).
    func powerSumGrafts(_ parent: Member, _ p: Population) -> [ExpressionTree] {
        if let hit = p.scorer.grafts[parent.expression] { return hit }
        let grafted = powerSum(parent, p)
        p.scorer.grafts[parent.expression] = grafted
        return grafted
    }

    private func powerSum(_ parent: Member, _ p: Population) -> [ExpressionTree] {
        guard !library.isEmpty else { return [] }
        let y = p.scorer.target
        let n = y.count
        let f = parent.candidate.formula.evaluate(p.scorer.inputs, rows: n)
        var ratio = [Double](repeating: 0, count: n)
        for i in 0..<n {
            guard f[i].isFinite, Swift.abs(f[i]) > 1e-300 else { return [] }
            ratio[i] = y[i] / f[i]
        }
        let oneSign = ratio.allSatisfy { $0 > 0 } || ratio.allSatisfy { $0 < 0 }
        let sign: Double = ratio.first.map { $0 < 0 ? -1 : 1 } ?? 1
        // predicted y = f · (β₀ + Σ βₖ gₖ)^q (times the ratio's sign for fractional q)
        func error(_ blocks: [Int], _ beta: [Double], _ q: Double) -> Double {
            var sse = 0.0
            for i in 0..<n {
                var s = beta[0]
                for (k, j) in blocks.enumerated() { s += beta[k + 1] * library[j].values[i] }
                let factor = q == 1 ? s : q == -1 ? 1 / s : sign * Foundation.pow(Swift.abs(s), q)
                let r = y[i] - f[i] * factor
                sse += r * r
            }
            return sse.isFinite ? sse : .infinity
        }
        // for each number of blocks, the power whose graft predicts y best; the description
        // length of the fitted grafts decides between them (more blocks fit noise better)
        var choices: [Int: (sse: Double, q: Double, blocks: [Int], beta: [Double])] = [:]
        for q in [1.0, -1, 2, -2, 0.5, -0.5, 1.5, -1.5] {
            guard let t = Self.root(ratio, q, oneSign: oneSign) else { continue }
            for (blocks, beta) in pursuit(t) {
                let sse = error(blocks, beta, q)
                if sse < (choices[blocks.count]?.sse ?? .infinity) { choices[blocks.count] = (sse, q, blocks, beta) }
            }
        }
        return choices.keys.sorted().compactMap { k in
            let c = choices[k]!
            return compact(parent.expression, q: c.q, sign: sign, terms: c.blocks.map { library[$0].expression },
                           values: c.blocks.map { library[$0].values }, beta: c.beta, rows: n)
        }
    }

    /// The ratio's q-th root t, the sum a power-sum graft regresses (1/ratio for q = −1; for
    /// fractional q the magnitude's, when the ratio keeps one sign); nil when not finite.
    static func root(_ ratio: [Double], _ q: Double, oneSign: Bool) -> [Double]? {
        let t: [Double]
        if q == 1 { t = ratio } else if q == -1 { t = ratio.map { 1 / $0 } } else {
            guard oneSign else { return nil }
            t = ratio.map { Foundation.pow(Swift.abs($0), 1 / q) }
        }
        return t.allSatisfy(\.isFinite) ? t : nil
    }

    /// parent · (β₀ + Σ βₖ gₖ)^q as a formula in compact form: the terms over the largest
    /// coefficient, ratios within 3 % of ±1, ±2, ±3 snapped (the fit refines them), a
    /// negligible intercept dropped, and the scale folded into the parent's constant factor —
    /// so that the law itself, not a copy padded with constants, fits within the size limit.
    /// Without a parent (`productSums`), the scale is a constant factor of its own.
    func compact(_ parent: ExpressionTree?, q: Double, sign: Double, terms: [ExpressionTree], values: [[Double]], beta: [Double],
                 rows n: Int) -> ExpressionTree? {
        let magnitudes = terms.indices.map { Swift.abs(beta[$0 + 1]) }
        func snaps(_ r: Double) -> Bool {
            let whole = r.rounded()
            return whole != 0 && Swift.abs(whole) <= 3 && Swift.abs(r - whole) < 0.03 * Swift.abs(whole)
        }
        // the sum over its largest coefficient; with no parent, over the coefficient that
        // leaves the most ratios whole (a² + b² − 2ab·cos θ, not 0.5·a² + 0.5·b² − ab·cos θ)
        var lead = magnitudes.max() ?? 0
        if parent == nil {
            let wholes = { (m: Double) in m > 1e-300 ? magnitudes.count { snaps($0 / m) } : 0 }
            for m in magnitudes where wholes(m) > wholes(lead) { lead = m }
        }
        guard lead > 1e-300 else { return nil }
        var sum: ExpressionTree? = nil
        var typical = 0.0
        for (k, g) in terms.enumerated() {
            var r = beta[k + 1] / lead
            if snaps(r) { r = r.rounded() }
            typical += Swift.abs(r) * values[k].reduce(0) { $0 + Swift.abs($1) } / Double(n)
            let term: ExpressionTree = Swift.abs(r) == 1 ? g : .binary(.mul, .constant(Swift.abs(r)), g)
            if let s0 = sum { sum = .binary(r < 0 ? .sub : .add, s0, term) } else { sum = r < 0 ? .binary(.mul, .constant(-1), term) : term }
        }
        guard var sum else { return nil }
        let r0 = beta[0] / lead
        if Swift.abs(r0) > 0.03 * typical { sum = .binary(.add, sum, .constant(r0)) }
        var scale = Foundation.pow(lead, q)
        if q != 1, q != -1, sign < 0 { scale = -scale }
        guard let parent else {
            // scale · sum^q, the power first (the same forms as below, with no parent)
            let div = options.binary.contains(.div), square = options.unary.contains(.square), sqrt = options.unary.contains(.sqrt)
            let power: ExpressionTree
            switch q {
            case 1: power = sum
            case -1 where div: return .binary(.div, .constant(scale), sum)
            case 2 where square: power = .unary(.square, sum)
            case -2 where square && div: return .binary(.div, .constant(scale), .unary(.square, sum))
            case 0.5 where sqrt: power = .unary(.sqrt, sum)
            case -0.5 where sqrt && div: return .binary(.div, .constant(scale), .unary(.sqrt, sum))
            default:
                guard options.binary.contains(.pow) else { return nil }
                power = .binary(.pow, sum, .constant(q))
            }
            return Swift.abs(scale - 1) < 0.03 ? power : .binary(.mul, .constant(scale), power)
        }
        let e = Self.scaled(parent, by: scale)
        let div = options.binary.contains(.div), square = options.unary.contains(.square), sqrt = options.unary.contains(.sqrt)
        switch q {
        case 1: return .binary(.mul, e, sum)
        case -1 where div: return .binary(.div, e, sum)
        case 2 where square: return .binary(.mul, e, .unary(.square, sum))
        case -2 where square && div: return .binary(.div, e, .unary(.square, sum))
        case 0.5 where sqrt: return .binary(.mul, e, .unary(.sqrt, sum))
        case -0.5 where sqrt && div: return .binary(.div, e, .unary(.sqrt, sum))
        default: return options.binary.contains(.pow) ? .binary(.mul, e, .binary(.pow, sum, .constant(q))) : nil
        }
    }

    /// `e` times `s`, folded into a constant factor of e's top-level product when it has one
    /// (and that factor dropped when it becomes 1 within 3 %); a factor within 3 % of 1 is
    /// left out, since the fit that follows refines every constant.
    static func scaled(_ e: ExpressionTree, by s: Double) -> ExpressionTree {
        func fold(_ e: ExpressionTree) -> ExpressionTree? {
            guard case .binary(.mul, let a, let b) = e else { return nil }
            if case .constant(let c) = a { return Swift.abs(c * s - 1) < 0.03 ? b : .binary(.mul, .constant(c * s), b) }
            if case .constant(let c) = b { return Swift.abs(c * s - 1) < 0.03 ? a : .binary(.mul, a, .constant(c * s)) }
            if let a2 = fold(a) { return .binary(.mul, a2, b) }
            if let b2 = fold(b) { return .binary(.mul, a, b2) }
            return nil
        }
        if let folded = fold(e) { return folded }
        return Swift.abs(s - 1) < 0.03 ? e : .binary(.mul, .constant(s), e)
    }

    /// The best sums β₀ + Σ βₖ·gₖ of one, two, … `terms` (≤ 3) library blocks for `t`, by
    /// least squares: sure independence screening keeps the `screen` blocks best correlated
    /// with t, then every subset of them is tried (SISSO's screening and ℓ₀ search, Ouyang et
    /// al. 2018). Greedy pursuit is not enough here: on narrow input ranges (x₁ − y₂)²
    /// correlates with a squared distance better than its true terms do, and on one of
    /// bench/sr's I.9.18 tables a true term ranked below 150th of ~770 blocks. Works on the
    /// centred Gram matrix of the screened blocks, so a subset costs a few operations.
    /// Returns, for each size that explains more than the size below it, the blocks and
    /// [β₀, β₁, …].
    func pursuit(_ t: [Double], terms: Int = 3, screen: Int = 200) -> [([Int], [Double])] {
        let n = t.count
        let tMean = t.reduce(0, +) / Double(n)
        let tc = t.map { $0 - tMean }
        let tt = tc.reduce(0) { $0 + $1 * $1 }
        guard tt > 1e-300 else { return [] }
        // screening by squared correlation with t (each block centred once per search)
        var scored: [(Double, Int)] = []
        var covariance = [Double](repeating: 0, count: library.count)
        scored.reserveCapacity(library.count)
        for j in library.indices {
            let d = blocks.centred[j], sgg = blocks.sumSquares[j]
            var sgt = 0.0
            for i in 0..<n { sgt += d[i] * tc[i] }
            covariance[j] = sgt
            if sgg > 1e-300, sgt.isFinite, sgg.isFinite { scored.append((sgt * sgt / sgg, j)) }
        }
        scored.sort { $0.0 > $1.0 }
        let top = scored.prefix(screen).map(\.1)
        let k = top.count
        guard k > 0 else { return [] }
        let means = top.map { blocks.means[$0] }
        let gt = top.map { covariance[$0] }
        var gram = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in a..<k {
                let s = blocks.product(top[a], top[b])
                gram[a * k + b] = s; gram[b * k + a] = s
            }
        }
        return Self.bestSubsets(gram: gram, k: k, gt: gt, tt: tt, tMean: tMean, means: means, terms: terms)
            .map { subset, beta in (subset.map { top[$0] }, beta) }
    }

    /// The ℓ₀ search of `pursuit` over k centred candidates given by their Gram matrix (k×k),
    /// their products with the centred target (gt), its sum of squares (tt) and mean, and the
    /// candidates' means: for each subset size 1…terms (≤ 3) that explains more than the size
    /// below it, the subset (indices into the k) and [β₀, β₁, …].
    /// With `costs` (each candidate's bits, for `rows` rows), subsets of one size are compared
    /// by a description length, rows/2·log₂(residual) + their candidates' bits (the residual
    /// floored at 1e-12 of t's: exact fits differ only in their bits), so that a law comes out
    /// in its shortest terms when several sums fit it.
    static func bestSubsets(gram: [Double], k: Int, gt: [Double], tt: Double, tMean: Double, means: [Double],
                            terms: Int, costs: [Double]? = nil, rows: Int = 0) -> [([Int], [Double])] {
        // the smallest residual of each subset size 1…terms: singles and pairs by Cramer's
        // rule on the Gram entries, triples by the pair's Schur complement
        var best = [(sse: Double, subset: [Int], beta: [Double])](repeating: (tt, [], []), count: terms + 1)
        let half = Double(rows) / 2, floor = 1e-12 * tt
        func length(_ sse: Double, _ bits: Double) -> Double { half * Foundation.log2(Swift.max(sse, floor)) + bits }
        func bits(_ subset: [Int]) -> Double { costs.map { c in subset.reduce(0) { $0 + c[$1] } } ?? 0 }
        /// without costs, the smaller residual; with them, the shorter description
        func better(_ sse: Double, _ subset: @autoclosure () -> [Int], than old: (sse: Double, subset: [Int], beta: [Double])) -> Bool {
            guard costs != nil else { return sse < old.sse }
            guard !old.subset.isEmpty else { return sse < old.sse }
            return length(sse, bits(subset())) < length(old.sse, bits(old.subset))
        }
        for a in 0..<k {
            let gaa = gram[a * k + a]
            let beta = gt[a] / gaa
            let sse = tt - beta * gt[a]
            if better(sse, [a], than: best[1]) { best[1] = (sse, [a], [beta]) }
            guard terms >= 2 else { continue }
            for b in (a + 1)..<max(a + 1, k) {
                let gab = gram[a * k + b], gbb = gram[b * k + b]
                let det = gaa * gbb - gab * gab
                guard det > 1e-12 * gaa * gbb else { continue }
                let ba = (gt[a] * gbb - gab * gt[b]) / det, bb = (gaa * gt[b] - gab * gt[a]) / det
                let sse2 = tt - ba * gt[a] - bb * gt[b]
                if better(sse2, [a, b], than: best[2]) { best[2] = (sse2, [a, b], [ba, bb]) }
                guard terms >= 3 else { continue }
                // a third block c by the Schur complement of the pair: with v = M⁻¹·(G_ac, G_bc),
                // s = G_cc − (G_ac, G_bc)·v and u = (g_c·t) − (G_ac, G_bc)·β_ab, the triple's
                // residual is sse₂ − u²/s (a dozen operations per c)
                let m00 = gbb / det, m01 = -gab / det, m11 = gaa / det
                var bestC = -1, bestSSE = best[3].sse
                var bestLength = costs == nil || best[3].subset.isEmpty ? Double.infinity : length(best[3].sse, bits(best[3].subset))
                let pairBits = costs.map { $0[a] + $0[b] } ?? 0
                gram.withUnsafeBufferPointer { g in
                    for c in (b + 1)..<max(b + 1, k) {
                        let p = g[a * k + c], r = g[b * k + c]
                        let v0 = m00 * p + m01 * r, v1 = m01 * p + m11 * r
                        let schur = g[c * k + c] - (p * v0 + r * v1)
                        guard schur > 1e-12 * g[c * k + c] else { continue }
                        let u = gt[c] - (p * ba + r * bb)
                        let sse3 = sse2 - u * u / schur
                        if let costs {
                            guard sse3 < tt else { continue }
                            let l3 = length(sse3, pairBits + costs[c])
                            if l3 < bestLength { bestSSE = sse3; bestC = c; bestLength = l3 }
                        } else if sse3 < bestSSE { bestSSE = sse3; bestC = c }
                    }
                }
                if bestC >= 0 {
                    let c = bestC
                    let p = gram[a * k + c], r = gram[b * k + c]
                    let v0 = m00 * p + m01 * r, v1 = m01 * p + m11 * r
                    let schur = gram[c * k + c] - (p * v0 + r * v1)
                    let xc = (gt[c] - (p * ba + r * bb)) / schur
                    best[3] = (bestSSE, [a, b, c], [ba - v0 * xc, bb - v1 * xc, xc])
                }
            }
        }
        // A larger subset must explain more than 1e-8 of t's variance beyond the smaller: the
        // residual tt − βᵀGβ loses that much to cancellation when a block is large (exp(x²)),
        // and on exact data a third block with a coefficient of 1e-13 would otherwise count.
        var out: [([Int], [Double])] = []
        var previous = tt
        for size in 1...terms where !best[size].subset.isEmpty && best[size].sse < previous - 1e-8 * tt {
            previous = best[size].sse
            var intercept = tMean
            for (r, a) in best[size].subset.enumerated() { intercept -= best[size].beta[r] * means[a] }
            out.append((best[size].subset, [intercept] + best[size].beta))
        }
        return out
    }
}

/// The grafts' view of the library: each block's mean, centred values and sum of squares, of
/// its values and of its logarithms, and the products of centred blocks (Gram entries) as the
/// power-sum pursuit asks for them. Computed with the same arithmetic the grafts used on each
/// call, so caching them changes no result; a search asks for the same pairs across its grafts
/// (the same parent at 8 powers). Prepared once, before the populations run (the single graft
/// reads it from every thread); `product` is called by the power sums alone, between epochs.
final class BlockStatistics: @unchecked Sendable {
    private(set) var means: [Double] = []
    private(set) var centred: [[Double]] = []
    private(set) var sumSquares: [Double] = []
    private(set) var logCentred: [[Double]] = []
    private(set) var logSumSquares: [Double] = []
    /// Gram entries, NaN until asked for: row a holds (a, b) for b ≥ a, allocated when first
    /// needed, up to `cached` entries in all (32 MB; a library of two inputs has ~4500 blocks);
    /// past that, entries are computed without being kept.
    private var rows: [[Double]] = []
    private var stored = 0
    static let cached = 1 << 22

    func prepare(values: [[Double]], logs: [[Double]]) {
        func centre(_ g: [Double]) -> (mean: Double, centred: [Double], squares: Double) {
            let n = g.count
            let mg = g.reduce(0, +) / Double(n)
            var sgg = 0.0
            let d = g.map { $0 - mg }
            for i in 0..<n { sgg += d[i] * d[i] }
            return (mg, d, sgg)
        }
        means = []; centred = []; sumSquares = []; logCentred = []; logSumSquares = []
        for g in values {
            let c = centre(g)
            means.append(c.mean); centred.append(c.centred); sumSquares.append(c.squares)
        }
        for g in logs {
            let c = centre(g)
            logCentred.append(c.centred); logSumSquares.append(c.squares)
        }
        rows = []
        stored = 0
    }

    /// Σᵢ d_a[i]·d_b[i] over the centred blocks a and b.
    func product(_ a: Int, _ b: Int) -> Double {
        let count = centred.count
        if rows.count != count { rows = [[Double]](repeating: [], count: count); stored = 0 }
        let (lo, hi) = (min(a, b), max(a, b))
        if !rows[lo].isEmpty, !rows[lo][hi - lo].isNaN { return rows[lo][hi - lo] }
        let x = centred[a], y = centred[b]
        var s = 0.0
        for i in 0..<x.count { s += x[i] * y[i] }
        if rows[lo].isEmpty, stored + count - lo <= Self.cached {
            rows[lo] = [Double](repeating: .nan, count: count - lo)
            stored += count - lo
        }
        if !rows[lo].isEmpty { rows[lo][hi - lo] = s }
        return s
    }
}
