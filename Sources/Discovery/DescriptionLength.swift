import Formulas
import Foundation

/// Description length of a fitted formula, in bits: L(expression) + L(data | expression).
///
/// Following Exhaustive Symbolic Regression (Bartlett, Desmond & Ferreira, IEEE TEVC 2023),
/// in nats before conversion:
///
///     L = −ln 𝓛(θ̂)                       residuals' negative log-likelihood
///       + k·ln n                          structure: k nodes, each one of n symbols
///       + Σ_i [ ½ ln I_ii + ln|θ̂_i| ] − (p/2)·ln 3
///                                         each of the p constants coded at the precision
///                                         Δ_i = √(12 / I_ii) the data supports
///
/// The likelihood is Gaussian with σ² the residuals' mean square (its maximum-likelihood value),
/// floored at 1e-24 × mean(y²) so exact fits stay finite and comparable. I_ii is the
/// Gauss–Newton Fisher information Σ_rows (∂f/∂θ_i)² / σ². A constant whose term would be
/// negative (|θ̂| below its own precision) is charged 0. An exponent snapped to a fraction p/q
/// (q ≤ 6) is not fitted and costs ln 2 + ln(|p| + 1) + ln q instead; the search keeps the snap
/// only when the total gets shorter.
///
/// ESR takes n as the number of distinct operators in the formula itself. The search passes
/// `alphabet`, the number of symbols it could have used (its operators, the input columns and
/// the constant symbol): that is what a decoder has to choose from at every node, and it
/// charges ~1.5 bits more per node for a typical operator set, which keeps formulas that fit
/// the noise with extra terms from winning on 1 %-noise data.
public enum DescriptionLength {
    public struct Parts: Sendable, Equatable {
        public var total: Double
        public var structure: Double
        public var constants: Double
        public var residuals: Double
        /// 1σ uncertainty of each constant, √(1/I_ii).
        public var uncertainties: [Double]
        /// The residuals were scored as relative to the prediction (σ_i ∝ |f_i|).
        public var relativeNoise = false
        /// The target's own weights (`Search.weights`, relative residuals) were set aside and the
        /// residuals scored as an unweighted target's (`Search.noiseModelChosen`).
        public var weightsDropped = false
    }

    /// `weights` as given to the fit: the likelihood is that of the weighted residuals, and
    /// `logSigmaSum` (Σ ln σ_i for a noise model with per-row σ_i = σ/w_i) is added to it.
    public static func bits(formula: Formula, fit: ConstantFitter.Result, target y: [Double], weights: [Double]? = nil,
                            alphabet: Int? = nil, logSigmaSum: Double = 0) -> Parts {
        let n = Double(y.count)
        // n: the search alphabet, or (ESR) the distinct symbols the formula uses
        let symbols = alphabet ?? Set(formula.tokens.map { $0.op == .variable ? "v\($0.index)" : $0.op.name }).count
        let structure = Double(formula.complexity) * log(Double(max(2, symbols)))
        let w = weights ?? [Double](repeating: 1, count: y.count)
        let meanSquare = zip(y, w).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 } / n
        let variance = max(fit.mse, 1e-24 * max(meanSquare, 1e-300))
        let nll = logSigmaSum + 0.5 * n * log(2 * Double.pi * variance) + 0.5 * n * fit.mse / variance
        var constantCost = 0.0
        var sigmas: [Double] = []
        for (i, theta) in fit.constants.enumerated() {
            if formula.fixedConstants.contains(i) {
                // an exact fraction p/q: sign, |p| and q, each in a universal integer code
                if let (p, q) = Formula.exactFraction(theta) {
                    constantCost += log(2) + log(Double(abs(p) + 1)) + log(Double(q))
                } else {
                    // not a small fraction (should not be fixed): as an integer of its magnitude
                    constantCost += log(2) + log(min(abs(theta), 1e300) + 1) + (theta.isFinite ? 0 : 1e6)
                }
                sigmas.append(0)
                continue
            }
            let info = fit.jacobian[i].reduce(0) { $0 + $1 * $1 } / variance
            sigmas.append(info > 0 ? (1 / info).squareRoot() : .infinity)
            constantCost += max(0, 0.5 * log(max(info, 1e-300)) + log(max(abs(theta), 1e-300)) - 0.5 * log(3))
        }
        let ln2 = log(2.0)
        return Parts(total: (nll + structure + constantCost) / ln2, structure: structure / ln2,
                     constants: constantCost / ln2, residuals: nll / ln2, uncertainties: sigmas)
    }

    /// Fits a formula's constants and scores it: the one entry point of the search.
    ///
    /// Noise model: with unweighted data the formula is scored as homoscedastic (σ_i = σ) and,
    /// when it predicts to within 10 % (relative RMS), also as relative to its prediction
    /// (σ_i = σ·max(|f_i|, 10⁻³·rms y)), refitted with those weights; the shorter description
    /// wins, plus one bit for the choice. A measurement good to 1 % otherwise lets a few large
    /// values dominate the squared error, and extra terms that fit their noise win on bits.
    /// Beyond 10 % misfit σ·|f_i| stops being a noise model (it becomes an envelope that
    /// explains the data as noise shaped like f), so it is not offered.
    public static func score(_ formula: Formula, columns: [[Double]], target y: [Double], weights: [Double]?,
                             alphabet: Int?, starts: [[Double]]? = nil, iterations: Int = 60) -> Candidate? {
        guard let fit = ConstantFitter.fit(formula, columns: columns, target: y, weights: weights, starts: starts, iterations: iterations),
              fit.mse.isFinite else { return nil }
        var fitted = formula
        fitted.constants = fit.constants
        var best = Candidate(formula: fitted, mse: fit.mse, bits: bits(formula: fitted, fit: fit, target: y, weights: weights, alphabet: alphabet))
        guard weights == nil else { return best.bits.total.isFinite ? best : nil }
        best.bits.total += 1
        let n = Double(y.count)
        let f = fitted.evaluate(columns, rows: y.count)
        let floor = 1e-3 * (y.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
        let w = f.map { 1 / max(abs($0), floor) }
        var relative = 0.0
        for k in 0..<y.count { let r = (f[k] - y[k]) * w[k]; relative += r * r }
        if relative / n < 0.01, w.allSatisfy(\.isFinite),
           let refit = ConstantFitter.fit(formula, columns: columns, target: y, weights: w, starts: [fit.constants], iterations: iterations),
           refit.mse.isFinite {
            var g = formula
            g.constants = refit.constants
            var parts = bits(formula: g, fit: refit, target: y, weights: w, alphabet: alphabet,
                             logSigmaSum: w.reduce(0) { $0 - log($1) })
            parts.total += 1
            parts.relativeNoise = true
            if parts.total < best.bits.total {
                let h = g.evaluate(columns, rows: y.count)
                let mse = zip(h, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n
                best = Candidate(formula: g, mse: mse, bits: parts)
            }
        }
        return best.bits.total.isFinite ? best : nil
    }
}
