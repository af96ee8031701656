import Dispatch
import Formulas
import Foundation

/// A fitted candidate formula and its scores.
public struct Candidate: Sendable {
    public var formula: Formula
    public var mse: Double
    public var bits: DescriptionLength.Parts
    public var complexity: Int { formula.complexity }
    public init(formula: Formula, mse: Double, bits: DescriptionLength.Parts) {
        self.formula = formula
        self.mse = mse
        self.bits = bits
    }
}

/// Options of a search; defaults are documented and validated.
public struct SearchOptions: Sendable {
    /// Checks the settings a person gives; the message names the setting (as the command line
    /// spells it: max-size, enumerate, epochs, threads) and the allowed range.
    public func validate() throws {
        guard (1...40).contains(maxSize) else { throw DiscoveryError("max-size must be in 1…40 (got \(maxSize))") }
        if let e = enumerationSize, !(1...9).contains(e) { throw DiscoveryError("enumerate must be in 1…9 (got \(e))") }
        guard epochs >= 0 else { throw DiscoveryError("epochs must be 0 or more (got \(epochs))") }
        guard threads >= 1 else { throw DiscoveryError("threads must be at least 1 (got \(threads))") }
    }

    /// Unary operators named in `list` ("sqrt,exp,asin"); with a leading "+", added to `base`.
    /// Unknown names are refused with the list of known ones.
    public static func unaryOperators(_ list: String, adding base: [Op]) throws -> [Op] {
        var text = list.trimmingCharacters(in: .whitespaces)
        let adding = text.hasPrefix("+")
        if adding { text.removeFirst() }
        let known = Op.allCases.filter { $0.arity == 1 }
        var out = adding ? base : []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !word.isEmpty {
            let name = ["arcsin": "asin", "arccos": "acos", "arctan": "atan"][word] ?? word
            guard let op = known.first(where: { $0.name == name }) else {
                throw DiscoveryError("unknown function '\(word)' (known: \(known.map(\.name).joined(separator: ", ")))")
            }
            if !out.contains(op) { out.append(op) }
        }
        return out
    }

    /// Largest formula size (nodes) the search considers.
    public var maxSize = 20
    /// Formulas up to this size are enumerated exhaustively and seed the evolution; nil chooses
    /// by the number of inputs (5 for one or two, 4 for three or four, 3 for more), keeping the
    /// enumeration to a few thousand formulas.
    public var enumerationSize: Int? = nil
    /// Constants in enumerated formulas, and in evolved ones.
    public var maxConstants = 2
    public var maxEvolvedConstants = 4
    public var unary: [Op] = [.sqrt, .square, .inv, .exp, .log, .sin, .cos]
    public var binary: [Op] = [.add, .sub, .mul, .div, .pow]
    /// Threads for fitting the enumeration and for evolving populations. Results do not depend
    /// on it: the same seed gives the same equations with one thread or two.
    public var threads = 1
    /// Evolution (see `Evolution`): 0 epochs turns it off (enumeration only).
    public var seed: UInt64 = 1
    public var populations = 6
    public var populationSize = 40
    public var tournamentSize = 8
    public var crossoverProbability = 0.05
    /// Share of children made by grafting a building block (`Evolution.graft`).
    public var graftProbability = 0.1
    /// Power-sum grafts of hall-of-fame members per epoch (`Evolution.powerSumGrafts`).
    public var hallGrafts = 4
    public var cyclesPerEpoch = 150
    public var epochs = 60
    public var minEpochs = 8
    /// With an exact fit (noise-free data, residuals at rounding level) the search stops after
    /// this many epochs without a shorter description, even before `minEpochs`.
    public var exactPatience = 3
    /// Stop after this many epochs without a shorter description.
    public var patience = 20
    /// Evolutions run again from the same seeds with another generator when the best
    /// description explains less than `restartBelow` of the variance a constant leaves.
    public var restarts = 1
    public var restartBelow = 0.95
    public var migrants = 2
    /// Adaptive parsimony scaling (PySR's default 20): see `Evolution.Population.fitness`.
    public var adaptiveParsimony = 20.0
    /// Optional wall-clock limit in seconds (makes results depend on machine speed).
    public var timeLimit: Double? = nil
    /// Sparse rational functions fitted linearly after the enumeration (`Rationals`); off, the
    /// evolution alone must assemble them (as the evolution's own tests require).
    public var rationals = true
    /// Sums of products of two building blocks fitted linearly after the evolution
    /// (`Evolution.productSums`, with evolution on); off, the evolution alone must reach them.
    public var productSums = true
    /// Sums of parts over disjoint blocks of inputs found in the rows (`AdditiveParts`), each
    /// part searched on its own inputs; off, the search must assemble such sums itself.
    public var additiveParts = true
    /// Dimensional analysis: formulas it rejects are never kept (see `Units`).
    public var units: Units? = nil
    public init() {}

    /// Symbols a formula's node is chosen from: operators, inputs and the constant.
    public func alphabet(variables: Int) -> Int { unary.count + binary.count + variables + 1 }

    /// Exhaustive size for `variables` inputs when none is set.
    public func enumerationSize(variables: Int) -> Int {
        if let s = enumerationSize { return min(s, maxSize) }
        let auto = variables <= 2 ? 5 : variables <= 4 ? 4 : 3
        return min(auto, maxSize)
    }
}

/// Finds formulas for a target column. All small formulas are enumerated and fitted (constants
/// by Levenberg–Marquardt); the best of them seed a regularised evolution that reaches larger
/// formulas (`Evolution`). Every candidate is scored by description length; the result is the
/// Pareto front of complexity against error, with every member's bits, and the member with the
/// fewest bits.
public enum Search {
    public struct Result: Sendable {
        public var front: [Candidate]
        public var best: Candidate
        /// Formulas fitted (distinct structures).
        public var evaluated: Int
        /// The three shortest formulas of each size: near-ties the front keeps only one of
        /// (on a single orbit, a = −k·x and a = c·v_y fit equally well).
        public var alternatives: [Candidate] = []
    }

    /// Relative residuals (weights 1/|y|) when the target keeps one sign and spans more than a
    /// factor of 10, as measurements in kilometres or days do; plain residuals otherwise.
    public static func weights(_ y: [Double]) -> [Double]? {
        guard let lo = y.map(abs).min(), let hi = y.map(abs).max(), lo > 0, hi / lo > 10,
              y.allSatisfy({ $0 > 0 }) || y.allSatisfy({ $0 < 0 }) else { return nil }
        return y.map { 1 / abs($0) }
    }

    /// Mean square error at or below which a fit is exact (noise-free data, residuals at
    /// rounding level): 1e-20 of the target's mean square, weighted as the candidates' mse is.
    static func exactLevel(_ target: [Double], weights: [Double]?) -> Double {
        let scaled = weights.map { w in zip(target, w).map { $0 * $1 } } ?? target
        return 1e-20 * scaled.reduce(0) { $0 + $1 * $1 } / Double(max(1, target.count))
    }

    public static func run(inputs: [[Double]], target: [Double], options: SearchOptions = SearchOptions()) throws -> Result {
        try run(inputs: inputs, target: target, options: options, logarithm: true, factors: true)
    }

    /// `logarithm`: whether a target spanning many decades is also searched as log|y| (not
    /// again inside that search); `factors`: whether power factors found in the rows are divided
    /// out and the rest searched (`PowerFactors`; not again inside that search or the logarithm's).
    /// `given` weights replace the target's own (`weights(_:)`): a target divided by power factors
    /// keeps the noise of the original rows.
    static func run(inputs: [[Double]], target: [Double], options: SearchOptions, logarithm: Bool, factors: Bool,
                    weights given: [Double]? = nil) throws -> Result {
        let started = Date()
        guard !inputs.isEmpty else { throw DiscoveryError("no input columns") }
        let rows = target.count
        let formulas = Enumerator(variableCount: inputs.count, unary: options.unary, binary: options.binary,
                                  maxSize: options.enumerationSize(variables: inputs.count),
                                  maxConstants: options.maxConstants).formulas()
        let threads = max(1, options.threads)
        let weights = given ?? Self.weights(target)
        let alphabet = options.alphabet(variables: inputs.count)
        let slots = SharedSlots([Candidate?](repeating: nil, count: formulas.count))
        // Size by size, smallest first. Once the best formula fits exactly (noise-free data,
        // residuals at rounding level) and its structure and constants cost fewer bits than
        // the structure alone of any larger formula, nothing larger can be shorter: any other
        // exact fit makes the same predictions, so its residual bits are no fewer, and an
        // inexact one's are more. The search stops there (E/B: 0.1 s instead of 1.2 s).
        let exactLevel = Self.exactLevel(target, weights: weights)
        // Strict units (dimensionless constants) with a reduction to dimensionless groups are
        // checked on the results only: the direct search runs without them, and the search over
        // the groups (`reducedCandidates`) brings the units in. With strict units during the
        // search nothing small fits a target of dimension m·q⁴/(ε²h²), and the evolution would
        // have no seeds; with constants carrying units it still missed laws the unconstrained
        // search finds (bench/feynman: I.8.14, I.9.18, I.15.3x), since a way to a consistent
        // formula may pass through inconsistent ones. Without a reduction, units constrain the
        // search as before.
        let groups = options.units.flatMap { $0.constantsCarryUnits ? nil : DimensionlessGroups(units: $0) }
        let searchUnits = groups == nil ? options.units : nil
        var settled = false
        let sizes = Dictionary(grouping: formulas.indices, by: { formulas[$0].complexity })
        for size in sizes.keys.sorted() {
            let group = sizes[size]!
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                var k = w
                while k < group.count {
                    let i = group[k]
                    let f = formulas[i]
                    if searchUnits.accepts(f, fitted: false),
                       let c = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet),
                       searchUnits.accepts(c.formula) {
                        slots[i] = c
                    }
                    k += threads
                }
            }
            let best = slots.all.compactMap { $0 }.filter { $0.bits.total.isFinite && options.units.accepts($0.formula) }
                .min { $0.bits.total < $1.bits.total }
            if let best, !best.bits.relativeNoise, best.mse <= exactLevel,
               best.bits.total - best.bits.residuals < Double(size + 1) * log2(Double(alphabet)) {
                settled = true
                break
            }
        }
        let scored = slots.all
        var candidates = scored.compactMap { $0 }.filter { $0.bits.total.isFinite }
        var evaluated = scored.count { $0 != nil }
        // a formula proposed by a linear fit (not by the enumeration or the evolution), fitted
        // and scored on every row, if the size limit and the units allow it
        func proposed(_ f: Formula) -> Candidate? {
            guard f.complexity <= options.maxSize, searchUnits.accepts(f, fitted: false),
                  let c = DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                                  starts: [f.constants]),
                  c.bits.total.isFinite, searchUnits.accepts(c.formula) else { return nil }
            return c
        }
        if !settled, options.rationals {
            // sparse rational functions, fitted linearly, seed the evolution with the others (`Rationals`)
            for r in Rationals.fits(inputs: inputs, target: target, weights: weights) {
                guard let f = r.formula(unary: options.unary, binary: options.binary), let c = proposed(f) else { continue }
                candidates.append(c)
                evaluated += 1
            }
        }
        if options.epochs > 0, !candidates.isEmpty, !settled {
            var evolving = options
            evolving.units = searchUnits
            let evolution = Evolution(options: evolving, variableCount: inputs.count, inputs: inputs)
            let seeds = candidates.sorted { $0.bits.total < $1.bits.total }.prefix(options.populations * options.populationSize / 2)
                .compactMap { c in ExpressionTree(c.formula).map { Member(expression: $0, candidate: c) } }
            let (members, fits) = evolution.run(seeds: seeds, inputs: inputs, target: target, weights: weights)
            evaluated += fits
            candidates += members.map(\.candidate)
            // An evolution stuck far from the rows (its best description explains less than
            // `restartBelow` of what a constant leaves) gets another path: the same seeds, a
            // different generator. One seed's path can miss what another's finds (bench/feynman
            // I.50.26 at 1 %: seeds 1 and 5 return log(ω)·α, 2–4 the law); a fit that explains
            // the rows costs nothing more.
            let constant = candidates.filter { c in !c.formula.tokens.contains { $0.op == .variable } }.map(\.mse).min()
            for restart in 0..<options.restarts {
                guard let constant, constant > 0,
                      let best = candidates.min(by: { $0.bits.total < $1.bits.total }),
                      best.mse > (1 - options.restartBelow) * constant else { break }
                var again = evolving
                again.seed = options.seed &+ UInt64(restart + 1) &* 0x9E37_79B9_7F4A_7C15
                let (more, moreFits) = Evolution(options: again, variableCount: inputs.count, inputs: inputs)
                    .run(seeds: seeds, inputs: inputs, target: target, weights: weights)
                evaluated += moreFits
                candidates += more.map(\.candidate)
            }
            if options.productSums, !candidates.contains(where: { $0.mse <= exactLevel }) {
                // sums of products of two blocks, fitted linearly beside the evolution (not as
                // its seeds: they took the place of seeds the evolution's path needed — on
                // bench/feynman three laws lost at noise 0); not once a candidate reproduces the
                // rows. On a long table the pursuit runs on 400 rows evenly spaced (its cost grows
                // with the rows: ~50,000 products per round and power).
                let proposals: [ExpressionTree]
                if rows > 400 {
                    let step = Double(rows) / 400
                    let sample = (0..<400).map { Int(Double($0) * step) }
                    let sampled = Evolution(options: evolving, variableCount: inputs.count, inputs: inputs.map { c in sample.map { c[$0] } })
                    proposals = sampled.productSums(sample.map { target[$0] })
                } else {
                    proposals = evolution.productSums(target)
                }
                for e in proposals {
                    guard let c = proposed(e.formula) else { continue }
                    candidates.append(c)
                    evaluated += 1
                }
            }
        }
        // The searches of a transformed target below (groups, power factors, scale symmetries,
        // ln|y|, sin⁻¹) are there to reach laws the direct search cannot. Once a direct candidate
        // reproduces the rows to rounding, any law they could return makes the same predictions
        // and differs only in how it is written, which the polish below simplifies; they are
        // skipped (bench/sr: distance_I_8_14 at noise 0 spent 13 of its 14 s in a search over
        // scale groups after the direct evolution had √((x1 − x2)² + (y1 − y2)²) at 1 s).
        // Either noise model counts: `mse` is the unweighted one for a relative candidate.
        let exact = candidates.contains { $0.mse <= exactLevel && options.units.accepts($0.formula) }
        if !settled, !exact {
            // the searches of a transformed target share what is left of a time limit
            // and run without restarts: a poor fit is common there (the rest of a wrong split)
            // and is not the search's answer
            func remaining(_ o: SearchOptions) -> SearchOptions {
                var o = o
                o.timeLimit = o.timeLimit.map { max(0.1, $0 - Date().timeIntervalSince(started)) }
                o.restarts = 0
                return o
            }
            if let groups {
                candidates += reducedCandidates(groups, inputs: inputs, target: target, weights: weights, options: remaining(options),
                                                evaluated: &evaluated)
            }
            if options.additiveParts {
                candidates += additiveCandidates(inputs: inputs, target: target, weights: weights, options: remaining(options),
                                                 direct: candidates.min { $0.bits.total < $1.bits.total }?.formula,
                                                 evaluated: &evaluated)
            }
            if factors {
                candidates += factorCandidates(inputs: inputs, target: target, weights: weights, options: remaining(options), evaluated: &evaluated)
            }
            if logarithm {
                candidates += logarithmCandidates(inputs: inputs, target: target, weights: weights, options: remaining(options), evaluated: &evaluated)
            }
            if logarithm, factors {
                candidates += transformCandidates(inputs: inputs, target: target, weights: weights, options: remaining(options),
                                                  evaluated: &evaluated)
            }
        }
        guard !candidates.isEmpty else { throw DiscoveryError("no formula could be fitted to the \(rows) rows") }
        if let units = options.units, !units.constantsCarryUnits {
            candidates = candidates.filter { options.units.accepts($0.formula) }
            guard !candidates.isEmpty else {
                throw DiscoveryError("no formula found with dimensionless constants that is consistent with the units (without --dimensionless-constants, constants may carry units)")
            }
        }
        // Final polish (`Polish`): the most promising structures refitted from several starting
        // points, constants below their precision pruned, constants snapped to fractions.
        let polish = Polish(inputs: inputs, target: target, weights: weights, alphabet: alphabet, units: options.units)
        candidates = polish.apply(to: candidates)
        if given == nil, let weights {
            candidates = noiseModelChosen(candidates, inputs: inputs, target: target, weights: weights, alphabet: alphabet)
        }
        var front = frontOf(candidates)
        // The chosen formula has the fewest total bits among all fitted candidates, and joins the
        // front. Ties (the same function written two ways, 2.21*(0.35 + vy) and
        // (-2.21)*((-0.35) - vy), within a millionth of a bit) go to fewer negative constants.
        func negatives(_ c: Candidate) -> Int { c.formula.constants.count { $0 < 0 } }
        guard let best = candidates.min(by: { a, b in
            abs(a.bits.total - b.bits.total) > 1e-6 ? a.bits.total < b.bits.total : negatives(a) < negatives(b)
        }) else {
            throw DiscoveryError("no formula could be fitted to the \(rows) rows")
        }
        if !front.contains(where: { $0.formula == best.formula }) {
            front.append(best)
            front.sort { $0.complexity < $1.complexity }
        }
        let alternatives = Self.alternatives(candidates)
        return Result(front: front, best: best, evaluated: evaluated, alternatives: alternatives)
    }

    /// With units and dimensionless constants, the same search over the dimensionless groups
    /// (`DimensionlessGroups`): its formulas, written in the inputs and scored on the original
    /// target, compete with the direct search's. Nothing when a group's value is not finite.
    static func reducedCandidates(_ groups: DimensionlessGroups, inputs: [[Double]], target: [Double], weights: [Double]?,
                                  options: SearchOptions, evaluated: inout Int) -> [Candidate] {
        guard let units = options.units, let reduced = groups.reduce(inputs: inputs, target: target) else { return [] }
        var trees: [ExpressionTree] = []
        if reduced.inputs.isEmpty {
            trees = [.constant(1)]
        } else {
            var sub = options
            sub.units = nil
            // a search that finds nothing over the groups leaves the direct search's result
            // the groups may hold power factors of their own (f(π₁, π₂) = π₁²·g(π₂))
            guard let result = try? Search.run(inputs: reduced.inputs, target: reduced.target, options: sub, logarithm: true,
                                              factors: true) else { return [] }
            evaluated += result.evaluated
            trees = (result.front + result.alternatives + [result.best]).compactMap { ExpressionTree($0.formula) }
        }
        let alphabet = options.alphabet(variables: inputs.count)
        var seen = Set<String>()
        return trees.compactMap { tree in
            let restored = groups.restore(tree)
            let f = restored.formula
            guard seen.insert(f.program).inserted, units.accepts(restored) else { return nil }
            return DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet,
                                           starts: [f.constants])
        }
    }

    /// A target of one sign spanning more than six decades (Boltzmann's n₀·exp(−mgx/k_BT) over
    /// a range of heights, a decay over many lifetimes) is also searched as ln|y|, where the
    /// law is a sum and every decade weighs the same; its formulas come back as ±exp(g) and are
    /// scored on the original target with the others. Not with units (ln of a dimensional
    /// quantity has none; the search over dimensionless groups does this part there).
    static func logarithmCandidates(inputs: [[Double]], target: [Double], weights: [Double]?, options: SearchOptions,
                                    evaluated: inout Int) -> [Candidate] {
        guard options.units == nil, let lo = target.map(abs).min(), let hi = target.map(abs).max(), lo > 0, hi / lo > 1e6,
              target.allSatisfy({ $0 > 0 }) || target.allSatisfy({ $0 < 0 }) else { return [] }
        let negative = target[0] < 0
        guard let result = try? Search.run(inputs: inputs, target: target.map { log(abs($0)) }, options: options, logarithm: false,
                                           factors: false) else { return [] }
        evaluated += result.evaluated
        let alphabet = options.alphabet(variables: inputs.count)
        var seen = Set<String>()
        return (result.front + result.alternatives + [result.best]).compactMap { c in
            guard let g = ExpressionTree(c.formula) else { return nil }
            let f = (negative ? ExpressionTree.unary(.neg, .unary(.exp, g)) : .unary(.exp, g)).formula
            guard seen.insert(f.program).inserted else { return nil }
            return DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet, starts: [f.constants])
        }
    }

    /// Inputs that enter only as power factors (`PowerFactors`, tested on the rows) are divided
    /// out and the rest of the law searched over the remaining inputs; its formulas, times the
    /// factors, are scored on the original target with the others (no larger than `maxSize`).
    /// Not with units (the search over dimensionless groups separates the monomial there), nor
    /// for one input (the search enumerates its powers itself).
    static func factorCandidates(inputs: [[Double]], target: [Double], weights: [Double]?, options: SearchOptions,
                                 evaluated: inout Int) -> [Candidate] {
        guard options.units == nil, inputs.count >= 2 else { return [] }
        let factors = PowerFactors(inputs: inputs, target: target)
        var candidates: [Candidate] = []
        if let symmetries = ScaleGroups(inputs: inputs, target: target),
           symmetries.reduction.groups.count <= 2,
           symmetries.reduction.groups.count < factors?.rest.count ?? inputs.count {
            candidates = scaleGroupCandidates(symmetries.reduction, inputs: inputs, target: target, weights: weights, options: options,
                                              evaluated: &evaluated)
        }
        guard let factors, let reduced = factors.reduce(inputs: inputs, target: target) else { return candidates }
        var rests: [Formula?] = [nil]
        if !reduced.inputs.isEmpty {
            // y/Π x^p carries y's noise times 1/Π x^p: its residuals weigh |Π x^p| (times the
            // original weights), so that the rest is fitted as the rows were measured
            let scaled = zip(target, reduced.target).enumerated().map { r, pair in
                abs(pair.0 / pair.1) * (weights?[r] ?? 1)
            }
            let given = scaled.allSatisfy({ $0.isFinite && $0 > 0 }) ? scaled : nil
            guard let result = try? Search.run(inputs: reduced.inputs, target: reduced.target, options: options, logarithm: true,
                                               factors: false, weights: given) else { return candidates }
            evaluated += result.evaluated
            rests = (result.front + result.alternatives + [result.best]).map(\.formula)
        }
        let alphabet = options.alphabet(variables: inputs.count)
        var seen = Set<String>()
        return candidates + rests.compactMap { rest in
            guard let f = factors.restore(rest, unary: options.unary, binary: options.binary), f.complexity <= options.maxSize,
                  seen.insert(f.program).inserted else { return nil }
            return DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet, starts: [f.constants])
        }
    }

    /// A target that is a sum of parts over disjoint blocks of inputs (`AdditiveParts`, tested
    /// on the rows): each part is searched over its block's inputs, its target the rows minus
    /// the other parts (the parts already found, the surrogate's for the rest: one
    /// Gauss–Seidel sweep), with the rows' own noise. The sum of every part's best formula, and
    /// the sums with one part replaced by another of its front, each with one offset, are
    /// fitted together and scored on the original target with the rest. Not with units (a part
    /// of a consistent law need not be consistent on its own).
    static func additiveCandidates(inputs: [[Double]], target: [Double], weights: [Double]?, options: SearchOptions,
                                   direct: Formula?, evaluated: inout Int) -> [Candidate] {
        guard options.units == nil, var split = AdditiveParts(inputs: inputs, target: target) else { return [] }
        var inner = options
        inner.additiveParts = false
        let rows = target.count
        let noise = weights ?? [Double](repeating: 1, count: rows)
        // The direct search's best, when it is itself a sum over the split's blocks, stands in
        // for the other parts instead of the surrogate: its parts are closer to the law than a
        // cubic (y − c·ln d from a direct c·ln d + (a junk of a, b) is exp(−ab) to rounding).
        // Its parts no larger than the enumeration of their block are kept as they are (the
        // enumeration has seen their structure); the larger ones, which the evolution built,
        // are searched again by enumeration only. (Searching every part of the dot product
        // x₁y₁ + x₂y₂ + x₃y₃ at 1 % noise made it 17 s instead of 7.)
        var kept = [ExpressionTree?](repeating: nil, count: split.blocks.count)
        if let direct, let parts = split.parts(of: direct) {
            for (k, part) in parts.enumerated() {
                guard let part else { continue }
                split.parts[k] = part.formula.evaluate(inputs, rows: rows)
                if part.size <= options.enumerationSize(variables: split.blocks[k].count) { kept[k] = part }
            }
            inner.epochs = 0
        }
        // a part's tree in the table's columns, its offset (a constant term at its root) removed
        func inTable(_ f: Formula, _ block: [Int]) -> ExpressionTree? {
            guard var e = ExpressionTree(f)?.substitutingVariables({ .variable(block[$0]) }) else { return nil }
            if case .binary(.add, .constant, let x) = e { e = x }
            if case .binary(.add, let x, .constant) = e { e = x }
            return e.hasVariable ? e : nil
        }
        var found: [[ExpressionTree]] = []
        for (k, block) in split.blocks.enumerated() {
            if let part = kept[k] {
                found.append([part])
                continue
            }
            var rest = target
            for j in split.blocks.indices where j != k {
                let other = j < k ? found[j].first.map { $0.formula.evaluate(inputs, rows: rows) } : split.parts[j]
                guard let other else { continue }
                for r in 0..<rows { rest[r] -= other[r] }
            }
            guard let result = try? Search.run(inputs: block.map { inputs[$0] }, target: rest, options: inner, logarithm: true,
                                               factors: true, weights: noise) else { return [] }
            evaluated += result.evaluated
            var trees: [ExpressionTree] = []
            var seen = Set<String>()
            for c in [result.best] + result.front.reversed() {
                guard let e = inTable(c.formula, block), seen.insert(e.formula.program).inserted else { continue }
                trees.append(e)
            }
            guard !trees.isEmpty else { return [] }
            found.append(Array(trees.prefix(6)))
        }
        guard options.binary.contains(.add) else { return [] }
        func sum(_ parts: [ExpressionTree]) -> Formula {
            parts.reduce(ExpressionTree.constant(0)) { .binary(.add, $0, $1) }.formula
        }
        let bests = found.map { $0[0] }
        var sums = [sum(bests)]
        for (k, choices) in found.enumerated() {
            for alternative in choices.dropFirst() {
                var parts = bests
                parts[k] = alternative
                sums.append(sum(parts))
            }
        }
        let alphabet = options.alphabet(variables: inputs.count)
        var seen = Set<String>()
        return sums.compactMap { f in
            guard f.complexity <= options.maxSize, seen.insert(f.program).inserted else { return nil }
            evaluated += 1
            return DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet, starts: [f.constants])
        }
    }

    /// Scale symmetries found in the rows (`ScaleGroups`) that leave fewer inputs than the power
    /// factors do, and at most two groups: the target divided by the symmetries' monomial is
    /// searched over the groups they leave, and what it finds, written in the inputs, is scored
    /// on the original target with the others. (Three or four groups are hardly easier than the
    /// inputs themselves, and their sub-search was most of the time of noisy tables: bench/sr's
    /// slowest 1 % cells. Two groups are what velocity addition, u/c and v/c, needs.)
    static func scaleGroupCandidates(_ groups: DimensionlessGroups, inputs: [[Double]], target: [Double], weights: [Double]?,
                                     options: SearchOptions, evaluated: inout Int) -> [Candidate] {
        guard let reduced = groups.reduce(inputs: inputs, target: target) else { return [] }
        var trees: [ExpressionTree] = [.constant(1)]
        if !reduced.inputs.isEmpty {
            // the scaled target keeps the noise of the original rows (as in `factorCandidates`)
            let scaled = zip(target, reduced.target).enumerated().map { r, pair in abs(pair.0 / pair.1) * (weights?[r] ?? 1) }
            let given = scaled.allSatisfy({ $0.isFinite && $0 > 0 }) ? scaled : nil
            guard let result = try? Search.run(inputs: reduced.inputs, target: reduced.target, options: options, logarithm: true,
                                               factors: false, weights: given) else { return [] }
            evaluated += result.evaluated
            trees = (result.front + result.alternatives + [result.best]).compactMap { ExpressionTree($0.formula) }
        }
        let alphabet = options.alphabet(variables: inputs.count)
        var seen = Set<String>()
        return trees.compactMap { tree in
            let f = groups.restore(tree).formula
            guard seen.insert(f.program).inserted else { return nil }
            return DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet, starts: [f.constants])
        }
    }

    /// Relative residuals (weights 1/|y|) assume the noise scales with the target, as it does in
    /// measurements kept to a number of significant digits; noise of one size on every row (the
    /// kind SRBench adds, σ = 1 % of the target's RMS) then looks a hundred times larger on the
    /// smallest values, and an offset that fits it there wins (n·p²·E/(3kT) came back as
    /// (0.26 − p^1.88·E/k)·n/T). So the last step scores the most promising formulas under both
    /// noise models and keeps each one's shorter description, a bit added for the choice: the
    /// relative model with Σ ln σ_i = −Σ ln w_i in its likelihood (so that the two are
    /// comparable), the plain one as any unweighted target is scored (`DescriptionLength.score`,
    /// itself homoscedastic or relative to the prediction). `mse` stays the weighted one the
    /// front is built on.
    static func noiseModelChosen(_ candidates: [Candidate], inputs: [[Double]], target: [Double], weights: [Double],
                                 alphabet: Int) -> [Candidate] {
        let shortlist = Set(frontOf(candidates).map(\.formula.program)
            + candidates.sorted { $0.bits.total < $1.bits.total }.prefix(30).map(\.formula.program))
        var rescored: [String: Candidate] = [:]
        return candidates.map { c in
            let key = c.formula.program
            if let done = rescored[key] { return done.formula == c.formula ? done : relative(c, weights: weights) }
            guard shortlist.contains(key) else { return relative(c, weights: weights) }
            let chosen = bothNoiseModels(c, inputs: inputs, target: target, weights: weights, alphabet: alphabet)
            rescored[key] = chosen
            return chosen
        }
    }

    /// A candidate scored with the target's weights, its likelihood completed (Σ ln σ_i) and a
    /// bit added for the choice of noise model.
    static func relative(_ c: Candidate, weights: [Double]) -> Candidate {
        let shift = weights.reduce(0) { $0 - log($1) } / log(2.0)
        var out = c
        out.bits.total += shift + 1
        out.bits.residuals += shift
        return out
    }

    /// The shorter of `c` (fitted with the target's `weights`) under the relative model and the
    /// same structure refitted and scored as an unweighted target's, with the weighted `mse`.
    static func bothNoiseModels(_ c: Candidate, inputs: [[Double]], target: [Double], weights: [Double], alphabet: Int) -> Candidate {
        let relative = relative(c, weights: weights)
        guard var plain = DescriptionLength.score(c.formula, columns: inputs, target: target, weights: nil, alphabet: alphabet,
                                                  starts: [c.formula.constants]),
              plain.bits.total < relative.bits.total else { return relative }
        let f = plain.formula.evaluate(inputs, rows: target.count)
        plain.mse = target.indices.reduce(0) { s, r in s + pow((f[r] - target[r]) * weights[r], 2) } / Double(max(1, target.count))
        plain.bits.weightsDropped = true
        return plain.mse.isFinite ? plain : relative
    }

    /// A formula scored on a target as the search scores its final candidates: with the
    /// target's own weights (`weights(_:)`) and, when it has some, also without
    /// (`noiseModelChosen`), the shorter description kept. For callers that compare formulas
    /// with a search's results (several datasets, the frame job's proposals).
    public static func score(_ f: Formula, columns: [[Double]], target: [Double], alphabet: Int, starts: [[Double]]? = nil,
                             iterations: Int = 60) -> Candidate? {
        let weights = Self.weights(target)
        guard let c = DescriptionLength.score(f, columns: columns, target: target, weights: weights, alphabet: alphabet,
                                              starts: starts, iterations: iterations) else { return nil }
        guard let weights else { return c }
        return bothNoiseModels(c, inputs: columns, target: target, weights: weights, alphabet: alphabet)
    }

    /// Up to three distinct formulas of each size, fewest bits first: what a caller choosing by
    /// other means (the frame job's compressor) may try besides the front.
    static func alternatives(_ candidates: [Candidate]) -> [Candidate] {
        var alternatives: [Candidate] = []
        for size in Set(candidates.map(\.complexity)).sorted() {
            var seen = Set<String>()
            for c in candidates.filter({ $0.complexity == size }).sorted(by: { $0.bits.total < $1.bits.total })
            where seen.insert(c.formula.program).inserted && seen.count <= 3 {
                alternatives.append(c)
            }
        }
        return alternatives
    }

    /// Pareto front: at each complexity the lowest error, kept if it beats every simpler one.
    static func frontOf(_ candidates: [Candidate]) -> [Candidate] {
        var bestAt: [Int: Candidate] = [:]
        for c in candidates where bestAt[c.complexity].map({ c.mse < $0.mse }) ?? true { bestAt[c.complexity] = c }
        var front: [Candidate] = []
        for size in bestAt.keys.sorted() {
            let c = bestAt[size]!
            if let last = front.last, !(c.mse < last.mse * (1 - 1e-9)) { continue }
            front.append(c)
        }
        return front
    }
}
