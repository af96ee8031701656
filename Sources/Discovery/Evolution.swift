import Dispatch
import Formulas
import Foundation

/// SplitMix64, the search's seeded generator (reproducible from `--seed`). Render has the
/// same public generator; this leaf module keeps an internal copy rather than depend on the
/// renderer for eight lines.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One scored formula of the search.
struct Member {
    var expression: ExpressionTree
    var candidate: Candidate
    var bits: Double { candidate.bits.total }
}

/// Fits and scores formulas for one target; remembers every structure it has fitted (by its
/// canonical key), so a structure met again costs a dictionary lookup.
final class Scorer {
    let inputs: [[Double]]
    let target: [Double]
    let weights: [Double]?
    let units: Units?
    let alphabet: Int
    private(set) var cache: [String: Candidate?] = [:]
    /// The power-sum grafts of each parent already grafted (`Evolution.powerSumGrafts`).
    var grafts: [ExpressionTree: [ExpressionTree]] = [:]
    private(set) var fits = 0

    init(inputs: [[Double]], target: [Double], weights: [Double]?, units: Units?, alphabet: Int) {
        self.alphabet = alphabet
        self.inputs = inputs
        self.target = target
        self.weights = weights
        self.units = units
    }

    /// The fitted candidate for a (simplified) expression, or nil when it cannot be fitted or
    /// is rejected by the unit check (before the fit, and after it with the fitted exponents).
    /// The fit starts from the expression's own constants.
    func score(_ e: ExpressionTree, iterations: Int = 40) -> Candidate? {
        let key = e.key
        if let hit = cache[key] { return hit }
        var result: Candidate? = nil
        if units.accepts(e.formula, fitted: false) {
            let f = e.formula
            let p = f.constantCount
            // From the parent's constants; fresh starts only when that fails (the final polish
            // refits the shortlisted formulas from several starts).
            let warm = f.constants.map { $0.isFinite && $0 != 0 ? $0 : 1 }
            fits += 1
            var scored = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                                 starts: [warm], iterations: iterations)
            if scored == nil, p > 0 {
                scored = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                                 starts: [[Double](repeating: 1, count: p), [Double](repeating: -1, count: p)],
                                                 iterations: iterations)
            }
            if let c = scored, units.accepts(c.formula) {
                result = c
            }
        }
        cache[key] = result
        return result
    }
}

/// Regularised evolution over several populations, in the manner of PySR (Cranmer 2023) and of
/// Real et al. (2019): each step draws a tournament from a population, mutates (or crosses over)
/// its winner, fits the child's constants and lets the child replace the population's oldest
/// member. Populations evolve independently for an epoch (in parallel when threads > 1), then
/// exchange their best formulas through a hall of fame. Fitness is the description length in
/// bits, so parsimony comes from the same number that selects the final equation.
///
/// Deterministic for a given seed whatever the thread count: each population has its own
/// generator and cache, and migration happens between epochs in a fixed order.
struct Evolution {
    var options: SearchOptions
    var variableCount: Int
    /// Small constant-free formulas over the inputs and their values on the data: the building
    /// blocks of the graft mutation (see `graft`).
    var library: [(expression: ExpressionTree, values: [Double], logs: [Double])] = []
    /// What the power-sum pursuit needs of the library, computed once per search.
    let blocks = BlockStatistics()

    init(options: SearchOptions, variableCount: Int, inputs: [[Double]]) {
        self.options = options
        self.variableCount = variableCount
        guard options.graftProbability > 0, let rows = inputs.first?.count, rows > 2 else { return }
        let size = variableCount <= 2 ? 5 : variableCount <= 4 ? 4 : 3
        let formulas = Enumerator(variableCount: variableCount, unary: options.unary, binary: options.binary.filter { $0 != .pow },
                                  maxSize: min(size, options.maxSize), maxConstants: 0).formulas()
        // a block enters once: the same values up to scale and offset are the same block
        var seen = Set<[Int64]>()
        func add(_ e: ExpressionTree?, _ v: [Double]) {
            guard v.allSatisfy(\.isFinite), let lo = v.min(), let hi = v.max(), hi > lo else { return }
            let signature = v.prefix(8).map { Int64((($0 - lo) / (hi - lo) * 1e6).rounded()) }
            guard seen.insert(signature).inserted, let e else { return }
            library.append((e, v, v.map { Foundation.log(Swift.abs($0) + 1e-300) }))
        }
        for f in formulas { add(ExpressionTree(f), f.evaluate(inputs, rows: rows)) }
        // Squares of the two-input blocks (x − y)², (x + y)², … : the terms of a squared
        // distance, which the power-sum graft adds up (see `powerSumGrafts`).
        if options.unary.contains(.square) {
            for (e, v, _) in library {
                guard case .binary(let op, .variable, .variable) = e, op == .add || op == .sub else { continue }
                add(.unary(.square, e), v.map { $0 * $0 })
            }
        }
    }

    /// Mutation weights (relative). Growing at a leaf dominates, as in PySR's defaults;
    /// operator changes and deletions keep sizes in check.
    static let mutations: [(Mutation, Double)] = [
        (.grow, 2.5), (.mutateOperator, 0.45), (.delete, 0.9), (.insert, 0.4), (.swapOperands, 0.15),
        (.rotate, 0.4), (.prune, 0.3), (.mutateConstant, 0.05), (.randomize, 0.02),
    ]
    enum Mutation { case grow, mutateOperator, delete, insert, swapOperands, rotate, prune, mutateConstant, randomize }

    struct Population {
        var members: [Member]
        var oldest = 0
        var rng: SplitMix64
        var scorer: Scorer
        /// How often each size was born recently (decayed), for adaptive parsimony.
        var sizeCounts = [Double](repeating: 0, count: 64)
        var births = 0.0

        /// Fitness for tournaments: bits plus a penalty growing with how crowded the member's
        /// size is — PySR's adaptive parsimony (loss·exp(s·frequency)) written in bits, where a
        /// factor exp(s·f) on the error is (n/2)·log2(e)·s·f bits. It keeps small formulas
        /// alive as building blocks while large ones crowd in.
        func fitness(_ m: Member, scaling: Double) -> Double {
            let size = min(m.candidate.complexity, sizeCounts.count - 1)
            let frequency = births > 0 ? sizeCounts[size] / births : 0
            return m.bits + 0.5 * Double(scorer.target.count) * 1.4426950408889634 * scaling * frequency
        }

        mutating func born(_ size: Int) {
            sizeCounts[min(size, sizeCounts.count - 1)] += 1
            births += 1
            if births > 2000 {
                for i in sizeCounts.indices { sizeCounts[i] *= 0.5 }
                births *= 0.5
            }
        }
    }

    func randomLeaf(_ rng: inout SplitMix64) -> ExpressionTree {
        if Double.random(in: 0..<1, using: &rng) < 0.75 || variableCount == 0 {
            return .variable(Int.random(in: 0..<max(1, variableCount), using: &rng))
        }
        return .constant(1)
    }

    func randomTree(size: Int, _ rng: inout SplitMix64) -> ExpressionTree {
        if size <= 1 { return randomLeaf(&rng) }
        if size == 2 || (!options.unary.isEmpty && Double.random(in: 0..<1, using: &rng) < 0.25) || options.binary.isEmpty {
            guard let op = options.unary.randomElement(using: &rng) else { return randomLeaf(&rng) }
            return .unary(op, randomTree(size: size - 1, &rng))
        }
        let op = options.binary.randomElement(using: &rng)!
        let left = Int.random(in: 1...(size - 2), using: &rng)
        if op == .pow { return .binary(op, randomTree(size: size - 2, &rng), .constant(1.5)) }
        return .binary(op, randomTree(size: left, &rng), randomTree(size: size - 1 - left, &rng))
    }

    /// A new node over `sub`: a unary operator or a binary one with a new leaf.
    func wrap(_ sub: ExpressionTree, _ rng: inout SplitMix64) -> ExpressionTree {
        let unaryShare = Double(options.unary.count) / Double(max(1, options.unary.count + options.binary.count))
        if Double.random(in: 0..<1, using: &rng) < unaryShare, let op = options.unary.randomElement(using: &rng) {
            return .unary(op, sub)
        }
        guard let op = options.binary.randomElement(using: &rng) else { return sub }
        if op == .pow { return .binary(.pow, sub, .constant([2, 0.5, -1, 1.5, -2][Int.random(in: 0..<5, using: &rng)])) }
        let leaf = randomLeaf(&rng)
        return Bool.random(using: &rng) ? .binary(op, sub, leaf) : .binary(op, leaf, sub)
    }

    func mutate(_ e: ExpressionTree, _ kind: Mutation, _ rng: inout SplitMix64) -> ExpressionTree {
        let n = e.size
        let k = Int.random(in: 0..<n, using: &rng)
        let node = e.node(at: k)
        switch kind {
        case .grow:
            // at a leaf
            var leaves: [Int] = []
            for i in 0..<n { if case .variable = e.node(at: i) { leaves.append(i) } else if case .constant = e.node(at: i) { leaves.append(i) } }
            let at = leaves.randomElement(using: &rng) ?? 0
            return e.replacing(at: at, with: wrap(e.node(at: at), &rng))
        case .insert:
            return e.replacing(at: k, with: wrap(node, &rng))
        case .mutateOperator:
            switch node {
            case .unary(_, let a):
                guard let op = options.unary.randomElement(using: &rng) else { return e }
                return e.replacing(at: k, with: .unary(op, a))
            case .binary(let old, let a, let b):
                guard let op = options.binary.randomElement(using: &rng) else { return e }
                if op == .pow || old == .pow { return e }
                return e.replacing(at: k, with: .binary(op, a, b))
            default:
                return e.replacing(at: k, with: randomLeaf(&rng))
            }
        case .delete:
            switch node {
            case .unary(_, let a): return e.replacing(at: k, with: a)
            case .binary(_, let a, let b): return e.replacing(at: k, with: Bool.random(using: &rng) ? a : b)
            default: return e
            }
        case .swapOperands:
            if case .binary(let op, let a, let b) = node, op != .pow { return e.replacing(at: k, with: .binary(op, b, a)) }
            return e
        case .rotate:
            // (a ∘ b) • c → a ∘ (b • c) and the mirror image
            if case .binary(let outer, .binary(let inner, let a, let b), let c) = node, outer != .pow, inner != .pow {
                return e.replacing(at: k, with: .binary(inner, a, .binary(outer, b, c)))
            }
            if case .binary(let outer, let a, .binary(let inner, let b, let c)) = node, outer != .pow, inner != .pow {
                return e.replacing(at: k, with: .binary(inner, .binary(outer, a, b), c))
            }
            return e
        case .prune:
            return e.replacing(at: k, with: randomLeaf(&rng))
        case .mutateConstant:
            var constants: [Int] = []
            for i in 0..<n { if case .constant = e.node(at: i) { constants.append(i) } }
            guard let at = constants.randomElement(using: &rng), case .constant(let v) = e.node(at: at) else { return e }
            let factor = Double.random(in: 0..<1, using: &rng) < 0.1 ? -1 : exp(Double.random(in: -1...1, using: &rng))
            return e.replacing(at: at, with: .constant(v * factor))
        case .randomize:
            return randomTree(size: Int.random(in: 3...7, using: &rng), &rng)
        }
    }

    /// A subtree of `b` put in place of a random node of `a`.
    func crossover(_ a: ExpressionTree, _ b: ExpressionTree, _ rng: inout SplitMix64) -> ExpressionTree {
        let donor = b.node(at: Int.random(in: 0..<b.size, using: &rng))
        return a.replacing(at: Int.random(in: 0..<a.size, using: &rng), with: donor)
    }

    /// Whether a formula may enter a population: a variable, within the size and constant
    /// limits, exponents constant, and accepted by the unit check.
    func valid(_ e: ExpressionTree) -> Bool {
        guard e.hasVariable, e.size <= options.maxSize, e.constantCount <= options.maxEvolvedConstants else { return false }
        return exponentsConstant(e)
    }

    func exponentsConstant(_ e: ExpressionTree) -> Bool {
        switch e {
        case .variable, .constant: return true
        case .unary(_, let a): return exponentsConstant(a)
        case .binary(let op, let a, let b):
            if op == .pow, b.hasVariable { return false }
            return exponentsConstant(a) && exponentsConstant(b)
        }
    }

    func tournament(_ p: inout Population) -> Member {
        let k = min(options.tournamentSize, p.members.count)
        var picks: [Int] = []
        while picks.count < k {
            let i = Int.random(in: 0..<p.members.count, using: &p.rng)
            if !picks.contains(i) { picks.append(i) }
        }
        let scaling = options.adaptiveParsimony
        let scores = picks.map { p.fitness(p.members[$0], scaling: scaling) }
        picks = picks.indices.sorted { scores[$0] < scores[$1] }.map { picks[$0] }
        for i in picks where Double.random(in: 0..<1, using: &p.rng) < 0.86 { return p.members[i] }
        return p.members[picks[0]]
    }

    func pickMutation(_ rng: inout SplitMix64) -> Mutation {
        let total = Self.mutations.reduce(0) { $0 + $1.1 }
        var u = Double.random(in: 0..<total, using: &rng)
        for (m, w) in Self.mutations {
            if u < w { return m }
            u -= w
        }
        return .grow
    }

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
        // the best few by |correlation|, one of them at random (diversity between populations)
        var scored: [(Double, Int, Double)] = []
        let sample = library.count <= 3000 ? Array(library.indices) : (0..<3000).map { _ in Int.random(in: 0..<library.count, using: &rng) }
        for j in sample {
            let g = multiplicative ? library[j].logs : library[j].values
            let mg = g.reduce(0, +) / Double(n)
            var sgg = 0.0, sgu = 0.0
            for i in 0..<n { let d = g[i] - mg; sgg += d * d; sgu += d * (u[i] - mu) }
            guard sgg > 1e-300 else { continue }
            let r = Swift.abs(sgu) / (sgg * suu).squareRoot()
            if r.isFinite { scored.append((r, j, sgu / sgg)) }
        }
        scored.sort { $0.0 > $1.0 }
        guard !scored.isEmpty else { return nil }
        let (_, j, slope) = scored[Int.random(in: 0..<min(3, scored.count), using: &rng)]
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
        func transformed(_ q: Double) -> [Double]? {
            let t: [Double]
            if q == 1 { t = ratio } else if q == -1 { t = ratio.map { 1 / $0 } } else {
                guard oneSign else { return nil }
                t = ratio.map { Foundation.pow(Swift.abs($0), 1 / q) }
            }
            return t.allSatisfy(\.isFinite) ? t : nil
        }
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
            guard let t = transformed(q) else { continue }
            for (blocks, beta) in pursuit(t) {
                let sse = error(blocks, beta, q)
                if sse < (choices[blocks.count]?.sse ?? .infinity) { choices[blocks.count] = (sse, q, blocks, beta) }
            }
        }
        return choices.keys.sorted().compactMap { k in
            let c = choices[k]!
            return compact(parent.expression, q: c.q, sign: sign, blocks: c.blocks, beta: c.beta, rows: n)
        }
    }

    /// parent · (β₀ + Σ βₖ gₖ)^q as a formula in compact form: the terms over the largest
    /// coefficient, ratios within 3 % of ±1, ±2, ±3 snapped (the fit refines them), a
    /// negligible intercept dropped, and the scale folded into the parent's constant factor —
    /// so that the law itself, not a copy padded with constants, fits within the size limit.
    private func compact(_ parent: ExpressionTree, q: Double, sign: Double, blocks: [Int], beta: [Double], rows n: Int) -> ExpressionTree? {
        let lead = blocks.indices.map { Swift.abs(beta[$0 + 1]) }.max() ?? 0
        guard lead > 1e-300 else { return nil }
        var sum: ExpressionTree? = nil
        var typical = 0.0
        for (k, j) in blocks.enumerated() {
            var r = beta[k + 1] / lead
            let whole = r.rounded()
            if whole != 0, Swift.abs(whole) <= 3, Swift.abs(r - whole) < 0.03 * Swift.abs(whole) { r = whole }
            typical += Swift.abs(r) * library[j].values.reduce(0) { $0 + Swift.abs($1) } / Double(n)
            let g = library[j].expression
            let term: ExpressionTree = Swift.abs(r) == 1 ? g : .binary(.mul, .constant(Swift.abs(r)), g)
            if let s0 = sum { sum = .binary(r < 0 ? .sub : .add, s0, term) } else { sum = r < 0 ? .binary(.mul, .constant(-1), term) : term }
        }
        guard var sum else { return nil }
        let r0 = beta[0] / lead
        if Swift.abs(r0) > 0.03 * typical { sum = .binary(.add, sum, .constant(r0)) }
        var scale = Foundation.pow(lead, q)
        if q != 1, q != -1, sign < 0 { scale = -scale }
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
        blocks.prepare(library.map(\.values))
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
        // the smallest residual of each subset size 1…terms: singles and pairs by Cramer's
        // rule on the Gram entries, triples by the pair's Schur complement
        var best = [(sse: Double, subset: [Int], beta: [Double])](repeating: (tt, [], []), count: terms + 1)
        for a in 0..<k {
            let gaa = gram[a * k + a]
            let beta = gt[a] / gaa
            let sse = tt - beta * gt[a]
            if sse < best[1].sse { best[1] = (sse, [a], [beta]) }
            guard terms >= 2 else { continue }
            for b in (a + 1)..<max(a + 1, k) {
                let gab = gram[a * k + b], gbb = gram[b * k + b]
                let det = gaa * gbb - gab * gab
                guard det > 1e-12 * gaa * gbb else { continue }
                let ba = (gt[a] * gbb - gab * gt[b]) / det, bb = (gaa * gt[b] - gab * gt[a]) / det
                let sse2 = tt - ba * gt[a] - bb * gt[b]
                if sse2 < best[2].sse { best[2] = (sse2, [a, b], [ba, bb]) }
                guard terms >= 3 else { continue }
                // a third block c by the Schur complement of the pair: with v = M⁻¹·(G_ac, G_bc),
                // s = G_cc − (G_ac, G_bc)·v and u = (g_c·t) − (G_ac, G_bc)·β_ab, the triple's
                // residual is sse₂ − u²/s (a dozen operations per c)
                let m00 = gbb / det, m01 = -gab / det, m11 = gaa / det
                var bestC = -1, bestSSE = best[3].sse
                gram.withUnsafeBufferPointer { g in
                    for c in (b + 1)..<max(b + 1, k) {
                        let p = g[a * k + c], r = g[b * k + c]
                        let v0 = m00 * p + m01 * r, v1 = m01 * p + m11 * r
                        let schur = g[c * k + c] - (p * v0 + r * v1)
                        guard schur > 1e-12 * g[c * k + c] else { continue }
                        let u = gt[c] - (p * ba + r * bb)
                        let sse3 = sse2 - u * u / schur
                        if sse3 < bestSSE { bestSSE = sse3; bestC = c }
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
            out.append((best[size].subset.map { top[$0] }, [intercept] + best[size].beta))
        }
        return out
    }

    func step(_ p: inout Population) {
        for _ in 0..<8 {
            let parent = tournament(&p)
            var child: ExpressionTree
            if Double.random(in: 0..<1, using: &p.rng) < options.graftProbability, let grafted = graft(parent, p, &p.rng) {
                child = grafted
            } else if Double.random(in: 0..<1, using: &p.rng) < options.crossoverProbability {
                let other = tournament(&p)
                child = crossover(parent.expression, other.expression, &p.rng)
            } else {
                child = mutate(parent.expression, pickMutation(&p.rng), &p.rng)
            }
            child = child.simplified()
            guard valid(child), let c = p.scorer.score(child) else { continue }
            p.members[p.oldest] = Member(expression: ExpressionTree(c.formula) ?? child, candidate: c)
            p.born(c.complexity)
            p.oldest = (p.oldest + 1) % p.members.count
            return
        }
    }

    /// Evolves from the seed formulas; returns every member ever scored that might matter: the
    /// hall of fame (best error at each size) and the members with the fewest bits.
    func run(seeds: [Member], inputs: [[Double]], target: [Double], weights: [Double]?) -> (members: [Member], fits: Int) {
        var master = SplitMix64(seed: options.seed)
        let populationCount = max(1, options.populations)
        var populations: [Population] = []
        for i in 0..<populationCount {
            var rng = SplitMix64(seed: options.seed &* 0x9E37_79B9 &+ UInt64(i) &+ 1)
            let scorer = Scorer(inputs: inputs, target: target, weights: weights, units: options.units,
                                alphabet: options.alphabet(variables: variableCount))
            var members: [Member] = []
            // The best seeds (by bits), spread over the populations, and random formulas.
            for (j, s) in seeds.enumerated() where j % populationCount == i && members.count < options.populationSize / 2 {
                members.append(s)
            }
            var attempts = 0
            while members.count < options.populationSize && attempts < options.populationSize * 20 {
                attempts += 1
                let e = randomTree(size: Int.random(in: 1...5, using: &rng), &rng).simplified()
                guard valid(e), let c = scorer.score(e) else { continue }
                members.append(Member(expression: ExpressionTree(c.formula) ?? e, candidate: c))
            }
            if members.isEmpty, let s = seeds.first { members.append(s) }
            if members.isEmpty { continue }
            populations.append(Population(members: members, rng: rng, scorer: scorer))
        }
        var hall: [Int: Member] = [:]
        for s in seeds { admit(s, to: &hall) }
        // The small formulas of the hall of fame (at most half the size limit: the graft adds
        // a sum) are offered the power-sum grafts, each once, smallest first: all of them at
        // the start, then at most `hallGrafts` per epoch (a graft searches ~10⁶ sums per
        // power). Not once the data are fitted exactly: an exact fit's error cannot improve,
        // and shorter exact formulas come from the enumeration.
        let exactLevel = Search.exactLevel(target, weights: weights)
        func graftHall(limit: Int) {
            guard options.graftProbability > 0, let scorer = populations.first?.scorer else { return }
            if let leader = ordered(hall).min(by: { $0.bits < $1.bits }), leader.candidate.mse <= exactLevel { return }
            let fresh = hall.filter { Swift.abs($0.key) <= options.maxSize / 2 && scorer.grafts[$0.value.expression] == nil }
                .sorted { (Swift.abs($0.key), $0.key) < (Swift.abs($1.key), $1.key) }.prefix(limit)
            for (_, m) in fresh {
                for child in powerSumGrafts(m, populations[0]).map({ $0.simplified() }) {
                    guard valid(child), let c = scorer.score(child) else { continue }
                    admit(Member(expression: ExpressionTree(c.formula) ?? child, candidate: c), to: &hall)
                }
            }
        }
        graftHall(limit: options.maxSize)
        var best = seeds.min(by: { $0.bits < $1.bits })?.bits ?? .infinity
        var stale = 0
        let started = Date()
        final class Box: @unchecked Sendable { var items: [Population]; init(_ p: [Population]) { items = p } }
        for epoch in 0..<options.epochs {
            let box = Box(populations)
            let cycles = options.cyclesPerEpoch
            let threads = max(1, min(options.threads, populations.count))
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                var i = w
                while i < box.items.count {
                    var p = box.items[i]
                    for _ in 0..<cycles { step(&p) }
                    box.items[i] = p
                    i += threads
                }
            }
            populations = box.items
            for p in populations { for m in p.members { admit(m, to: &hall) } }
            graftHall(limit: options.hallGrafts)
            let leader = ordered(hall).min(by: { $0.bits < $1.bits })
            let epochBest = leader?.bits ?? .infinity
            if epochBest < best - 1e-6 { best = epochBest; stale = 0 } else { stale += 1 }
            if epoch + 1 >= options.minEpochs && stale >= options.patience { break }
            // An exact fit (residuals at rounding level, noise-free data): what is left to find
            // is a shorter exact formula, and the seeds and first epochs are where those are;
            // a few epochs without one end the search (cyclotron: 0.7 s instead of 2 s).
            if let leader, leader.candidate.mse <= exactLevel, stale >= options.exactPatience { break }
            if let limit = options.timeLimit, Date().timeIntervalSince(started) > limit { break }
            // Migration: each population takes a few members of the hall of fame in place of its oldest.
            let famous = hall.keys.sorted().compactMap { hall[$0] }
            for i in populations.indices where !famous.isEmpty {
                for _ in 0..<options.migrants {
                    let m = famous.min(by: { $0.bits < $1.bits })!
                    let pick = Double.random(in: 0..<1, using: &master) < 0.5 ? m : famous[Int.random(in: 0..<famous.count, using: &master)]
                    populations[i].members[populations[i].oldest] = pick
                    populations[i].oldest = (populations[i].oldest + 1) % populations[i].members.count
                }
            }
        }
        var out = ordered(hall)
        for p in populations { out += p.members }
        return (out, populations.reduce(0) { $0 + $1.scorer.fits })
    }

    /// The hall's members in key order. A Dictionary's own order changes from process to process
    /// (Swift seeds its hashing per process), so a tie in bits could go either way between runs
    /// of the same search; in key order it cannot.
    func ordered(_ hall: [Int: Member]) -> [Member] { hall.keys.sorted().compactMap { hall[$0] } }

    /// The hall of fame keeps, at each size, the lowest error (key size) and the fewest bits (key −size).
    func admit(_ m: Member, to hall: inout [Int: Member]) {
        let size = m.candidate.complexity
        if let old = hall[size], !(m.candidate.mse < old.candidate.mse) {} else { hall[size] = m }
        if let old = hall[-size], !(m.bits < old.bits) {} else { hall[-size] = m }
    }
}

/// The power-sum pursuit's view of the graft library: each block's mean, centred values and
/// sum of squares, and the products of centred blocks (Gram entries) as they are asked for.
/// Computed with the same arithmetic the pursuit used on each call, so caching them changes no
/// result; a search asks for the same pairs across its grafts (the same parent at 8 powers).
final class BlockStatistics: @unchecked Sendable {
    private(set) var means: [Double] = []
    private(set) var centred: [[Double]] = []
    private(set) var sumSquares: [Double] = []
    private var products: [Int: Double] = [:]

    /// Centre the blocks (once; the library does not change during a search).
    func prepare(_ values: [[Double]]) {
        guard centred.count != values.count else { return }
        means = []; centred = []; sumSquares = []; products = [:]
        for g in values {
            let n = g.count
            let mg = g.reduce(0, +) / Double(n)
            var sgg = 0.0
            let d = g.map { $0 - mg }
            for i in 0..<n { sgg += d[i] * d[i] }
            means.append(mg); centred.append(d); sumSquares.append(sgg)
        }
    }

    /// Σᵢ d_a[i]·d_b[i] over the centred blocks a and b.
    func product(_ a: Int, _ b: Int) -> Double {
        let key = min(a, b) * centred.count + max(a, b)
        if let p = products[key] { return p }
        let x = centred[a], y = centred[b]
        var s = 0.0
        for i in 0..<x.count { s += x[i] * y[i] }
        products[key] = s
        return s
    }
}
