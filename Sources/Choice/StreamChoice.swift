import Codec
import Discovery

/// The choice among coded laws: the shortest whole stream among the laws that fit.
public enum StreamChoice {
    /// Whether each law fits the measured accelerations about as well as the best: its misfit
    /// (`LawCandidate.misfit`, both components together, relative to the acceleration) at most
    /// 3× the best law's plus 2 % — as well as the tracker's systematic errors let one tell (a
    /// law that fits such errors with extra terms sets the best). Laws without a measured
    /// misfit: a mean square error on either component at most 100× the best candidate's.
    public static func fitting(_ laws: [LawCandidate]) -> [Bool] {
        if let best = laws.map(\.misfit).filter(\.isFinite).min() {
            return laws.map { $0.misfit <= 3 * best + 0.02 }
        }
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
    /// 1. Among the laws that fit (`fitting`; a law that does not is admitted only if no law
    ///    fits), the shortest whole stream.
    /// 2. Its equivalence class: every finished law that fits whose frames code longer by no
    ///    more than the noise of such a difference, or than 1 % (`indistinguishable`). Finished:
    ///    the coder abandons a law more than 0.1 % + 64 bytes behind a finished one of its rank,
    ///    so on a long noisy stream that margin bounds the class before the 1 % floor. On one orbit a = −k·r⃗
    ///    and an alias per component (a_x = c₁·v_y, a_y = c₂·v_x) predict the same; their
    ///    streams then differ by a few bits of online-fitting noise, less than their laws differ.
    /// 3. Within the class, the shortest description of the law itself (structure and
    ///    constants, `LawCandidate.descriptionBits`), then fewer constants, then the shorter stream.
    ///
    /// When an acceleration moves an object by a few thousandths of a pixel per frame (a
    /// field's push at 50 fps, a slow throw) the stream hardly tells laws apart, while the
    /// tracked accelerations, smoothed over many frames, plainly do; and a noisy stream (sensor
    /// noise dominates its bits) tells few laws apart: that is why the fit bar stays. (An abandoned law's bytes are a lower bound above a finished law's of its rank, so
    /// it is never chosen.)
    ///
    /// Each named constant is reported at its best estimate, one value for a shared name: the
    /// coder's (fitted to the frames' five-point accelerations) or the search's (fitted to the
    /// tracker's smoothed accelerations), whichever has the smaller 1σ — at high frame rates
    /// finite differences are noisy, at low ones smoothing is biased.
    public static func choose(_ laws: inout [LawCandidate], coded: [Codings.Coded]) -> Int? {
        precondition(laws.count == coded.count)
        let fits = fitting(laws)
        var shortest: Int? = nil
        func key(_ i: Int) -> (Int, Int, Int, Double) {
            (fits[i] ? 0 : 1, laws[i].streamBytes, laws[i].namedConstants, laws[i].frameBits)
        }
        for (i, c) in coded.enumerated() {
            laws[i].streamBytes = c.bytes
            laws[i].finished = c.finished
            laws[i].frameBits = c.frameBits.reduce(0, +)
            laws[i].frameBitsPerFrame = c.frameBits
            laws[i].constants = c.lawConstants
            laws[i].equivalent = false
            estimateConstants(&laws[i], coder: c.lawConstants, uncertainties: c.lawUncertainties)
            if shortest.map({ key(i) < key($0) }) ?? true { shortest = i }
        }
        guard let shortest else { return nil }
        let members = laws.indices.filter { i in
            i == shortest || (fits[i] == fits[shortest] && coded[i].finished
                              && indistinguishable(coded[i].frameBits, from: coded[shortest].frameBits))
        }
        let chosen = members.min { a, b in
            (laws[a].descriptionBits, laws[a].namedConstants, laws[a].streamBytes)
                < (laws[b].descriptionBits, laws[b].namedConstants, laws[b].streamBytes)
        } ?? shortest
        if members.count > 1 { for i in members { laws[i].equivalent = true } }
        return chosen
    }

    /// The law to hold the choice against in hindsight: among the finished laws that fit as the
    /// chosen one does and have a shorter description, the shortest stream (nil: none).
    ///
    /// Why: the coder fits a law's constants online, so a term can pay for itself by the path
    /// its constant takes while the fit settles — a time-varying offset — rather than by the
    /// value it ends at. On the four planets (clean frames) `ay = −k·y/r³ + g` codes 32 bytes
    /// (1.2 %) shorter than the plain central law, yet with g held at its final 0.0004 it codes
    /// no shorter than without it. A law is a claim with fixed constants: `settle` compares the
    /// two laws coded again with their constants held at the coder's final values.
    public static func challenger(_ laws: [LawCandidate], chosen: Int) -> Int? {
        let rank = ranks(laws)
        return laws.indices.filter { i in
            i != chosen && laws[i].finished && rank[i] == rank[chosen] && laws[i].descriptionBits < laws[chosen].descriptionBits
        }.min { (laws[$0].streamBytes, laws[$0].descriptionBits) < (laws[$1].streamBytes, laws[$1].descriptionBits) }
    }

    /// The choice after the hindsight codings (`challenger`): `held` holds each law's per-frame
    /// bits with its constants held. When the challenger's frames then cost no more than the
    /// chosen law's beyond coding noise (`indistinguishable`), the chosen law's edge came from
    /// fitting online, not from the law: both are one class, and the challenger — the shorter
    /// description — is chosen. Returns the index chosen.
    public static func settle(_ laws: inout [LawCandidate], chosen: Int, challenger: Int,
                              held: (chosen: [Double], challenger: [Double])) -> Int {
        laws[chosen].heldFrameBits = held.chosen.reduce(0, +)
        laws[challenger].heldFrameBits = held.challenger.reduce(0, +)
        guard indistinguishable(held.challenger, from: held.chosen) else { return chosen }
        laws[chosen].equivalent = true
        laws[challenger].equivalent = true
        return challenger
    }

    /// Whether frames coded with per-frame bits `bits` are no longer than `reference`'s by more
    /// than chance or the coder's own floor: the per-frame differences d_f, their sum D and its
    /// standard error s·√F (s the differences' standard deviation, F frames); indistinguishable
    /// when D ≤ 2·s·√F + 8 bits (a byte of rounding), or D ≤ 1 % of the reference's frame bits.
    /// Laws that predict alike differ by online-fitting noise, which spreads over the frames; a
    /// law that predicts worse pays on most frames. The 1 % floor is a judgement, not a
    /// measurement: the object levels' model of what an object looks like is not exact (discs
    /// drawn by other renderers leave edge residuals), and a nuisance term — a uniform field of
    /// 0.0004 beside GM = 39.5 on the planets, 0.005 beside k = 1.37 on one ellipse — buys a
    /// consistent few tenths of a percent that says more about that model than about the law.
    /// `floor`: the share of the reference's bits below which a difference never counts (0 for a
    /// sweep's common law: there no fit bar keeps out laws that miss the accelerations, and on
    /// noisy streams 1 % of the bits is more than any law's worth).
    public static func indistinguishable(_ bits: [Double], from reference: [Double], floor: Double = 0.01) -> Bool {
        guard bits.count == reference.count, bits.count > 1 else { return false }
        let d = zip(bits, reference).map { $0 - $1 }
        let f = Double(d.count)
        let sum = d.reduce(0, +), mean = sum / f
        let sd = (d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (f - 1)).squareRoot()
        return sum <= 2 * sd * f.squareRoot() + 8 || sum <= floor * reference.reduce(0, +)
    }

    /// The law's equations with each named constant at its better estimate (see `choose`): the
    /// one that determines the constant (zero outside its 2σ interval), then the smaller 1σ.
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
                let sigma = components[k].bits.uncertainties[j], value = components[k].formula.constants[j]
                guard sigma.isFinite else { continue }
                guard let other = estimate[name] else { estimate[name] = (value, sigma); continue }
                // An estimate whose 2σ interval holds zero has not determined its constant: the
                // other is kept when it has (a coder whose object model cannot follow the
                // objects fits k ≈ 0 with a small absolute σ); otherwise the smaller σ wins.
                let determined = abs(value) > 2 * sigma, otherDetermined = abs(other.value) > 2 * other.sigma
                if determined != otherDetermined ? determined : sigma < other.sigma { estimate[name] = (value, sigma) }
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
