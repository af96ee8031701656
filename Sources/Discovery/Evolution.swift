import Dispatch
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
    var expression: Expression
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
    func score(_ e: Expression, iterations: Int = 40) -> Candidate? {
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
    var library: [(expression: Expression, values: [Double], logs: [Double])] = []

    init(options: SearchOptions, variableCount: Int, inputs: [[Double]]) {
        self.options = options
        self.variableCount = variableCount
        guard options.graftProbability > 0, let rows = inputs.first?.count, rows > 2 else { return }
        let size = variableCount <= 2 ? 5 : variableCount <= 4 ? 4 : 3
        let formulas = Enumerator(variableCount: variableCount, unary: options.unary, binary: options.binary.filter { $0 != .pow },
                                  maxSize: min(size, options.maxSize), maxConstants: 0).formulas()
        var seen = Set<[Int64]>()
        for f in formulas {
            let v = f.evaluate(inputs, rows: rows)
            guard v.allSatisfy(\.isFinite), let lo = v.min(), let hi = v.max(), hi > lo else { continue }
            // the same values up to scale and offset are the same building block
            let signature = v.prefix(8).map { Int64((($0 - lo) / (hi - lo) * 1e6).rounded()) }
            guard seen.insert(signature).inserted, let e = Expression(f) else { continue }
            library.append((e, v, v.map { Foundation.log(Swift.abs($0) + 1e-300) }))
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

    func randomLeaf(_ rng: inout SplitMix64) -> Expression {
        if Double.random(in: 0..<1, using: &rng) < 0.75 || variableCount == 0 {
            return .variable(Int.random(in: 0..<max(1, variableCount), using: &rng))
        }
        return .constant(1)
    }

    func randomTree(size: Int, _ rng: inout SplitMix64) -> Expression {
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
    func wrap(_ sub: Expression, _ rng: inout SplitMix64) -> Expression {
        let unaryShare = Double(options.unary.count) / Double(max(1, options.unary.count + options.binary.count))
        if Double.random(in: 0..<1, using: &rng) < unaryShare, let op = options.unary.randomElement(using: &rng) {
            return .unary(op, sub)
        }
        guard let op = options.binary.randomElement(using: &rng) else { return sub }
        if op == .pow { return .binary(.pow, sub, .constant([2, 0.5, -1, 1.5, -2][Int.random(in: 0..<5, using: &rng)])) }
        let leaf = randomLeaf(&rng)
        return Bool.random(using: &rng) ? .binary(op, sub, leaf) : .binary(op, leaf, sub)
    }

    func mutate(_ e: Expression, _ kind: Mutation, _ rng: inout SplitMix64) -> Expression {
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
    func crossover(_ a: Expression, _ b: Expression, _ rng: inout SplitMix64) -> Expression {
        let donor = b.node(at: Int.random(in: 0..<b.size, using: &rng))
        return a.replacing(at: Int.random(in: 0..<a.size, using: &rng), with: donor)
    }

    /// Whether a formula may enter a population: a variable, within the size and constant
    /// limits, exponents constant, and accepted by the unit check.
    func valid(_ e: Expression) -> Bool {
        guard e.hasVariable, e.size <= options.maxSize, e.constantCount <= options.maxEvolvedConstants else { return false }
        return exponentsConstant(e)
    }

    func exponentsConstant(_ e: Expression) -> Bool {
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
    func graft(_ parent: Member, _ p: Population, _ rng: inout SplitMix64) -> Expression? {
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

    func step(_ p: inout Population) {
        for _ in 0..<8 {
            let parent = tournament(&p)
            var child: Expression
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
            p.members[p.oldest] = Member(expression: Expression(c.formula) ?? child, candidate: c)
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
                members.append(Member(expression: Expression(c.formula) ?? e, candidate: c))
            }
            if members.isEmpty, let s = seeds.first { members.append(s) }
            if members.isEmpty { continue }
            populations.append(Population(members: members, rng: rng, scorer: scorer))
        }
        var hall: [Int: Member] = [:]
        for s in seeds { admit(s, to: &hall) }
        var best = seeds.min(by: { $0.bits < $1.bits })?.bits ?? .infinity
        var stale = 0
        let started = Date()
        let exactLevel = Search.exactLevel(target, weights: weights)
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
            let leader = hall.values.min(by: { $0.bits < $1.bits })
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
        var out = Array(hall.values)
        for p in populations { out += p.members }
        return (out, populations.reduce(0) { $0 + $1.scorer.fits })
    }

    /// The hall of fame keeps, at each size, the lowest error (key size) and the fewest bits (key −size).
    func admit(_ m: Member, to hall: inout [Int: Member]) {
        let size = m.candidate.complexity
        if let old = hall[size], !(m.candidate.mse < old.candidate.mse) {} else { hall[size] = m }
        if let old = hall[-size], !(m.bits < old.bits) {} else { hall[-size] = m }
    }
}
