import Formulas
import Foundation

/// The search's last passes over its most promising formulas (the Pareto front and the 20 with
/// the fewest bits), each a concept of its own, applied in order:
/// 1. `refit`: constants fitted again from several starting points, with more iterations;
/// 2. `prune`: a constant smaller than the precision the data give it codes as zero, so the
///    formula becomes the one with that constant set to 0 and simplified away;
/// 3. `snap`: constants held at fractions p/q where that shortens the description, and a
///    factor snapped to 1 or a term to 0 dropped.
/// A polished formula replaces its original — pruned whatever the bits (it is the same
/// description), otherwise only when shorter.
struct Polish {
    let inputs: [[Double]]
    let target: [Double]
    let weights: [Double]?
    let alphabet: Int
    let units: Units?

    func score(_ f: Formula, starts: [[Double]]) -> Candidate? {
        DescriptionLength.score(f, columns: inputs, target: target, weights: weights, alphabet: alphabet, starts: starts, iterations: 200)
    }

    func apply(to candidates: [Candidate]) -> [Candidate] {
        let shortlist = Set(Search.frontOf(candidates).map(\.formula)
            + candidates.sorted { $0.bits.total < $1.bits.total }.prefix(20).map(\.formula))
        var polished = refit(shortlist)
        for (key, c) in polished.sorted(by: { $0.key < $1.key }) { polished[key] = prune(c) }
        for (key, c) in polished.sorted(by: { $0.key < $1.key }) { polished[key] = snap(c) }
        let originals = Dictionary(candidates.map { ($0.formula.program, $0) }, uniquingKeysWith: { a, b in a.bits.total <= b.bits.total ? a : b })
        return candidates.filter { polished[$0.formula.program] == nil } + polished.keys.sorted().map { key in
            let p = polished[key]!
            if p.complexity == originals[key]?.complexity, let o = originals[key], o.bits.total < p.bits.total { return o }
            return p
        }
    }

    /// Each formula refitted from its own constants, all ones and all minus ones; keyed by program.
    /// One structure may come with several sets of constants (from different paths of the
    /// search): the refit with the fewest bits is kept, the first in the order of the constants
    /// on a tie. (Keeping the last in the set's order made the constants of I.38.12 differ in
    /// their last digits between two runs of the same seed: a set's order changes per process.)
    func refit(_ formulas: Set<Formula>) -> [String: Candidate] {
        var out: [String: Candidate] = [:]
        let ordered = formulas.sorted { a, b in
            if a.program != b.program { return a.program < b.program }
            if a.constants != b.constants { return a.constants.lexicographicallyPrecedes(b.constants) }
            return a.fixedConstants.lexicographicallyPrecedes(b.fixedConstants)
        }
        for f in ordered {
            var starts = [f.constants]
            starts += [[Double](repeating: 1, count: f.constantCount), [Double](repeating: -1, count: f.constantCount)]
            if let c = score(f, starts: starts), c.bits.total < out[f.program]?.bits.total ?? .infinity { out[f.program] = c }
        }
        return out
    }

    /// A constant smaller than the precision the data give it (|θ| < √12·σ, ESR's Δ) codes as
    /// zero: the formula is the one with that constant set to 0 and simplified away (an offset
    /// that only fits noise). Searching thousands of variants otherwise lets a few such terms
    /// through on bits by chance.
    func prune(_ c: Candidate) -> Candidate {
        var current = c
        var changed = true
        while changed {
            changed = false
            for (i, theta) in current.formula.constants.enumerated() where !current.formula.fixedConstants.contains(i) {
                let sigma = current.bits.uncertainties[i]
                guard sigma.isFinite, abs(theta) < 12.0.squareRoot() * sigma, var e = ExpressionTree(current.formula) else { continue }
                e = e.replacingConstant(i, with: 0).simplified(dropNeutral: true)
                guard e.hasVariable, e.size < current.complexity, let s = score(e.formula, starts: [e.formula.constants]),
                      units.accepts(s.formula) else { continue }
                current = s
                changed = true
                break
            }
        }
        return current
    }

    /// Constants snapped to fractions p/q (q ≤ 6) where that shortens the description: an
    /// exponent 3/2, not 1.4996; a factor −1 or 2, not −1.00004 (an exact fraction codes in a
    /// few bits, a fitted value in as many as its precision needs). Exponents first; other
    /// constants only to small rationals (|p| ≤ 12).
    func snap(_ c: Candidate) -> Candidate {
        var current = c
        let exponents = c.formula.tokens.indices.filter { k in
            c.formula.tokens[k].op == .pow && k > 0 && c.formula.tokens[k - 1].op == .constant
        }.map { c.formula.tokens[$0 - 1].index }
        let order = exponents + (0..<c.formula.constantCount).filter { !exponents.contains($0) }
        for i in order where i < current.formula.constants.count {
            let value = current.formula.constants[i]
            let snapped = Units.nearestFraction(value)
            guard snapped.isFinite, snapped != 0, abs(snapped) <= 1000 else { continue }
            // a factor or offset snaps only to a small rational (|p| ≤ 12: 2, −1, 8/5), not to
            // 118/3 — a measured constant of modest precision is not a fraction
            if !exponents.contains(i) {
                let p = Formula.exactFraction(snapped)?.0 ?? Int(snapped.rounded())
                guard abs(p) <= 12 else { continue }
            }
            guard abs(snapped - value) < 0.05 * max(1, abs(value)), !current.formula.fixedConstants.contains(i) else { continue }
            var g = current.formula
            g.constants[i] = snapped
            g.fixedConstants.append(i)
            if let s = score(g, starts: [g.constants]), s.bits.total < current.bits.total {
                current = s
            }
        }
        // A factor snapped to 1 or a term to 0 is a node pair the formula does not need:
        // m₀/√(1 − 1·(v/c)²) is m₀/√(1 − (v/c)²), two nodes shorter, and 1 + (−1)·x is 1 − x.
        // The shorter tree's constants are fitted and snapped again.
        if let e = ExpressionTree(current.formula)?.simplified(dropNeutral: true), e.hasVariable, e.size < current.complexity,
           let s = score(e.formula, starts: [e.formula.constants]), units.accepts(s.formula) {
            let shorter = snap(s)
            if shorter.bits.total < current.bits.total { return shorter }
        }
        return current
    }
}
