import Formulas
import Foundation

/// Several targets explained together, with constants they share fitted once.
///
/// Each target is searched on its own first. Then, over the few shortest candidates of every
/// target, constants whose values agree within 3σ (their combined uncertainty) are merged into
/// one, and every combination is refitted jointly on the stacked data — rows of target t
/// selected by an indicator column, each target's residuals scaled by its own RMS so that one σ
/// describes them all. The description length of a combination is the joint residuals plus
/// every target's structure plus each distinct constant once; the shortest wins. For the
/// inverse-square components a_x and a_y this codes GM once instead of twice.
public enum Joint {
    public struct Result: Sendable {
        /// One chosen equation per target, with the jointly fitted constants.
        public var equations: [Candidate]
        /// Groups of (target, constant index) fitted as one constant (only groups of two or more).
        public var shared: [[SharedConstant]]
        /// Bits of the chosen combination, and of the same equations without sharing.
        public var bits: Double
        public var bitsWithoutSharing: Double
    }

    public struct SharedConstant: Sendable, Hashable {
        public var target: Int
        public var constant: Int
        public init(target: Int, constant: Int) {
            self.target = target
            self.constant = constant
        }
    }

    public static func combine(_ results: [Search.Result], inputs: [[Double]], targets: [[Double]],
                               options: SearchOptions = SearchOptions(), perTarget: Int = 4) throws -> Result {
        precondition(results.count == targets.count && !targets.isEmpty)
        let alphabet = options.alphabet(variables: inputs.count)
        // The shortest few of each target (the chosen one first).
        let shortlists: [[Candidate]] = results.map { r in
            var seen = Set<String>(), out: [Candidate] = []
            for c in [r.best] + (r.front).sorted(by: { $0.bits.total < $1.bits.total }) where seen.insert(c.formula.program).inserted {
                out.append(c)
                if out.count == perTarget { break }
            }
            return out
        }
        var best: Result? = nil
        var combination = [Int](repeating: 0, count: targets.count)
        while true {
            let picks = combination.enumerated().map { shortlists[$0.offset][$0.element] }
            let separate = try? fitJointly(picks, groups: [], inputs: inputs, targets: targets, alphabet: alphabet)
            let groups = sharable(picks)
            let joint = groups.isEmpty ? separate : (try? fitJointly(picks, groups: groups, inputs: inputs, targets: targets, alphabet: alphabet))
            for candidate in [separate, joint].compactMap({ $0 }) where candidate.bits < (best?.bits ?? .infinity) {
                best = candidate
                best!.bitsWithoutSharing = separate?.bits ?? candidate.bits
            }
            // next combination
            var k = 0
            while k < combination.count {
                combination[k] += 1
                if combination[k] < shortlists[k].count { break }
                combination[k] = 0
                k += 1
            }
            if k == combination.count { break }
        }
        guard let best else { throw DiscoveryError("the targets could not be fitted jointly") }
        return best
    }

    /// Groups of constants (of different targets) whose values agree within 3σ.
    static func sharable(_ picks: [Candidate]) -> [[SharedConstant]] {
        var items: [(SharedConstant, Double, Double)] = []
        for (t, c) in picks.enumerated() {
            for (i, v) in c.formula.constants.enumerated() where !c.formula.fixedConstants.contains(i) {
                items.append((SharedConstant(target: t, constant: i), v, c.bits.uncertainties[i]))
            }
        }
        var groups: [[SharedConstant]] = []
        var used = Set<SharedConstant>()
        for (a, va, sa) in items where !used.contains(a) {
            var group = [a]
            for (b, vb, sb) in items where b.target != a.target && !used.contains(b) && !group.contains(where: { $0.target == b.target }) {
                let tolerance = 3 * (sa * sa + sb * sb).squareRoot()
                if tolerance.isFinite, abs(va - vb) <= max(tolerance, 1e-12 * abs(va)) { group.append(b) }
            }
            if group.count > 1 {
                groups.append(group)
                used.formUnion(group)
            }
        }
        return groups
    }

    /// Fits the picked formulas together on stacked rows with the given constants merged.
    public static func fitJointly(_ picks: [Candidate], groups: [[SharedConstant]], inputs: [[Double]], targets: [[Double]],
                           alphabet: Int) throws -> Result {
        let n = targets[0].count, t = targets.count
        // Global constant index of each (target, constant).
        var index: [SharedConstant: Int] = [:]
        var values: [Double] = []
        var fixed: [Int] = []
        for g in groups {
            for m in g { index[m] = values.count }
            values.append(g.map { picks[$0.target].formula.constants[$0.constant] }.reduce(0, +) / Double(g.count))
        }
        for (ti, c) in picks.enumerated() {
            for (i, v) in c.formula.constants.enumerated() where index[SharedConstant(target: ti, constant: i)] == nil {
                index[SharedConstant(target: ti, constant: i)] = values.count
                if c.formula.fixedConstants.contains(i) { fixed.append(values.count) }
                values.append(v)
            }
        }
        // Stacked columns: the inputs repeated, then one indicator per target.
        var columns = inputs.map { col in Array((0..<t).map { _ in col }.joined()) }
        for ti in 0..<t {
            var ind = [Double](repeating: 0, count: n * t)
            for r in 0..<n { ind[ti * n + r] = 1 }
            columns.append(ind)
        }
        var tokens: [Token] = []
        for (ti, c) in picks.enumerated() {
            for tok in c.formula.tokens {
                tokens.append(tok.op == .constant ? Token(.constant, index[SharedConstant(target: ti, constant: tok.index)]!) : tok)
            }
            tokens.append(Token(.variable, inputs.count + ti))
            tokens.append(Token(.mul))
            if ti > 0 { tokens.append(Token(.add)) }
        }
        var stacked = Formula(tokens: tokens, constants: values)
        stacked.fixedConstants = fixed
        // Each target's residuals in its own noise model: relative to the target (its own
        // weights) or to its prediction when its own search scored it so, else in units of its
        // RMS, so that one σ describes them all.
        var y: [Double] = [], w: [Double] = []
        for (ti, target) in targets.enumerated() {
            let rms = max((target.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot(), 1e-300)
            y += target
            if let own = Search.weights(target), !picks[ti].bits.weightsDropped {
                w += own
            } else if picks[ti].bits.relativeNoise {
                let f = picks[ti].formula.evaluate(inputs, rows: n)
                w += f.map { 1 / max(abs($0), 1e-3 * rms) }
            } else {
                w += [Double](repeating: 1 / rms, count: n)
            }
        }
        guard w.allSatisfy(\.isFinite) else { throw DiscoveryError("joint fit failed") }
        guard let fit = ConstantFitter.fit(stacked, columns: columns, target: y, weights: w, starts: [values], iterations: 200),
              fit.mse.isFinite else { throw DiscoveryError("joint fit failed") }
        var fitted = stacked
        fitted.constants = fit.constants
        let parts = DescriptionLength.bits(formula: fitted, fit: fit, target: y, weights: w, alphabet: alphabet,
                                           logSigmaSum: w.reduce(0) { $0 - log($1) })
        // Structure: each target's formula as searched (the indicator glue is not part of the law).
        let structure = picks.reduce(0.0) { $0 + Double($1.formula.complexity) * log(Double(alphabet)) / log(2.0) }
        let total = parts.residuals + parts.constants + structure
        // Equations with the joint constants.
        var equations: [Candidate] = []
        for (ti, c) in picks.enumerated() {
            var f = c.formula
            f.constants = (0..<f.constants.count).map { fit.constants[index[SharedConstant(target: ti, constant: $0)]!] }
            let prediction = f.evaluate(inputs, rows: n)
            let mse = zip(prediction, targets[ti]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(n)
            var bits = c.bits
            bits.uncertainties = (0..<f.constants.count).map { parts.uncertainties[index[SharedConstant(target: ti, constant: $0)]!] }
            equations.append(Candidate(formula: f, mse: mse, bits: bits))
        }
        return Result(equations: equations, shared: groups, bits: total, bitsWithoutSharing: total)
    }
}
