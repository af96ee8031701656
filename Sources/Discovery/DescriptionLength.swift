import Foundation

/// Description length of a fitted formula, in bits: L(expression) + L(data | expression).
///
/// Following Exhaustive Symbolic Regression (Bartlett, Desmond & Ferreira, IEEE TEVC 2023),
/// in nats before conversion:
///
///     L = −ln 𝓛(θ̂)                       residuals' negative log-likelihood
///       + k·ln n                          structure: k nodes, n distinct operators/leaf kinds used
///       + Σ_i [ ½ ln I_ii + ln|θ̂_i| ] − (p/2)·ln 3
///                                         each of the p constants coded at the precision
///                                         Δ_i = √(12 / I_ii) the data supports
///
/// The likelihood is Gaussian with σ² the residuals' mean square (its maximum-likelihood value),
/// floored at 1e-24 × mean(y²) so exact fits stay finite and comparable. I_ii is the
/// Gauss–Newton Fisher information Σ_rows (∂f/∂θ_i)² / σ². A constant whose term would be
/// negative (|θ̂| below its own precision) is charged 0.
public enum DescriptionLength {
    public struct Parts: Sendable, Equatable {
        public var total: Double
        public var structure: Double
        public var constants: Double
        public var residuals: Double
        /// 1σ uncertainty of each constant, √(1/I_ii).
        public var uncertainties: [Double]
    }

    /// `weights` as given to the fit: the likelihood is that of the weighted residuals.
    public static func bits(formula: Formula, fit: ConstantFitter.Result, target y: [Double], weights: [Double]? = nil) -> Parts {
        let n = Double(y.count)
        let w = weights ?? [Double](repeating: 1, count: y.count)
        let meanSquare = zip(y, w).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 } / n
        let variance = max(fit.mse, 1e-24 * max(meanSquare, 1e-300))
        let nll = 0.5 * n * log(2 * Double.pi * variance) + 0.5 * n * fit.mse / variance
        var kinds = Set<String>()
        for t in formula.tokens {
            kinds.insert(t.op == .variable ? "v\(t.index)" : "\(t.op)")
        }
        let structure = Double(formula.complexity) * log(Double(max(2, kinds.count)))
        var constantCost = 0.0
        var sigmas: [Double] = []
        for (i, theta) in fit.constants.enumerated() {
            let info = fit.jacobian[i].reduce(0) { $0 + $1 * $1 } / variance
            sigmas.append(info > 0 ? (1 / info).squareRoot() : .infinity)
            let cost = 0.5 * log(max(info, 1e-300)) + log(max(abs(theta), 1e-300)) - 0.5 * log(3)
            constantCost += max(0, cost)
        }
        let ln2 = log(2.0)
        return Parts(total: (nll + structure + constantCost) / ln2, structure: structure / ln2,
                     constants: constantCost / ln2, residuals: nll / ln2, uncertainties: sigmas)
    }
}
