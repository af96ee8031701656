import Formulas
import Foundation

/// Dimensional analysis without units: scale symmetries tested on the rows. When scaling some
/// inputs together by powers of one factor λ (x_i → λ^s_i·x_i) scales the target by a fixed
/// power (y → λ^d·y), as every law does for each base unit its quantities share, the law is a
/// monomial times a function of the groups those scalings leave unchanged,
///
///     y = Π x_i^p_i · g(π_1, …, π_k),   π_j = Π x_i^e_ji,
///
/// with k = inputs − independent symmetries (Buckingham's π theorem, with the symmetries found
/// in the data standing in for the units: `DimensionlessGroups` builds the groups and the
/// monomial from them exactly as from dimensions). The relativistic m₀/√(1 − v²/c²) is
/// m₀·g(v/c), of one group; Planck's ħω/(exp(ħω/k_BT) − 1) is ħω·g(ħω/(k_BT)).
///
/// On the smooth surrogate of ln|y| (`LogSurrogate`) a symmetry s is a direction along which the
/// gradient in ln x has a constant projection (d). Candidates are small integer vectors over the
/// positive inputs, the most constant projections first; each, added to those already accepted,
/// is kept when the surrogate written as the monomial's linear terms plus a polynomial in the
/// groups' logarithms fits no worse than noise would (an F test against the full surrogate with
/// the groups' terms added) and every d lies within `tolerance` of a multiple of 1/2. Power
/// factors (`PowerFactors`) are the symmetries of one input. The test only proposes: the law
/// searched over the groups is scored on the original target with the direct search's.
public struct ScaleGroups: Sendable, Equatable {
    /// The symmetries found (exponent of λ per input) and the target's exponent under each.
    public var symmetries: [[Int]]
    public var scaling: [Double]
    /// The monomial and the groups the symmetries leave.
    public var reduction: DimensionlessGroups

    /// F statistic below which the groups' polynomial fits within the noise.
    static let threshold = 4.0
    /// Largest distance of a target's scaling exponent from a multiple of 1/2.
    static let tolerance = 0.1
    /// Share of a typical input's gradient variance below which a direction is a near-symmetry.
    static let band = 0.02
    /// Candidate symmetries tested at most.
    static let tests = 40

    /// The symmetries of `target` in `inputs`, or nil when the surrogate cannot be fitted
    /// (`LogSurrogate`), fewer than two or more than nine inputs are positive, or none is found.
    public init?(inputs: [[Double]], target: [Double]) {
        guard let s = LogSurrogate(inputs: inputs, target: target) else { return nil }
        let d = inputs.count, n = target.count
        let scalable = (0..<d).filter { s.positive[$0] }
        guard scalable.count >= 2, scalable.count <= 9 else { return nil }
        let fullTerms = s.terms()
        let fullColumns = fullTerms.map(s.column)
        guard let full = s.fit(fullColumns) else { return nil }
        // the surrogate's gradient in ln x_i at every row
        var gradient = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
        for (k, term) in fullTerms.enumerated() {
            let c = full.coefficients[k]
            switch term {
            case .one: break
            case .power(let i, let p):
                for r in 0..<n { gradient[r][i] += c * Double(p) * pow(s.features[i][r], Double(p - 1)) }
            case .product(let i, let j):
                for r in 0..<n {
                    gradient[r][i] += c * s.features[j][r]
                    gradient[r][j] += c * s.features[i][r]
                }
            }
        }
        for r in 0..<n { for i in 0..<d { gradient[r][i] /= s.spread[i] } }
        let totalWeight = s.weights.reduce(0, +)
        func projection(_ v: [Int]) -> (mean: Double, variance: Double) {
            var sum = 0.0, square = 0.0
            for r in 0..<n {
                var p = 0.0
                for i in scalable where v[i] != 0 { p += Double(v[i]) * gradient[r][i] }
                sum += s.weights[r] * p
                square += s.weights[r] * p * p
            }
            let mean = sum / totalWeight
            return (mean, max(0, square / totalWeight - mean * mean))
        }
        // small integer directions over the positive inputs, one sign each (first non-zero > 0)
        let range = scalable.count <= 6 ? -2...2 : -1...1
        var candidates: [(vector: [Int], score: Double, size: Int)] = []
        var digits = [Int](repeating: range.lowerBound, count: scalable.count)
        repeat {
            if let first = digits.first(where: { $0 != 0 }), first > 0 {
                var v = [Int](repeating: 0, count: d)
                for (k, i) in scalable.enumerated() { v[i] = digits[k] }
                let norm = Double(digits.reduce(0) { $0 + $1 * $1 })
                candidates.append((v, projection(v).variance / norm, digits.reduce(0) { $0 + abs($1) }))
            }
        } while DimensionlessGroups.advance(&digits, in: range)
        // Near-symmetries abound where the law is close to a power law over the rows' range
        // ((2, 2, 2, 1) for ħω/(exp(ħω/k_BT) − 1)) and pass the test where noise-free rows leave
        // only the surrogate's misfit as noise; a wrong one accepted first blocks the true ones.
        // So the candidates whose projection varies by less than `band` of a typical input's
        // gradient go first, the simplest of them first (physical symmetries are small:
        // (1, −1, 0, 0) scales ħ up and ω down); the others follow, most constant first.
        let typical = scalable.reduce(0.0) { acc, i in
            acc + projection((0..<d).map { $0 == i ? 1 : 0 }).variance
        } / Double(scalable.count)
        func near(_ c: (vector: [Int], score: Double, size: Int)) -> Bool { c.score <= Self.band * typical }
        candidates.sort { a, b in
            let (na, nb) = (near(a), near(b))
            if na != nb { return na }
            if na, a.size != b.size { return a.size < b.size }
            return a.score != b.score ? a.score < b.score : a.size < b.size
        }

        var accepted: [[Int]] = [], scaling: [Double] = []
        var reduction: DimensionlessGroups?
        var tested = 0
        for candidate in candidates where tested < Self.tests {
            let trial = accepted + [candidate.vector]
            guard DimensionlessGroups.rank(trial) == trial.count else { continue }
            tested += 1
            let exponent = projection(candidate.vector).mean
            let snapped = (2 * exponent).rounded() / 2
            guard abs(exponent - snapped) <= Self.tolerance else { continue }
            let units = Units(inputs: (0..<d).map { i in PhysicalDimension(trial.map { Double($0[i]) }) },
                              target: PhysicalDimension(scaling.map { $0 } + [snapped]), constantsCarryUnits: false)
            guard let groups = DimensionlessGroups(units: units),
                  Self.fits(groups, surrogate: s, full: fullColumns, fullRSS: full.rss) else { continue }
            accepted = trial
            scaling.append(snapped)
            reduction = groups
        }
        guard let reduction else { return nil }
        self.symmetries = accepted
        self.scaling = scaling
        self.reduction = reduction
    }

    /// Whether ln|y| written as a linear function of every input's logarithm plus a polynomial
    /// in the groups' logarithms fits as well as the full surrogate with those polynomial terms
    /// added (nested models, an F test at `threshold`). Nil groups (a group mixing an input that
    /// is not positive with others) fail.
    static func fits(_ reduction: DimensionlessGroups, surrogate s: LogSurrogate, full: [[Double]], fullRSS: Double) -> Bool {
        let d = s.features.count, n = s.rows
        var groupFeatures: [[Double]] = []
        var single: [Bool] = []
        for q in reduction.groups {
            let used = q.indices.filter { q[$0] != 0 }
            if used.count == 1 {
                groupFeatures.append(s.features[used[0]])
                single.append(true)
                continue
            }
            guard used.allSatisfy({ s.positive[$0] }) else { return false }
            let raw = (0..<n).map { r in used.reduce(0.0) { $0 + Double(q[$1]) * s.spread[$1] * s.features[$1][r] } }
            let mean = raw.reduce(0, +) / Double(n)
            let sd = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            guard sd > 1e-9 else { return false }
            groupFeatures.append(raw.map { ($0 - mean) / sd })
            single.append(false)
        }
        let k = groupFeatures.count
        // a richer polynomial in fewer groups: degree 5 for one, 3 for two or more (2 when the
        // rows do not afford the cubes)
        let degree = k == 1 ? 5 : s.cubic ? 3 : 2
        var restricted: [[Double]] = [[Double](repeating: 1, count: n)] + (0..<d).map { s.features[$0] }
        var extra: [[Double]] = []   // terms of the restricted model outside the full surrogate's span
        for (j, g) in groupFeatures.enumerated() {
            for p in 2...max(2, degree) {
                let column = g.map { v in (0..<p).reduce(1.0) { a, _ in a * v } }
                restricted.append(column)
                if p > (single[j] ? (s.cubic ? 3 : 2) : 2) { extra.append(column) }
            }
            for m in (j + 1)..<max(j + 1, k) where degree >= 2 {
                restricted.append(zip(g, groupFeatures[m]).map { $0 * $1 })
            }
        }
        let union = full + extra
        guard restricted.count < union.count, union.count <= n * 8 / 10,
              let small = s.fit(restricted), let large = s.fit(union) else { return false }
        let variance = s.variance(rss: large.rss, count: union.count)
        let f = max(0, small.rss - large.rss) / Double(union.count - restricted.count) / variance
        return f < threshold
    }
}
