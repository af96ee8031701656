import Codec
import Discovery

/// The choice among coded laws: the shortest whole stream among the laws that fit.
public enum StreamChoice {
    /// Whether each law fits the measured accelerations: a mean square error on either
    /// component at most 100× the best candidate's (the bar the proposals already pass).
    public static func fitting(_ laws: [LawCandidate]) -> [Bool] {
        let bestX = laws.map(\.ax.mse).filter(\.isFinite).min() ?? .infinity
        let bestY = laws.map(\.ay.mse).filter(\.isFinite).min() ?? .infinity
        return laws.map { $0.ax.mse <= 100 * bestX && $0.ay.mse <= 100 * bestY }
    }

    /// Each law's race rank for `Codings` (0 fits, 1 does not): a law is only abandoned for one
    /// that fits at least as well, so a law that fits is never lost to one that does not.
    public static func ranks(_ laws: [LawCandidate]) -> [Int] { fitting(laws).map { $0 ? 0 : 1 } }

    /// Records each law's coding (`coded[i]` is law i's) and returns the chosen law's index
    /// (nil when there is none).
    ///
    /// Shortest stream among the laws that fit: a law that does not is admitted only if no law
    /// fits; the best candidate is often an overfit one, so the bar is wide. When an acceleration
    /// moves an object by a few thousandths of a pixel per frame (a field's push at 50 fps, a
    /// slow throw) the stream hardly tells laws apart, while the tracked accelerations, smoothed
    /// over many frames, plainly do. A tie (the same whole bytes) goes to the law with fewer
    /// constants, then to fewer frame bits: on one orbit a = −k·r and a velocity law may predict
    /// equally well, and the plainer law is the better bet. (An abandoned law's bytes are a lower
    /// bound above a finished law's of its rank, so it is never chosen.)
    ///
    /// Each named constant is reported at its best estimate, one value for a shared name: the
    /// coder's (fitted to the frames' five-point accelerations) or the search's (fitted to the
    /// tracker's smoothed accelerations), whichever has the smaller 1σ — at high frame rates
    /// finite differences are noisy, at low ones smoothing is biased.
    public static func choose(_ laws: inout [LawCandidate], coded: [Codings.Coded]) -> Int? {
        precondition(laws.count == coded.count)
        let fits = fitting(laws)
        var best: Int? = nil
        func key(_ i: Int) -> (Int, Int, Int, Double) {
            (fits[i] ? 0 : 1, laws[i].streamBytes, laws[i].namedConstants, laws[i].frameBits)
        }
        for (i, c) in coded.enumerated() {
            laws[i].streamBytes = c.bytes
            laws[i].finished = c.finished
            laws[i].frameBits = c.frameBits.reduce(0, +)
            laws[i].constants = c.lawConstants
            estimateConstants(&laws[i], coder: c.lawConstants, uncertainties: c.lawUncertainties)
            if best.map({ key(i) < key($0) }) ?? true { best = i }
        }
        return best
    }

    /// The law's equations with each named constant at its better estimate (see `choose`).
    static func estimateConstants(_ law: inout LawCandidate, coder: [String: Double], uncertainties: [String: Double]) {
        let components = [law.ax, law.ay]
        let names = law.law.constantNames
        var estimate: [String: (value: Double, sigma: Double)] = [:]
        for (name, v) in coder where v.isFinite {
            estimate[name] = (v, uncertainties[name] ?? .infinity)
        }
        for k in 0..<2 where names[k].count == components[k].formula.constants.count {
            for (j, name) in names[k].enumerated() {
                guard let name, j < components[k].bits.uncertainties.count else { continue }
                let sigma = components[k].bits.uncertainties[j]
                if sigma.isFinite, sigma < (estimate[name]?.sigma ?? .infinity) { estimate[name] = (components[k].formula.constants[j], sigma) }
            }
        }
        for k in 0..<2 where names[k].count == components[k].formula.constants.count {  // literals parsed differently: keep
            var c = components[k]
            for (j, name) in names[k].enumerated() {
                guard let name, let b = estimate[name], b.value.isFinite else { continue }
                c.formula.constants[j] = b.value
                if j < c.bits.uncertainties.count { c.bits.uncertainties[j] = b.sigma }
            }
            if k == 0 { law.ax = c } else { law.ay = c }
        }
    }
}
