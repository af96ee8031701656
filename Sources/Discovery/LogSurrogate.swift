import Foundation

/// ln|y| of a table as a smooth function of its inputs, the surrogate on which `PowerFactors`
/// and `ScaleGroups` test what they propose: a cubic in the inputs (logarithms of the positive
/// ones, the others as they are; standardised) with every pairwise product. AI Feynman queries a
/// neural network fitted to many rows; with a hundred rows a least-squares polynomial stands in.
/// Noise added to y (SRBench's kind) grows in ln|y| as 1/|y|: rows below the median magnitude
/// weigh (|y|/median)², the others 1; rows of a sign held by fewer than a tenth weigh nothing.
struct LogSurrogate {
    /// A column of the surrogate: the constant, feature i to a power, or the product of two.
    enum Term: Hashable { case one, power(Int, Int), product(Int, Int) }

    let rows: Int
    /// Standardised features; `spread[i]` is input i's standard deviation (of its logarithm
    /// when positive) before standardising.
    let features: [[Double]]
    let spread: [Double]
    let positive: [Bool]
    let z: [Double]
    let weights: [Double]
    /// Whether the rows afford the cubes (otherwise squares and products only).
    let cubic: Bool

    /// Nil when more than a tenth of the rows are zero, a value is not
    /// finite, an input is constant, or the rows are too few for the quadratic surrogate.
    init?(inputs: [[Double]], target: [Double]) {
        let n = target.count
        // One sign but for a few rows: noise added to a target spanning decades flips its
        // smallest values, which then weigh nothing. Of both signs (n·sin θ, n·k_BT·ln(V₂/V₁)),
        // every non-zero row counts by its magnitude: a product of powers times a function that
        // changes sign is still a sum in ln|y|.
        let positiveRows = target.count { $0 > 0 }, negativeRows = target.count { $0 < 0 }
        guard n >= 20, target.allSatisfy(\.isFinite), positiveRows + negativeRows >= n * 9 / 10 else { return nil }
        let oneSign = max(positiveRows, negativeRows) >= n * 9 / 10
        let sign = oneSign ? (positiveRows >= negativeRows ? 1.0 : -1.0) : 0
        let magnitude = target.map { oneSign ? $0 * sign : abs($0) }
        let median = magnitude.sorted()[n / 2]
        self.init(inputs: inputs, response: magnitude.map { $0 > 0 ? log($0) : 0 },
                  weights: magnitude.map { $0 > 0 ? min(1, ($0 / median) * ($0 / median)) : 0 })
    }

    /// The same polynomial fitted to `response` itself with rows weighted by `weights` (the
    /// surrogate of y on which `AdditiveParts` tests a sum). Nil when an input is constant or
    /// the rows are too few for the quadratic surrogate.
    init?(inputs: [[Double]], response: [Double], weights: [Double]) {
        let n = response.count, d = inputs.count
        guard d >= 1, n >= 20, response.allSatisfy(\.isFinite), weights.count == n,
              inputs.allSatisfy({ $0.count == n && $0.allSatisfy(\.isFinite) }) else { return nil }
        let positive = inputs.map { c in c.allSatisfy { $0 > 0 } }
        var features: [[Double]] = []
        var spread = [Double](repeating: 1, count: d)
        for i in 0..<d {
            let raw = positive[i] ? inputs[i].map { log($0) } : inputs[i]
            let mean = raw.reduce(0, +) / Double(n)
            let sd = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            guard sd > 1e-12 * max(1, abs(mean)) else { return nil }   // a constant column says nothing
            spread[i] = sd
            features.append(raw.map { ($0 - mean) / sd })
        }
        let cubic = 1 + 3 * d + d * (d - 1) / 2 <= n * 7 / 10
        guard cubic || 1 + 2 * d + d * (d - 1) / 2 <= n * 7 / 10 else { return nil }
        self.rows = n
        self.features = features
        self.spread = spread
        self.positive = positive
        self.z = response
        self.weights = weights
        self.cubic = cubic
    }

    /// The full surrogate's terms, except that the inputs in `linear` keep only their linear term.
    func terms(linear: Set<Int> = []) -> [Term] {
        let d = features.count
        var terms: [Term] = [.one]
        for i in 0..<d {
            terms.append(.power(i, 1))
            guard !linear.contains(i) else { continue }
            terms.append(.power(i, 2))
            if cubic { terms.append(.power(i, 3)) }
            for j in (i + 1)..<max(i + 1, d) where !linear.contains(j) { terms.append(.product(i, j)) }
        }
        return terms
    }

    func column(_ t: Term) -> [Double] {
        switch t {
        case .one: return [Double](repeating: 1, count: rows)
        case .power(let i, let k): return features[i].map { v in (0..<k).reduce(1.0) { p, _ in p * v } }
        case .product(let i, let j): return zip(features[i], features[j]).map { $0 * $1 }
        }
    }

    /// Weighted least-squares fit of z on `columns`.
    func fit(_ columns: [[Double]]) -> (coefficients: [Double], rss: Double)? {
        Self.leastSquares(columns, z, weights)
    }

    /// The noise variance of z read off a fit with `count` columns: noise-free rows leave the
    /// surrogate's own misfit, and rounding in the normal equations is kept below any test by
    /// a floor far under any real interaction.
    func variance(rss: Double, count: Int) -> Double {
        let total = weights.reduce(0, +)
        let mean = zip(z, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
        let spread = zip(z, weights).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / Double(rows)
        return max(rss / Double(max(1, rows - count)), 1e-10 * spread)
    }

    /// Weighted least squares by the normal equations (columns are few and standardised), with
    /// the weighted residual sum of squares; nil when singular.
    /// The normal equations a·x = b solved with a whisper of ridge, which keeps products of
    /// nearly collinear columns solvable.
    static func solveNormal(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        var a = a
        let m = b.count
        let trace = (0..<m).reduce(0) { $0 + a[$1][$1] }
        for i in 0..<m { a[i][i] += 1e-12 * trace / Double(m) }
        return ConstantFitter.solve(a, b)
    }

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
        guard let x = solveNormal(a, b) else { return nil }
        var rss = 0.0
        for r in y.indices {
            var f = 0.0
            for k in 0..<m { f += x[k] * columns[k][r] }
            rss += w[r] * (y[r] - f) * (y[r] - f)
        }
        return rss.isFinite ? (x, rss) : nil
    }
}
