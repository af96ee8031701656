import Formulas
import Foundation

/// Several datasets — tables of the same columns from different experiments (two stars, two
/// magnets) — explained by one law: one structure, its constants fitted to each dataset.
///
/// Each dataset is searched on its own first. The shortest few structures of every search are
/// then refitted on every dataset; the description of a structure over all of them is its
/// structure once plus, per dataset, that dataset's constants and residuals. The shortest total
/// wins: a law that holds everywhere beats one that fits one table slightly better and another
/// worse. Constants that agree across datasets within 3σ are reported as such, with their
/// inverse-variance mean (a constant that differs — GM of two stars — is the per-dataset
/// quantity to look at next).
public enum Datasets {
    public struct Result: Sendable {
        /// The chosen structure fitted to each dataset, in the datasets' order.
        public var equations: [Candidate]
        /// Bits of the chosen structure over every dataset (structure counted once).
        public var bits: Double
        /// Bits of each dataset's own best formula, summed (structures counted per dataset).
        public var bitsSeparate: Double
        /// Per constant of the structure: whether every dataset's value agrees within 3σ, and the
        /// inverse-variance weighted mean with its 1σ.
        public var agreement: [(agree: Bool, mean: Double, sigma: Double)]
        /// Structures compared.
        public var compared: Int
    }

    public static func combine(_ results: [Search.Result], inputs: [[[Double]]], targets: [[Double]],
                               options: SearchOptions = SearchOptions(), perDataset: Int = 6) throws -> Result {
        precondition(results.count == targets.count && inputs.count == targets.count && !targets.isEmpty)
        guard let variables = inputs.first?.count, inputs.allSatisfy({ $0.count == variables }) else {
            throw DiscoveryError("the datasets have different numbers of input columns")
        }
        let alphabet = options.alphabet(variables: variables)
        // The shortest few structures of each dataset's search, each once.
        // Each also with a fitted overall factor (c·f): a law found constant-free on one table
        // (T = a^(3/2) around the Sun) needs one on another (another star's mass).
        var seen = Set<String>(), pool: [Formula] = []
        for r in results {
            var taken = 0
            for c in [r.best] + (r.front + r.alternatives).sorted(by: { $0.bits.total < $1.bits.total }) where taken < perDataset {
                guard seen.insert(c.formula.program).inserted else { continue }
                pool.append(c.formula)
                taken += 1
                if let e = ExpressionTree(c.formula) {
                    let scaled = ExpressionTree.binary(.mul, .constant(1), e).formula
                    if seen.insert(scaled.program).inserted { pool.append(scaled) }
                }
            }
        }
        var best: (fits: [Candidate], bits: Double)? = nil
        for f in pool {
            var fits: [Candidate] = []
            for k in targets.indices {
                let starts = [f.constants, [Double](repeating: 1, count: f.constantCount)]
                guard let c = Search.score(f, columns: inputs[k], target: targets[k], alphabet: alphabet, starts: starts, iterations: 200),
                      c.bits.total.isFinite, options.units.accepts(c.formula) else { break }
                fits.append(c)
            }
            guard fits.count == targets.count else { continue }
            // the structure is coded once for all datasets
            let bits = fits.reduce(0) { $0 + $1.bits.total } - Double(fits.count - 1) * fits[0].bits.structure
            if bits < (best?.bits ?? .infinity) { best = (fits, bits) }
        }
        guard let best else { throw DiscoveryError("no structure could be fitted to every dataset") }
        var agreement: [(Bool, Double, Double)] = []
        for i in 0..<best.fits[0].formula.constants.count {
            let values = best.fits.map { $0.formula.constants[i] }
            let sigmas = best.fits.map { i < $0.bits.uncertainties.count ? $0.bits.uncertainties[i] : .infinity }
            let weights = sigmas.map { $0.isFinite && $0 > 0 ? 1 / ($0 * $0) : 0 }
            let total = weights.reduce(0, +)
            let mean = total > 0 ? zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total : values.reduce(0, +) / Double(values.count)
            let sigma = total > 0 ? (1 / total).squareRoot() : .infinity
            // exact (snapped) constants agree when they are equal
            let agree = zip(values, sigmas).allSatisfy { v, s in
                s == 0 || !s.isFinite ? v == values[0] : abs(v - mean) <= 3 * (s * s + sigma * sigma).squareRoot()
            }
            agreement.append((agree, mean, sigma))
        }
        return Result(equations: best.fits, bits: best.bits, bitsSeparate: results.reduce(0) { $0 + $1.best.bits.total },
                      agreement: agreement, compared: pool.count)
    }
}
