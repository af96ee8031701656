import Formulas
import Foundation

/// Buckingham π reduction (dimensional analysis as AI Feynman's first step, Udrescu & Tegmark
/// 2020): when every dimensional quantity of a law is an input (constants are pure numbers), the
/// target is a monomial of the inputs with the target's dimension times a function of
/// dimensionless groups,
///
///     y = Π x_i^p_i · f(π_1, …, π_k),   π_j = Π x_i^e_ji dimensionless,
///
/// with k = inputs − rank of the dimension matrix. Searching f over the k groups instead of y
/// over all inputs removes as many variables as there are independent dimensions (Boltzmann's
/// n₀·exp(−mgx/k_BT), six inputs, becomes exp(−c·π) of one group).
///
/// The groups are the integer null space of the dimension matrix, with a basis of the shortest
/// vectors (fewest and smallest exponents: m·g·x/(k_B·T), not a product of three groups); the
/// monomial is the shortest integer solution of Σ p_i·dim(x_i) = dim(y), or the square root of
/// one (Kepler's √(a³/GM)). Exponents are integers from −4 to 4; a reduction that needs more is
/// not offered.
public struct DimensionlessGroups: Sendable, Equatable {
    /// Exponents of the inputs in the target's monomial (`scale`, to be divided by
    /// `scaleRoot`: 2 for a square root as in T ∝ √(a³/GM)) and in each group.
    public var scale: [Int]
    public var scaleRoot = 1
    public var groups: [[Int]]

    /// Largest exponent magnitude tried in a group or in the monomial.
    static let maxExponent = 4

    /// The reduction for these dimensions, or nil when the target's dimension is neither an
    /// integer monomial of the inputs' nor the square root of one (constants would have to carry
    /// units), when the free exponents are too many to enumerate, or when it removes nothing
    /// (every input dimensionless and the target too).
    /// The next integer vector with every coordinate in `range`, counting like an odometer
    /// (first coordinate fastest); false once it wraps back to the first vector.
    static func advance(_ digits: inout [Int], in range: ClosedRange<Int>) -> Bool {
        for k in digits.indices {
            digits[k] += 1
            if digits[k] <= range.upperBound { return true }
            digits[k] = range.lowerBound
        }
        return false
    }

    public init?(units: Units) {
        let n = units.inputs.count
        guard n > 0 else { return nil }
        let rows = units.target.exponents.indices
        let matrix = rows.map { r in units.inputs.map { $0.exponents[r] } }
        let rhs = rows.map { units.target.exponents[$0] }
        guard let echelon = Echelon(matrix: matrix, rhs: rhs), let doubled = Echelon(matrix: matrix, rhs: rhs.map { 2 * $0 }) else { return nil }
        let free = (0..<n).filter { !echelon.pivots.contains($0) }
        // Every integer vector with small free coordinates; the pivot coordinates follow.
        var nullVectors: [[Int]] = []
        var solutions: [[Int]] = [], halves: [[Int]] = []
        let range = -2...2
        var freeValues = [Int](repeating: range.lowerBound, count: free.count)
        let total = Int(pow(Double(range.count), Double(free.count)))
        guard total <= 2_000_000 else { return nil }
        for _ in 0..<total {
            for homogeneous in [true, false] {
                if let v = echelon.solution(free: free, values: freeValues, homogeneous: homogeneous, limit: Self.maxExponent) {
                    if homogeneous { if v.contains(where: { $0 != 0 }) { nullVectors.append(v) } } else { solutions.append(v) }
                }
            }
            if let v = doubled.solution(free: free, values: freeValues, homogeneous: false, limit: 2 * Self.maxExponent),
               v.contains(where: { $0 % 2 != 0 }) {
                halves.append(v)
            }
            _ = Self.advance(&freeValues, in: range)
        }
        func cost(_ v: [Int]) -> (Int, Int) { (v.reduce(0) { $0 + abs($1) }, v.count { $0 != 0 }) }
        func shorter(_ a: [Int], _ b: [Int]) -> Bool {
            let (ca, cb) = (cost(a), cost(b))
            return ca != cb ? ca < cb : a.lexicographicallyPrecedes(b, by: >)
        }
        // an integer monomial if there is one, else the square root of one
        if let integer = solutions.min(by: shorter) {
            scale = integer
        } else if let half = halves.min(by: shorter) {
            scale = half
            scaleRoot = 2
        } else {
            return nil
        }
        // the shortest vectors first; one sign of each (first non-zero exponent positive)
        let candidates = Set(nullVectors.map { v in (v.first { $0 != 0 } ?? 0) < 0 ? v.map { -$0 } : v }).sorted(by: shorter)
        var groups: [[Int]] = []
        for v in candidates where groups.count < free.count {
            if Self.rank(groups + [v]) == groups.count + 1 { groups.append(v) }
        }
        guard groups.count == free.count else { return nil }
        // Nothing to gain when the groups are the inputs themselves and the target needs no scale.
        if scale.allSatisfy({ $0 == 0 }), groups.count == n,
           groups.allSatisfy({ g in g.count { $0 != 0 } == 1 && g.contains(1) }) { return nil }
        self.groups = groups
    }

    /// Columns of the groups (`columns[j][row]` = π_j) and the scaled target y / Π x^p, or nil
    /// when a value is not finite (an input at zero under a negative exponent).
    public func reduce(inputs: [[Double]], target: [Double]) -> (inputs: [[Double]], target: [Double])? {
        let rows = target.count
        func monomial(_ e: [Int]) -> [Double] {
            (0..<rows).map { r in e.indices.reduce(1.0) { $0 * Self.power(inputs[$1][r], e[$1]) } }
        }
        let scaled = zip(target, monomial(scale)).map { $0 / (scaleRoot == 2 ? $1.squareRoot() : $1) }
        let columns = groups.map(monomial)
        guard scaled.allSatisfy(\.isFinite), columns.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { return nil }
        return (columns, scaled)
    }

    /// A formula of the groups (variable j is π_j) written in the inputs: Π x^p · f(π(x)).
    public func restore(_ reduced: ExpressionTree) -> ExpressionTree {
        let f = reduced.substitutingVariables { Self.monomial(groups[$0]) ?? .constant(1) }
        guard let m = Self.monomial(scale) else { return f }
        return .binary(.mul, scaleRoot == 2 ? .unary(.sqrt, m) : m, f)
    }

    /// Π x_i^e_i as a tree: numerator over denominator, each power by square and cube; nil
    /// for the empty monomial.
    static func monomial(_ e: [Int]) -> ExpressionTree? {
        func product(_ parts: [ExpressionTree]) -> ExpressionTree? {
            parts.dropFirst().reduce(parts.first) { acc, p in acc.map { .binary(.mul, $0, p) } }
        }
        func power(_ i: Int, _ k: Int) -> ExpressionTree {
            let x = ExpressionTree.variable(i)
            switch k {
            case 1: return x
            case 2: return .unary(.square, x)
            case 3: return .unary(.cube, x)
            case 4: return .unary(.square, .unary(.square, x))
            default: return .binary(.mul, .unary(.cube, x), power(i, k - 3))
            }
        }
        let numerator = product(e.indices.filter { e[$0] > 0 }.map { power($0, e[$0]) })
        let denominator = product(e.indices.filter { e[$0] < 0 }.map { power($0, -e[$0]) })
        switch (numerator, denominator) {
        case (nil, nil): return nil
        case (let n?, nil): return n
        case (nil, let d?): return .unary(.inv, d)
        case (let n?, let d?): return .binary(.div, n, d)
        }
    }

    static func power(_ x: Double, _ k: Int) -> Double {
        switch k {
        case 0: return 1
        case 1: return x
        case -1: return 1 / x
        default: return pow(x, Double(k))
        }
    }

    /// Rank of integer vectors (Gaussian elimination in doubles; entries are small integers).
    static func rank(_ vectors: [[Int]]) -> Int {
        let m = vectors.map { $0.map(Double.init) }
        return Echelon(matrix: m, rhs: [Double](repeating: 0, count: m.count))?.pivots.count ?? 0
    }
}

/// Reduced row echelon form of A·x = b (A: rows × columns), for the null space and one solution.
struct Echelon {
    var rows: [[Double]]
    var rhs: [Double]
    /// Column of each row's leading one.
    var pivots: [Int]
    var columns: Int

    /// nil when A·x = b has no solution at all (then no monomial has the target's dimension).
    init?(matrix: [[Double]], rhs: [Double]) {
        var a = matrix, b = rhs
        let columns = a.first?.count ?? 0
        var pivots: [Int] = []
        var r = 0
        for c in 0..<columns where r < a.count {
            guard let p = (r..<a.count).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[p][c]) > 1e-9 else { continue }
            a.swapAt(r, p); b.swapAt(r, p)
            let lead = a[r][c]
            a[r] = a[r].map { $0 / lead }; b[r] /= lead
            for i in a.indices where i != r && abs(a[i][c]) > 1e-12 {
                let f = a[i][c]
                a[i] = zip(a[i], a[r]).map { $0 - f * $1 }
                b[i] -= f * b[r]
            }
            pivots.append(c)
            r += 1
        }
        if (r..<a.count).contains(where: { abs(b[$0]) > 1e-9 }) { return nil }
        self.rows = Array(a.prefix(r))
        self.rhs = Array(b.prefix(r))
        self.pivots = pivots
        self.columns = columns
    }

    /// The integer solution with these free coordinates (of A·x = 0 when `homogeneous`), or nil
    /// when a pivot coordinate is not an integer or exceeds `limit` in magnitude.
    func solution(free: [Int], values: [Int], homogeneous: Bool, limit: Int) -> [Int]? {
        var x = [Int](repeating: 0, count: columns)
        for (f, v) in zip(free, values) { x[f] = v }
        for (k, p) in pivots.enumerated() {
            var value = homogeneous ? 0 : rhs[k]
            for (f, v) in zip(free, values) where v != 0 { value -= rows[k][f] * Double(v) }
            let rounded = value.rounded()
            guard abs(value - rounded) < 1e-9, abs(rounded) <= Double(limit) else { return nil }
            x[p] = Int(rounded)
        }
        return x
    }
}
