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
        blocks.prepare(values: library.map(\.values), logs: library.map(\.logs))
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
        for epoch in 0..<options.epochs {
            let box = SharedSlots(populations)
            let cycles = options.cyclesPerEpoch
            let threads = max(1, min(options.threads, populations.count))
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                var i = w
                while i < box.count {
                    var p = box[i]
                    for _ in 0..<cycles { step(&p) }
                    box[i] = p
                    i += threads
                }
            }
            populations = box.all
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
