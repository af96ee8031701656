import Dispatch
import Formulas
import Foundation

/// The mutations of the evolution, chosen by weight, each a short function; crossover and
/// tournament selection.
extension Evolution {
    /// Mutation weights (relative). Growing at a leaf dominates, as in PySR's defaults;
    /// operator changes and deletions keep sizes in check.
    static let mutations: [(Mutation, Double)] = [
        (.grow, 2.5), (.mutateOperator, 0.45), (.delete, 0.9), (.insert, 0.4), (.swapOperands, 0.15),
        (.rotate, 0.4), (.prune, 0.3), (.mutateConstant, 0.05), (.randomize, 0.02),
    ]
    enum Mutation { case grow, mutateOperator, delete, insert, swapOperands, rotate, prune, mutateConstant, randomize }

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
}
