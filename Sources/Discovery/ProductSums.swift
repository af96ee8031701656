import Formulas
import Foundation

/// Sums of products of two building blocks, the second rung of SISSO's feature space (Ouyang et
/// al. 2018): the target y = s·(β₀ + Σ βₖ·tₖ)^q, q ∈ {1, −1, 2, −2, ½, −½}, each term tₖ a
/// library block (`Evolution.library`) or the product of two. Laws whose one term couples two
/// small blocks are out of reach of the library alone and of the evolution, which meets them
/// only through partial sums that fit worse than a wrong short formula: the law of cosines
/// √(a² + b² − 2ab·cos(θ₁ − θ₂)) (the block a·b times the block cos(θ₁ − θ₂)), interference
/// I₁ + I₂ + 2√(I₁I₂)·cos δ. Each q's root t = y^(1/q) is regressed by the ℓ₀ search of the
/// power-sum graft (`bestSubsets`) over a pool grown as in SISSO: the plainest blocks, then in
/// each round the blocks and products best correlated with what the best sum so far leaves of
/// t. In the first round a product is scored by its partial correlation with t given the few
/// plain blocks that explain most of t (the t statistic of adding it to them), so a + b − 2ab·c
/// ranks ab·c above near-copies such as a·log b·c. Products are screened with one factor among
/// the blocks best correlated with the rest (a budget of about 50,000 products per round and
/// power: the whole library squared would cost seconds on wide tables). Fitted once per search,
/// after the evolution, beside whose members they compete.
extension Evolution {
    func productSums(_ y: [Double], terms: Int = 3, screen: Int = 40) -> [ExpressionTree] {
        let n = y.count, count = library.count
        guard count > 1, n > terms + 2, options.binary.contains(.mul) else { return [] }
        let oneSign = y.allSatisfy { $0 > 0 } || y.allSatisfy { $0 < 0 }
        let sign: Double = y.first.map { $0 < 0 ? -1 : 1 } ?? 1
        let factors = max(4, min(32, 50_000 / count))
        let symbolBits = Foundation.log2(Double(options.alphabet(variables: variableCount)))
        var out: [ExpressionTree] = []
        for q in [1.0, -1, 2, -2, 0.5, -0.5] {
            guard let t = Self.root(y, q, oneSign: oneSign) else { continue }
            let tMean = t.reduce(0, +) / Double(n)
            let tc = t.map { $0 - tMean }
            let tt = tc.reduce(0) { $0 + $1 * $1 }
            guard tt > 1e-300 else { continue }
            // SISSO's iteration: candidates screened against t, then against what the best sum
            // of one (two) of the candidates so far leaves of it
            var pool: [(expression: ExpressionTree, values: [Double], product: Bool)] = []
            var sums = Sums()
            var pooled = Set<Int>()  // a block j as j, a product a ≤ b as count·(1 + a) + b
            // the plainest blocks (a variable, a function of one) always: a sum like a² + b² − 2·P
            // leaves the product P to screen only once its plain terms are fitted
            for j in library.indices where library[j].expression.formula.complexity <= 2 && pool.count < 2 * screen {
                pooled.insert(j)
                pool.append((library[j].expression, library[j].values, false))
            }
            // the first screening is against what the few plain blocks that explain most of t
            // (chosen greedily) leave of it, and scores each product by its partial correlation
            // given them: the t statistic of adding it to them. A sum like a² + b² − 2ab·c has
            // its product ab·c first then, where a plain correlation ranks near-copies
            // (a·log b·c, (a − sin b)·c) above it. All the plain blocks at once would overfit a
            // table of 100 rows.
            let plain = Self.greedyBasis(pool.map(\.values), keep: min(8, n / 10), rest: tc)
            var rest = plain.rest, basis = plain.basis
            var fits: [([Int], [Double])] = []
            for round in 0..<terms {
                let rr = rest.reduce(0) { $0 + $1 * $1 }
                guard rr > 1e-300 * tt else { break }
                // the blocks by squared correlation with the rest
                var singles: [(score: Double, j: Int)] = []
                for j in library.indices {
                    let d = blocks.centred[j], sgg = blocks.sumSquares[j]
                    var sgr = 0.0
                    for i in 0..<n { sgr += d[i] * rest[i] }
                    if sgg > 1e-300, sgr.isFinite, sgg.isFinite { singles.append((sgr * sgr / sgg, j)) }
                }
                singles.sort { $0.score != $1.score ? $0.score > $1.score : $0.j < $1.j }
                var added = 0
                for s in singles where added < screen && pooled.insert(s.j).inserted {
                    pool.append((library[s.j].expression, library[s.j].values, false))
                    added += 1
                }
                // products g_a·g_b with a among the blocks best correlated with the rest
                var products: [(score: Double, key: Int)] = []
                for s in singles.prefix(factors) {
                    let ga = library[s.j].values
                    for b in library.indices {
                        let (lo, hi) = (min(s.j, b), max(s.j, b))
                        let key = count * (1 + lo) + hi
                        guard !pooled.contains(key) else { continue }
                        let gb = library[b].values
                        var sv = 0.0, svv = 0.0, svr = 0.0
                        for i in 0..<n {
                            let v = ga[i] * gb[i]
                            sv += v; svv += v * v; svr += v * rest[i]
                        }
                        // the part of the centred product along the basis (orthonormal, centred)
                        var along = 0.0
                        for e in basis {
                            var dot = 0.0
                            for i in 0..<n { dot += e[i] * ga[i] * gb[i] }
                            along += dot * dot
                        }
                        let spread = svv - sv * sv / Double(n) - along
                        guard spread > 1e-12 * svv, spread.isFinite, svr.isFinite else { continue }
                        products.append((svr * svr / spread, key))
                    }
                }
                products.sort { $0.score != $1.score ? $0.score > $1.score : $0.key < $1.key }
                added = 0
                for p in products where added < screen && pooled.insert(p.key).inserted {
                    let (a, b) = (p.key / count - 1, p.key % count)
                    let ga = library[a], gb = library[b]
                    let e: ExpressionTree = a == b && options.unary.contains(.square) ? .unary(.square, ga.expression)
                        : .binary(.mul, ga.expression, gb.expression)
                    pool.append((e, zip(ga.values, gb.values).map { $0 * $1 }, true))
                    added += 1
                }
                // the best sums over the pool; the rest of the largest for the next round
                sums.extend(pool.map(\.values), tc: tc)
                fits = Self.bestSubsets(gram: sums.gram, k: sums.k, gt: sums.gt, tt: tt, tMean: tMean, means: sums.means,
                                        terms: min(terms, round + 1), costs: pool.map { Double($0.expression.formula.complexity) * symbolBits }, rows: n)
                guard let (subset, beta) = fits.last else { break }
                basis = []
                for i in 0..<n {
                    var f = beta[0]
                    for (r, c) in subset.enumerated() { f += beta[r + 1] * pool[c].values[i] }
                    rest[i] = t[i] - f
                }
            }
            for (subset, beta) in fits {
                // only sums with a product in them: sums of blocks alone are the power-sum graft's
                guard subset.contains(where: { pool[$0].product }),
                      let e = compact(nil, q: q, sign: sign, terms: subset.map { pool[$0].expression },
                                      values: subset.map { pool[$0].values }, beta: beta, rows: n) else { continue }
                out.append(e)
            }
        }
        return out
    }
}

extension Evolution {
    /// The orthonormal basis (centred, Gram–Schmidt in the order chosen) of `keep` of the
    /// candidates chosen greedily (orthogonal matching pursuit), each the one best correlated
    /// with what the ones chosen before it leave of `rest`; and what they leave of it.
    static func greedyBasis(_ candidates: [[Double]], keep: Int, rest: [Double]) -> (rest: [Double], basis: [[Double]]) {
        let n = rest.count
        var columns: [[Double]] = candidates.map { v in
            let m = v.reduce(0, +) / Double(n)
            return v.map { $0 - m }
        }
        let norms = columns.map { $0.reduce(0) { $0 + $1 * $1 } }
        var r = rest
        var open = Array(columns.indices), basis: [[Double]] = []
        while basis.count < keep, !open.isEmpty {
            var best = -1, bestScore = -1.0
            for (o, c) in open.enumerated() {
                var vv = 0.0, vr = 0.0
                for i in 0..<n { vv += columns[c][i] * columns[c][i]; vr += columns[c][i] * r[i] }
                // a candidate that the chosen ones already span has nothing left to add
                guard vv > 1e-10 * norms[c], vv.isFinite, vr.isFinite else { continue }
                let score = vr * vr / vv
                if score > bestScore { bestScore = score; best = o }
            }
            guard best >= 0 else { break }
            let c = open.remove(at: best)
            // Gram–Schmidt: the rest and the open candidates lose their part along the new one
            var qq = 0.0
            for i in 0..<n { qq += columns[c][i] * columns[c][i] }
            let norm = qq.squareRoot()
            let q = columns[c].map { $0 / norm }
            basis.append(q)
            var qr = 0.0
            for i in 0..<n { qr += q[i] * r[i] }
            for i in 0..<n { r[i] -= qr * q[i] }
            for o in open {
                var qv = 0.0
                for i in 0..<n { qv += q[i] * columns[o][i] }
                for i in 0..<n { columns[o][i] -= qv * q[i] }
            }
        }
        return (r, basis)
    }
}

/// The centred candidates' Gram matrix and products with the centred target, grown as the
/// pool grows (entries already computed are kept).
private struct Sums {
    var k = 0
    var means: [Double] = []
    var centred: [[Double]] = []
    var gt: [Double] = []
    var gram: [Double] = []

    mutating func extend(_ values: [[Double]], tc: [Double]) {
        let n = tc.count, old = k, new = values.count
        guard new > old else { return }
        for c in old..<new {
            let m = values[c].reduce(0, +) / Double(n)
            means.append(m)
            centred.append(values[c].map { $0 - m })
            var s = 0.0
            for i in 0..<n { s += centred[c][i] * tc[i] }
            gt.append(s)
        }
        var g = [Double](repeating: 0, count: new * new)
        for a in 0..<new {
            for b in a..<new {
                let s: Double
                if b < old {
                    s = gram[a * old + b]
                } else {
                    var acc = 0.0
                    for i in 0..<n { acc += centred[a][i] * centred[b][i] }
                    s = acc
                }
                g[a * new + b] = s; g[b * new + a] = s
            }
        }
        gram = g
        k = new
    }
}
