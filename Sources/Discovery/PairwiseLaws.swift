import Formulas
import Foundation

/// Laws of bodies that act on each other: every object's acceleration as a sum over the other
/// objects of one pairwise term along their separation,
///
///     a_i = Σ_{j≠i} c_ij · |d_ij|^p · d_ij,   d_ij = r_j − r_i,
///
/// searched with the exponent p (a grid over [−4, 1] and golden section, then also snapped to
/// the nearest fraction) and two couplings:
/// - `sources`: c_ij = s_j, one strength per object (its mass times G, or its charge when every
///   object has the same charge-to-mass ratio). s_j > 0 attracts. The strengths' ratios are the
///   objects' mass ratios, and Σ s_i·a_i = 0 (Newton's third law) is checked on the data.
/// - `pairs`: one c_ij per ordered pair (charges of different charge-to-mass ratio: c_ij =
///   k·q_i·q_j/m_i up to sign); the third law m_i·c_ij = m_j·c_ji gives the mass ratios.
/// With two objects the couplings coincide (two constants each) and `sources` is kept.
///
/// Each measured component is weighted by the tracker's 1σ for it (a smoothing derivative is
/// biased where the acceleration peaks, at a close approach, and the tracker says so there),
/// and each object by its own residual variance (a heavy, slow body is measured better than a
/// light one); scored in bits like `VectorLaws`: Gaussian
/// negative log-likelihood per object and component + structure + constants at the precision
/// the data supports. The law of no interaction (a_i = 0) is scored too, so a caller can see
/// whether the objects act on each other at all.
public enum PairwiseLaws {
    /// Every object at one instant (physical units, y up; the origin does not matter).
    public struct Snapshot: Sendable {
        public var t: Double
        public var x: [Double], y: [Double]
        public var vx: [Double], vy: [Double]
        public var ax: [Double], ay: [Double]
        /// 1σ of each measured acceleration component (the tracker's, which includes its
        /// estimate of the derivative filter's bias); nil: equal weights.
        public var sigmaAX: [Double]?, sigmaAY: [Double]?
        public init(t: Double, x: [Double], y: [Double], vx: [Double], vy: [Double], ax: [Double], ay: [Double],
                    sigmaAX: [Double]? = nil, sigmaAY: [Double]? = nil) {
            self.sigmaAX = sigmaAX
            self.sigmaAY = sigmaAY
            self.t = t
            self.x = x
            self.y = y
            self.vx = vx
            self.vy = vy
            self.ax = ax
            self.ay = ay
        }
    }

    public enum Coupling: String, Sendable {
        /// No interaction: a_i = 0.
        case none
        /// One strength per object: c_ij = s_j.
        case sources
        /// One constant per ordered pair.
        case pairs
    }

    /// What acts on every object besides the others: external fields, searched with each
    /// coupling.
    public enum Field: String, Sendable {
        /// Nothing else.
        case none
        /// One uniform acceleration g for every object (gravity near a surface).
        case uniform
        /// Per object a uniform acceleration e_i and a magnetic term ω_i·(v_i × ẑ): charges of
        /// different charge-to-mass ratio in uniform E and B (e_i = (q_i/m_i)·E, ω_i = q_i·B/m_i).
        case perObject = "per-object"

        func count(_ n: Int) -> Int {
            switch self {
            case .none: return 0
            case .uniform: return 2
            case .perObject: return 3 * n
            }
        }
        /// Nodes the field adds to the law's structure.
        var nodes: Int {
            switch self {
            case .none: return 0
            case .uniform: return 2
            case .perObject: return 6
            }
        }
    }

    /// A fitted pairwise law.
    public struct Fitted: Sendable {
        public var coupling: Coupling
        public var field: Field = .none
        /// `uniform`: [g_x, g_y]; `perObject`: [e_x, e_y, ω] of each object in turn. Their 1σ.
        public var fieldConstants: [Double] = []
        public var fieldSigmas: [Double] = []
        public var objects: Int
        /// p of |d|^p·d (−3: the inverse square along the separation).
        public var exponent: Double
        public var exponentSigma: Double
        /// p is a snapped fraction rather than a fitted value.
        public var exponentSnapped: Bool
        /// `sources`: s_j for each object j. `pairs`: c_ij row-major (i receiving, j acting),
        /// the diagonal 0. `sigmas`: their 1σ, laid out the same way.
        public var constants: [Double]
        public var sigmas: [Double]
        /// Covariance of the fitted constants (`pairs`: row-major without the diagonal).
        public var covariance: [[Double]]
        /// Bits: total (residuals + law), the law's own part (structure + constants).
        public var bits: Double
        public var descriptionBits: Double
        /// RMS residual over RMS measured acceleration, each measurement weighted by 1/σ².
        public var misfit: Double
        /// Integrated autocorrelation time of the residuals (snapshots); the NLL and the
        /// uncertainties count the data as this many times fewer independent snapshots.
        public var correlationTime: Double
        /// Refitted on the tracked positions (`PairwiseTrajectories`) rather than on
        /// differentiated accelerations; then the RMS standardised position residual.
        public var fittedOnPositions = false
        public var positionResidual: Double? = nil
        /// Bits of each frame's residuals (positions), for paired comparisons of laws.
        public var frameBits: [Double]? = nil
        /// Positions a refit on positions left out (`PairwiseTrajectories.refine`).
        public var positionOutliers: Set<Int> = []

        /// Every object's acceleration at the given positions and velocities (same order as the
        /// fit; velocities matter only for a magnetic field term).
        public func accelerations(x: [Double], y: [Double], vx: [Double]? = nil, vy: [Double]? = nil) -> [(Double, Double)] {
            let n = x.count
            var out = [(Double, Double)](repeating: (0, 0), count: n)
            for i in 0..<n {
                switch field {
                case .none: break
                case .uniform:
                    out[i].0 += fieldConstants[0]
                    out[i].1 += fieldConstants[1]
                case .perObject:
                    let w = fieldConstants[3 * i + 2]
                    out[i].0 += fieldConstants[3 * i] + w * (vy?[i] ?? 0)
                    out[i].1 += fieldConstants[3 * i + 1] - w * (vx?[i] ?? 0)
                }
            }
            guard coupling != .none else { return out }
            for i in 0..<n {
                for j in 0..<n where j != i {
                    let dx = x[j] - x[i], dy = y[j] - y[i]
                    let f = pow((dx * dx + dy * dy).squareRoot(), exponent)
                    let c = coupling == .sources ? constants[j] : constants[i * n + j]
                    out[i].0 += c * f * dx
                    out[i].1 += c * f * dy
                }
            }
            return out
        }

        /// The objects' masses relative to the first, with 1σ: s_j/s_1 (`sources`) or, by the
        /// third law, c_1j/c_j1 (`pairs`). Empty for `none`.
        public var massRatios: [(ratio: Double, sigma: Double)] {
            switch coupling {
            case .none: return []
            case .sources:
                return (0..<objects).map { j in
                    ratio(constants[j], constants[0], varA: covariance[j][j], varB: covariance[0][0], cov: covariance[j][0])
                }
            case .pairs:
                // m_j/m_1 = c_1j/c_j1; constants are fitted in row-major order without the diagonal
                return (0..<objects).map { j in
                    guard j > 0, let a = index(0, j), let b = index(j, 0) else { return (1, 0) }
                    return ratio(constants[objects * 0 + j], constants[j * objects], varA: covariance[a][a], varB: covariance[b][b], cov: covariance[a][b])
                }
            }
        }

        /// Attraction: s_j > 0 (or c_ij > 0) pulls object i toward j.
        public var attractive: Bool? {
            let used = coupling == .sources ? constants : constants.enumerated().filter { $0.offset / objects != $0.offset % objects }.map(\.element)
            guard coupling != .none, !used.isEmpty else { return nil }
            if used.allSatisfy({ $0 > 0 }) { return true }
            if used.allSatisfy({ $0 < 0 }) { return false }
            return nil
        }

        /// Index of c_ij among the fitted pair constants (row-major, diagonal skipped).
        func index(_ i: Int, _ j: Int) -> Int? {
            guard i != j else { return nil }
            return i * (objects - 1) + (j < i ? j : j - 1)
        }

        func ratio(_ a: Double, _ b: Double, varA: Double, varB: Double, cov: Double) -> (ratio: Double, sigma: Double) {
            let r = a / b
            let v = (varA + r * r * varB - 2 * r * cov) / (b * b)
            return (r, max(0, v).squareRoot())
        }

        /// The law as text: per object i, the sum over the others (and the field).
        public var text: String {
            let external: String
            switch field {
            case .none: external = ""
            case .uniform: external = "g"
            case .perObject: external = "e_i + ω_i·(v_i × ẑ)"
            }
            let pair: String
            switch coupling {
            case .none: pair = ""
            case .sources: pair = "Σ_j s_j·|r_j − r_i|^(\(Self.show(exponent)))·(r_j − r_i)"
            case .pairs: pair = "Σ_j c_ij·|r_j − r_i|^(\(Self.show(exponent)))·(r_j − r_i)"
            }
            let terms = [pair, external].filter { !$0.isEmpty }
            return "a_i = " + (terms.isEmpty ? "0" : terms.joined(separator: " + "))
        }

        static func show(_ p: Double) -> String {
            if p == p.rounded() && abs(p) < 1e9 { return String(Int(p)) }
            if let (n, d) = Formula.exactFraction(p) { return "\(n)/\(d)" }
            return String(format: "%.4f", p)
        }
    }

    /// The laws for these snapshots, shortest description first: `none`, and `sources` and
    /// `pairs` (pairs only with three or more objects), each with p fitted and snapped.
    /// `fields`: the external fields to try with each coupling (nil: none, uniform, per object).
    public static func search(_ snapshots: [Snapshot], alphabet: Int, fields: [Field]? = nil) -> [Fitted] {
        guard let n = snapshots.first?.x.count, n >= 2 else { return [] }
        let usable = snapshots.filter { s in
            s.x.count == n && [s.x, s.y, s.ax, s.ay].allSatisfy { $0.count == n && $0.allSatisfy(\.isFinite) }
        }
        guard usable.count >= 4 else { return [] }
        // One correlation time for every law (else a law would gain or lose by how its
        // residuals happen to correlate): that of the most flexible law's residuals.
        // A constant per ordered pair and a field per object grow as n² and 3n: offered while
        // the fit stays small (up to five objects for pairs, six for per-object fields).
        let couplings = n >= 3 && n <= 5 ? [Coupling.sources, .pairs] : [.sources]
        let fields = fields ?? (n <= 6 ? [Field.none, .uniform, .perObject] : [Field.none, .uniform])
        let flexible = fitExponent(couplings[couplings.count - 1], field: fields[fields.count - 1], usable, n: n, alphabet: alphabet, tau: nil)
        let tau = flexible.first?.correlationTime ?? 1
        var out: [Fitted] = []
        for field in fields {
            out += [fit(.none, field: field, usable, n: n, p: 0, snapped: true, weights: nil, alphabet: alphabet, tau: tau)].compactMap { $0 }
            for coupling in couplings {
                out += fitExponent(coupling, field: field, usable, n: n, alphabet: alphabet, tau: tau)
            }
        }
        return out.sorted { $0.bits < $1.bits }
    }

    /// p by grid and golden section (weights from a first unweighted pass), then the fit at
    /// that p and at the nearest fraction.
    static func fitExponent(_ coupling: Coupling, field: Field, _ s: [Snapshot], n: Int, alphabet: Int, tau: Double?) -> [Fitted] {
        var weights: [Double]? = nil
        var best = -2.0
        for _ in 0..<2 {
            guard let p = VectorLaws.minimizeExponent(from: -4, to: 1, {
                solve(coupling, field: field, s, n: n, p: $0, weights: weights)?.weightedRSS ?? .infinity
            }) else { return [] }
            best = p
            guard let solved = solve(coupling, field: field, s, n: n, p: best, weights: weights) else { return [] }
            weights = solved.objectVariance.map { 1 / max($0, 1e-300) }
        }
        return [fit(coupling, field: field, s, n: n, p: best, snapped: false, weights: weights, alphabet: alphabet, tau: tau),
                fit(coupling, field: field, s, n: n, p: Units.nearestFraction(best), snapped: true, weights: weights, alphabet: alphabet, tau: tau)].compactMap { $0 }
    }

    struct Solved {
        var constants: [Double]
        var inverse: [[Double]]
        var weightedRSS: Double
        /// Per object: residual variance (both components pooled) and per component RSS.
        var objectVariance: [Double]
        var rssX: [Double], rssY: [Double]
        var totalSquares: Double
        var plainRSS: Double
        /// Σ log w over every row (w = 1/σ² of the measurement).
        var logWeights: Double
        /// Σ w·a² over every row.
        var weightedTotal: Double
        /// Integrated autocorrelation time of the standardised residuals along the video, in
        /// snapshots (1: independent).
        var correlation: Double
    }

    /// Nats to state constants `values` at the joint precision of `covariance`:
    /// Σ_a max(log|θ_a|, log σ_a + ½·log 3) − ½·log det(Cov) − (m/2)·log 3, at least 0. With a
    /// diagonal covariance this is Σ_a max(0, log(|θ_a|/σ_a) − ½·log 3); correlated constants
    /// are not cheaper for being correlated (the volume of their joint uncertainty counts, not
    /// the product of the marginal widths).
    static func jointConstantBits(values: [Double], covariance: [[Double]]) -> Double {
        let m = values.count
        guard m > 0, covariance.count == m else { return 0 }
        let sigmas = (0..<m).map { max(0, covariance[$0][$0]).squareRoot() }
        guard sigmas.allSatisfy({ $0 > 0 && $0.isFinite }), let logDet = logDeterminant(covariance) else { return 0 }
        var magnitude = 0.0
        for a in 0..<m { magnitude += max(log(abs(values[a])), log(sigmas[a]) + 0.5 * log(3)) }
        return max(0, magnitude - 0.5 * logDet - 0.5 * Double(m) * log(3))
    }

    /// log det of a symmetric positive-definite matrix (scaled to unit diagonal first; nil if
    /// it is not positive definite).
    static func logDeterminant(_ a: [[Double]]) -> Double? {
        let m = a.count
        let d = (0..<m).map { a[$0][$0] }
        guard d.allSatisfy({ $0 > 0 }) else { return nil }
        var l = (0..<m).map { i in (0..<m).map { j in a[i][j] / (d[i] * d[j]).squareRoot() } }
        var logDet = d.reduce(0) { $0 + log($1) }
        // Cholesky
        for j in 0..<m {
            var s = l[j][j]
            for k in 0..<j { s -= l[j][k] * l[j][k] }
            guard s > 0 else { return nil }
            let root = s.squareRoot()
            l[j][j] = root
            logDet += 2 * log(root)
            for i in (j + 1)..<max(j + 1, m) {
                var t = l[i][j]
                for k in 0..<j { t -= l[i][k] * l[j][k] }
                l[i][j] = t / root
            }
        }
        return logDet
    }

    /// τ = 1 + 2·Σ_k ρ_k of residual sequences (each in time order), summed while the pooled
    /// autocorrelation stays positive: derivatives from overlapping smoothing windows are not
    /// independent samples, and a fit that counted them as such would be too sure of itself.
    static func correlationTime(_ sequences: [[Double]]) -> Double {
        let usable = sequences.filter { $0.count >= 8 }
        guard !usable.isEmpty else { return 1 }
        let centred = usable.map { s -> [Double] in let m = s.reduce(0, +) / Double(s.count); return s.map { $0 - m } }
        let variance = centred.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }
        guard variance > 0 else { return 1 }
        let maxLag = max(1, (centred.map(\.count).min() ?? 8) / 4)
        var tau = 1.0
        for lag in 1...maxLag {
            var sum = 0.0
            for s in centred { for k in lag..<s.count { sum += s[k] * s[k - lag] } }
            let rho = sum / variance
            if rho <= 0 { break }
            tau += 2 * rho
        }
        return tau
    }

    /// Weighted least squares of every object's two components on the coupling's basis at p.
    static func solve(_ coupling: Coupling, field: Field = .none, _ s: [Snapshot], n: Int, p: Double, weights: [Double]?) -> Solved? {
        let mc = coupling == .none ? 0 : (coupling == .sources ? n : n * (n - 1))
        let m = mc + field.count(n)
        var a = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var b = [Double](repeating: 0, count: m)
        // basis of object i's acceleration: for each other j, |d|^p·d into column(i, j)
        func column(_ i: Int, _ j: Int) -> Int { coupling == .sources ? j : i * (n - 1) + (j < i ? j : j - 1) }
        var rows: [(object: Int, axis: Int, target: Double, weight: Double, entries: [(Int, Double)])] = []
        rows.reserveCapacity(s.count * 2 * n)
        for snap in s {
            for i in 0..<n {
                var ex: [(Int, Double)] = [], ey: [(Int, Double)] = []
                switch field {
                case .none: break
                case .uniform:
                    ex.append((mc, 1))
                    ey.append((mc + 1, 1))
                case .perObject:
                    ex.append((mc + 3 * i, 1))
                    ey.append((mc + 3 * i + 1, 1))
                    ex.append((mc + 3 * i + 2, snap.vy[i]))
                    ey.append((mc + 3 * i + 2, -snap.vx[i]))
                }
                if mc > 0 {
                    for j in 0..<n where j != i {
                        let dx = snap.x[j] - snap.x[i], dy = snap.y[j] - snap.y[i]
                        let f = pow((dx * dx + dy * dy).squareRoot(), p)
                        ex.append((column(i, j), f * dx))
                        ey.append((column(i, j), f * dy))
                    }
                }
                func weight(_ sigma: [Double]?) -> Double {
                    guard let v = sigma?[i], v > 0, v.isFinite else { return 1 }
                    return 1 / (v * v)
                }
                rows.append((i, 0, snap.ax[i], weight(snap.sigmaAX), ex))
                rows.append((i, 1, snap.ay[i], weight(snap.sigmaAY), ey))
            }
        }
        for row in rows {
            let w = (weights?[row.object] ?? 1) * row.weight
            for (c1, v1) in row.entries {
                b[c1] += w * v1 * row.target
                for (c2, v2) in row.entries { a[c1][c2] += w * v1 * v2 }
            }
        }
        var inverse: [[Double]] = []
        var c: [Double] = []
        if m > 0 {
            guard let inv = VectorLaws.invert(a) else { return nil }
            inverse = inv
            c = (0..<m).map { j in (0..<m).reduce(0) { $0 + inv[j][$1] * b[$1] } }
            guard c.allSatisfy(\.isFinite) else { return nil }
        }
        // per object and component: Σ w·r² (the scale of its standardised residuals), Σ log w,
        // and the plain residual sum of squares for the misfit
        var rssX = [Double](repeating: 0, count: n), rssY = [Double](repeating: 0, count: n)
        var plain = 0.0, logWeights = 0.0
        var weighted = 0.0, total = 0.0, weightedTotal = 0.0
        var sequences = [[Double]](repeating: [], count: 2 * n)
        for row in rows {
            var f = 0.0
            for (col, v) in row.entries { f += c[col] * v }
            let r2 = (row.target - f) * (row.target - f)
            sequences[2 * row.object + row.axis].append((row.target - f) * row.weight.squareRoot())
            weightedTotal += row.weight * row.target * row.target
            if row.axis == 0 { rssX[row.object] += row.weight * r2 } else { rssY[row.object] += row.weight * r2 }
            plain += r2
            logWeights += log(row.weight)
            weighted += (weights?[row.object] ?? 1) * row.weight * r2
            total += row.target * row.target
        }
        guard weighted.isFinite else { return nil }
        let count = Double(s.count)
        let variance = (0..<n).map { (rssX[$0] + rssY[$0]) / (2 * count) }
        return Solved(constants: c, inverse: inverse, weightedRSS: weighted, objectVariance: variance, rssX: rssX, rssY: rssY,
                      totalSquares: total, plainRSS: plain, logWeights: logWeights, weightedTotal: weightedTotal,
                      correlation: correlationTime(sequences))
    }

    /// `tau`: the correlation time to count the residuals with (nil: their own).
    static func fit(_ coupling: Coupling, field: Field = .none, _ s: [Snapshot], n: Int, p: Double, snapped: Bool, weights: [Double]?, alphabet: Int, tau: Double?) -> Fitted? {
        guard let solved = solve(coupling, field: field, s, n: n, p: p, weights: weights) else { return nil }
        let mc = solved.constants.count - field.count(n)
        let count = Double(s.count)
        let floor = 1e-24 * max(solved.totalSquares / (2 * count * Double(n)), 1e-300)
        // covariance of the weighted fit: (AᵀWA)⁻¹ scaled by the weighted residual variance and
        // by the residuals' correlation time (τ snapshots carry about one snapshot's information)
        let tau = tau ?? solved.correlation
        let dof = max(1.0, 2 * count * Double(n) - Double(solved.constants.count))
        let scale = max(solved.weightedRSS / dof, floor) * tau
        let covariance = solved.inverse.map { $0.map { $0 * scale } }
        let sigmas = (0..<solved.constants.count).map { max(0, covariance[$0][$0]).squareRoot() }
        // exponent precision from the curvature of the weighted RSS in p
        var pSigma = 0.0
        if !snapped, coupling != .none, let lo = solve(coupling, field: field, s, n: n, p: p - 1e-3, weights: weights),
           let hi = solve(coupling, field: field, s, n: n, p: p + 1e-3, weights: weights) {
            let curvature = (lo.weightedRSS - 2 * solved.weightedRSS + hi.weightedRSS) / 1e-6
            pSigma = curvature > 0 ? (2 * scale / curvature).squareRoot() : .infinity
        }
        // Gaussian NLL with each row's variance v/w: v per object and component from its
        // standardised residuals, w the measurement's weight
        var nll = -0.5 * solved.logWeights
        let relativeFloor = 1e-24 * max(solved.weightedTotal, 1e-300) / (2 * count * Double(n))
        for i in 0..<n {
            for part in [solved.rssX[i], solved.rssY[i]] {
                let variance = max(part / count, relativeFloor)
                nll += 0.5 * count * log(2 * Double.pi * variance) + 0.5 * part / variance
            }
        }
        // correlated residuals: the data say as much as count/τ independent snapshots would
        nll /= tau
        // structure: a sum over the others of c·|d|^p·d, stated once for both axes
        let nodes = (coupling == .none ? (field == .none ? 1 : 0) : 9) + field.nodes + (coupling != .none && field != .none ? 1 : 0)
        let structure = Double(nodes) * log(Double(max(2, alphabet)))
        var constantBits = jointConstantBits(values: solved.constants, covariance: covariance)
        if coupling != .none {
            if snapped, let (a, b) = Formula.exactFraction(p) {
                constantBits += log(2) + log(Double(abs(a) + 1)) + log(Double(b))
            } else if !snapped, pSigma > 0, pSigma.isFinite {
                constantBits += max(0, log(5 / pSigma) - 0.5 * log(3))
            }
        }
        let ln2 = log(2.0)
        var constants = Array(solved.constants.prefix(mc)), shownSigmas = Array(sigmas.prefix(mc))
        if coupling == .pairs {
            // store c_ij row-major with the diagonal, for callers
            var full = [Double](repeating: 0, count: n * n), fullSigmas = full
            for i in 0..<n {
                for j in 0..<n where j != i {
                    full[i * n + j] = solved.constants[i * (n - 1) + (j < i ? j : j - 1)]
                    fullSigmas[i * n + j] = sigmas[i * (n - 1) + (j < i ? j : j - 1)]
                }
            }
            constants = full
            shownSigmas = fullSigmas
        }
        let misfit = ((solved.rssX.reduce(0, +) + solved.rssY.reduce(0, +)) / max(solved.weightedTotal, 1e-300)).squareRoot()
        return Fitted(coupling: coupling, field: field, fieldConstants: Array(solved.constants.suffix(from: mc)), fieldSigmas: Array(sigmas.suffix(from: mc)),
                      objects: n, exponent: p, exponentSigma: pSigma, exponentSnapped: snapped,
                      constants: constants, sigmas: shownSigmas, covariance: covariance,
                      bits: (nll + structure + constantBits) / ln2, descriptionBits: (structure + constantBits) / ln2, misfit: misfit,
                      correlationTime: tau)
    }
}
