import Formulas
import Foundation

/// Acceleration laws of one object searched as 2-D *vector* laws, built from rotation-equivariant
/// pieces: a = Σ_j k_j·b_j with b_j one of r^p·r⃗ (a central power law; p free only when the
/// origin is a static reference body), v⃗ (drag), ẑ×v⃗ (a magnetic field), ẑ×r⃗ (a swirl), plus
/// the constant vectors x̂ and ŷ (a uniform field), which break isotropy and pay for it: each is
/// a term of its own, with its own constant.
///
/// Why: searched component by component, a law with one constant (a = −k·r⃗) is no simpler than
/// an alias that fits one orbit with a constant per axis (a_x = −2.83·v_y, a_y = 0.6·v_x, exact
/// on that ellipse, wrong off it). As a vector law the alias is not even expressible with one
/// constant; the isotropic law is the short one.
///
/// Every subset of at most `maxTerms` terms is fitted by linear least squares on the stacked
/// components (p by a grid and golden-section search, and snapped to the nearest fraction
/// q ≤ 6 when that is shorter); a subset with a coefficient within 2σ of zero is dropped (the
/// smaller subset stands for it). Each is scored in bits like the formula search: residuals'
/// Gaussian negative log-likelihood + structure (nodes × log₂ alphabet) + constants at the
/// precision the data supports (`DescriptionLength`).
public enum VectorLaws {
    /// One term of a vector law: a basis vector field and how it is written per component.
    public struct Term: Sendable {
        public var name: String
        /// r^p·r⃗ with p free (else p = 0 or none).
        var power: Bool
        /// Nodes of the term with its coefficient, counted as one component's formula would
        /// count them (k·x: 3; k·r^p·x: 7; a field's k: 1): an isotropic term is stated once for
        /// both axes, a field component on its own axis.
        var nodes: Int
        /// The basis vector at a state (x, y, vx, vy, r) for exponent p.
        var basis: @Sendable (_ s: [Double], _ p: Double) -> (Double, Double)
        /// a_x and a_y texts for coefficient text k and exponent text p ("" when the term adds
        /// nothing to that component).
        var text: @Sendable (_ k: String, _ p: String) -> (String, String)
    }

    static let central = Term(name: "k·r^p·r", power: true, nodes: 7,
                              basis: { s, p in let f = pow(s[4], p); return (f * s[0], f * s[1]) },
                              text: { k, p in p == "(0)" ? ("\(k)*x", "\(k)*y") : ("\(k)*r^(\(p))*x", "\(k)*r^(\(p))*y") })
    static let spring = Term(name: "k·r", power: false, nodes: 3, basis: { s, _ in (s[0], s[1]) },
                             text: { k, _ in ("\(k)*x", "\(k)*y") })
    static let drag = Term(name: "k·v", power: false, nodes: 3, basis: { s, _ in (s[2], s[3]) },
                           text: { k, _ in ("\(k)*vx", "\(k)*vy") })
    static let magnetic = Term(name: "k·v×ẑ", power: false, nodes: 3, basis: { s, _ in (s[3], -s[2]) },
                               text: { k, _ in ("\(k)*vy", "-\(k)*vx") })
    static let swirl = Term(name: "k·r×ẑ", power: false, nodes: 3, basis: { s, _ in (s[1], -s[0]) },
                            text: { k, _ in ("\(k)*y", "-\(k)*x") })
    static let fieldX = Term(name: "k·x̂", power: false, nodes: 1, basis: { _, _ in (1, 0) }, text: { k, _ in (k, "") })
    static let fieldY = Term(name: "k·ŷ", power: false, nodes: 1, basis: { _, _ in (0, 1) }, text: { k, _ in ("", k) })

    /// The terms offered: with a reference body at the origin the central power law (any p);
    /// without one only position terms linear in r⃗ (which a uniform field can shift to any
    /// centre).
    public static func terms(centred: Bool) -> [Term] {
        (centred ? [central] : [spring]) + [drag, magnetic, swirl, fieldX, fieldY]
    }

    /// A fitted vector law.
    public struct Fitted: Sendable {
        public var terms: [String]
        /// The law, constants named k1, k2, … (or literal fractions where snapped).
        public var law: Law
        /// Per component, the formula with the fitted values and its scores (the residuals of
        /// that component; structure and constants are the law's, split between them).
        public var ax: Candidate
        public var ay: Candidate
        /// Bits: the whole description (residuals + structure + constants) and the law's own
        /// part (structure + constants), in the currency of `DescriptionLength`.
        public var bits: Double
        public var descriptionBits: Double
    }

    /// Laws for states `columns` (t, x, y, vx, vy, r: `Law.variables`) and measured a_x, a_y:
    /// the `keep` shortest, then the shortest one's pruned variants (any of its terms left
    /// out, if the rest are supported), which the compressor can test — a term the tracker's systematic errors support may
    /// buy nothing in the stream.
    public static func search(columns: [[Double]], targets: [[Double]], centred: Bool, alphabet: Int,
                              maxTerms: Int = 3, keep: Int = 4) -> [Fitted] {
        let n = targets[0].count
        guard n >= 4, columns.count == 6, targets.count == 2 else { return [] }
        let states = (0..<n).map { i in [columns[1][i], columns[2][i], columns[3][i], columns[4][i], columns[5][i]] }
        let usable = (0..<n).filter { i in states[i].allSatisfy(\.isFinite) && targets[0][i].isFinite && targets[1][i].isFinite }
        guard usable.count >= 4 else { return [] }
        let y = usable.map { targets[0][$0] } + usable.map { targets[1][$0] }
        let library = terms(centred: centred)
        var fitted: [([Int], Fitted)] = []
        var snappedAlternative: [[Int]: Fitted] = [:]
        for subset in subsets(library.count, upTo: maxTerms) {
            let picked = subset.map { library[$0] }
            let fits = fitSubset(picked, states: usable.map { states[$0] }, y: y, alphabet: alphabet)
            guard let fit = fits.first, let law = build(picked, fit: fit, columns: columns, targets: targets, alphabet: alphabet) else { continue }
            fitted.append((subset, law))
            if fits.count > 1, let alternative = build(picked, fit: fits[1], columns: columns, targets: targets, alphabet: alphabet) {
                snappedAlternative[subset] = alternative
            }
        }
        fitted.sort { $0.1.bits < $1.1.bits }
        var out = Array(fitted.prefix(keep))
        if let best = fitted.first?.0, best.count > 1 {
            for (subset, law) in fitted where subset.count < best.count && Set(subset).isSubset(of: best)
                && !out.contains(where: { $0.0 == subset }) {
                out.append((subset, law))
            }
        }
        // A free exponent is fitted online by the coder from 1, far from a law's −3: each law
        // kept with a free p also comes with p snapped to the nearest fraction.
        return out.flatMap { entry in [entry.1] + (entry.1.law.names.contains("kp") ? [snappedAlternative[entry.0]].compactMap { $0 } : []) }
    }

    /// Index subsets of 0..<count with 0…k members (the empty law a = 0 included).
    static func subsets(_ count: Int, upTo k: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        func extend(_ current: [Int], from: Int) {
            guard current.count < k else { return }
            for i in from..<count {
                out.append(current + [i])
                extend(current + [i], from: i + 1)
            }
        }
        extend([], from: 0)
        return out
    }

    struct SubsetFit {
        var coefficients: [Double]
        var sigmas: [Double]
        var p: Double
        /// p is a snapped fraction (not fitted).
        var pSnapped: Bool
        var pSigma: Double
        var rss: Double
        /// Residual sums of squares of a_x and of a_y.
        var rssX: Double
        var rssY: Double
    }

    /// Least squares of the stacked components on the picked terms' basis vectors.
    static func solve(_ picked: [Term], states: [[Double]], y: [Double], p: Double) -> (coefficients: [Double], rss: Double, rssX: Double, inverse: [[Double]])? {
        let n = states.count, m = picked.count
        var columns = [[Double]](repeating: [Double](repeating: 0, count: 2 * n), count: m)
        for (j, term) in picked.enumerated() {
            for i in 0..<n {
                let (bx, by) = term.basis(states[i], p)
                columns[j][i] = bx
                columns[j][n + i] = by
            }
        }
        guard m > 0 else { return ([], y.reduce(0) { $0 + $1 * $1 }, y.prefix(n).reduce(0) { $0 + $1 * $1 }, []) }
        var a = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var b = [Double](repeating: 0, count: m)
        for j in 0..<m {
            for l in j..<m {
                var s = 0.0
                for i in 0..<(2 * n) { s += columns[j][i] * columns[l][i] }
                a[j][l] = s
                a[l][j] = s
            }
            var s = 0.0
            for i in 0..<(2 * n) { s += columns[j][i] * y[i] }
            b[j] = s
        }
        guard let inverse = invert(a) else { return nil }
        let c = (0..<m).map { j in (0..<m).reduce(0) { $0 + inverse[j][$1] * b[$1] } }
        var rss = 0.0, rssX = 0.0
        for i in 0..<(2 * n) {
            var f = 0.0
            for j in 0..<m { f += c[j] * columns[j][i] }
            rss += (y[i] - f) * (y[i] - f)
            if i == n - 1 { rssX = rss }
        }
        guard c.allSatisfy(\.isFinite), rss.isFinite else { return nil }
        return (c, rss, rssX, inverse)
    }

    /// Inverse of a small symmetric matrix by Gauss–Jordan with partial pivoting (nil if singular).
    static func invert(_ matrix: [[Double]]) -> [[Double]]? {
        let m = matrix.count
        var a = matrix, inv = (0..<m).map { i in (0..<m).map { $0 == i ? 1.0 : 0.0 } }
        let scale = (0..<m).map { abs(matrix[$0][$0]) }.max() ?? 0
        for col in 0..<m {
            guard let pivot = (col..<m).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), abs(a[pivot][col]) > 1e-13 * scale else { return nil }
            a.swapAt(col, pivot)
            inv.swapAt(col, pivot)
            let d = a[col][col]
            for k in 0..<m { a[col][k] /= d; inv[col][k] /= d }
            for row in 0..<m where row != col {
                let f = a[row][col]
                guard f != 0 else { continue }
                for k in 0..<m { a[row][k] -= f * a[col][k]; inv[row][k] -= f * inv[col][k] }
            }
        }
        return inv
    }

    /// The subset's fit: one, or with a free exponent the free and the snapped fit, the shorter
    /// description first.
    static func fitSubset(_ picked: [Term], states: [[Double]], y: [Double], alphabet: Int) -> [SubsetFit] {
        let n2 = Double(y.count)
        let floor = 1e-24 * max(y.reduce(0) { $0 + $1 * $1 } / n2, 1e-300)
        func finish(p: Double, snapped: Bool) -> SubsetFit? {
            guard let s = solve(picked, states: states, y: y, p: p) else { return nil }
            let variance = max(s.rss / n2, floor)
            let sigmas = (0..<s.coefficients.count).map { (variance * max(0, s.inverse[$0][$0])).squareRoot() }
            // the exponent's precision: the curvature of the RSS in p (free p only)
            var pSigma = 0.0
            if picked.contains(where: \.power) && !snapped {
                let h = 1e-3
                if let lo = solve(picked, states: states, y: y, p: p - h), let hi = solve(picked, states: states, y: y, p: p + h) {
                    let curvature = (lo.rss - 2 * s.rss + hi.rss) / (h * h)
                    pSigma = curvature > 0 ? (2 * variance / curvature).squareRoot() : .infinity
                }
            }
            return SubsetFit(coefficients: s.coefficients, sigmas: sigmas, p: p, pSnapped: snapped, pSigma: pSigma, rss: s.rss,
                             rssX: s.rssX, rssY: s.rss - s.rssX)
        }
        guard picked.contains(where: \.power) else { return [finish(p: 0, snapped: true)].compactMap { $0 } }
        // p: the best of a grid over [−4, 2], then golden section around it
        guard let best = minimizeExponent(from: -4, to: 2, { solve(picked, states: states, y: y, p: $0)?.rss ?? .infinity }) else { return [] }
        let free = finish(p: best, snapped: false)
        let snapped = finish(p: Units.nearestFraction(best), snapped: true)
        // the shorter description of the two
        return [free, snapped].compactMap { $0 }.sorted {
            cost($0, picked: picked, n2: n2, alphabet: alphabet, floor: floor).total < cost($1, picked: picked, n2: n2, alphabet: alphabet, floor: floor).total
        }
    }

    /// The exponent minimising `cost`: the best of a grid of step 0.25 over [from, to], then
    /// golden-section search within one step of it (nil when no grid point is finite).
    static func minimizeExponent(from: Double, to: Double, _ cost: (Double) -> Double) -> Double? {
        let grid = stride(from: from, through: to, by: 0.25).map { ($0, cost($0)) }
        guard let start = grid.min(by: { $0.1 < $1.1 }), start.1.isFinite else { return nil }
        var lo = start.0 - 0.25, hi = start.0 + 0.25
        let ratio = (5.0.squareRoot() - 1) / 2
        var c = hi - ratio * (hi - lo), d = lo + ratio * (hi - lo)
        var fc = cost(c), fd = cost(d)
        for _ in 0..<60 where hi - lo > 1e-10 {
            if fc < fd { hi = d; d = c; fd = fc; c = hi - ratio * (hi - lo); fc = cost(c) } else { lo = c; c = d; fc = fd; d = lo + ratio * (hi - lo); fd = cost(d) }
        }
        return (lo + hi) / 2
    }

    /// Bits of a subset fit: total, and the law's own (structure + constants).
    static func cost(_ f: SubsetFit, picked: [Term], n2: Double, alphabet: Int, floor: Double) -> (total: Double, law: Double, constants: Double, residuals: Double) {
        // each component's residuals with their own σ, as the component search scores them
        var nll = 0.0
        for part in [f.rssX, f.rssY] {
            let variance = max(part / (n2 / 2), floor)
            nll += 0.25 * n2 * log(2 * Double.pi * variance) + 0.5 * part / variance
        }
        let nodes = max(1, picked.reduce(0) { $0 + $1.nodes } + max(0, picked.count - 1))
        let structure = Double(nodes) * log(Double(max(2, alphabet)))
        func constant(_ value: Double, _ sigma: Double) -> Double {
            guard sigma > 0, sigma.isFinite else { return 0 }
            return max(0, log(abs(value) / sigma) - 0.5 * log(3))
        }
        var constants = zip(f.coefficients, f.sigmas).reduce(0) { $0 + constant($1.0, $1.1) }
        if picked.contains(where: \.power) {
            if f.pSnapped, let (p, q) = Formula.exactFraction(f.p) {
                constants += log(2) + log(Double(abs(p) + 1)) + log(Double(q))
            } else if f.pSnapped {
                constants += log(2) + log(abs(f.p) + 1)
            } else {
                // a free exponent is coded over the searched range [−4, 2] at its precision
                // (not by its magnitude: p near 0 is no cheaper than p near −3)
                constants += f.pSigma > 0 && f.pSigma.isFinite ? max(0, log(6 / f.pSigma) - 0.5 * log(3)) : 0
            }
        }
        let ln2 = log(2.0)
        return ((nll + structure + constants) / ln2, (structure + constants) / ln2, constants / ln2, nll / ln2)
    }

    /// An exact value as the law's text writes it: an integer, or a fraction p/q.
    static func literal(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return "(\(Int(x)))" }
        if let (p, q) = Formula.exactFraction(x) { return "(\(p)/\(q))" }
        return "(\(x))"
    }

    /// The fitted subset as a `Law` with named constants, scored; nil when a coefficient is
    /// within 2σ of zero (the term is not supported by the data).
    static func build(_ picked: [Term], fit: SubsetFit, columns: [[Double]], targets: [[Double]], alphabet: Int) -> Fitted? {
        guard zip(fit.coefficients, fit.sigmas).allSatisfy({ abs($0) > 2 * $1 }) else { return nil }
        let n2 = Double(2 * targets[0].count)
        let floor = 1e-24 * max(targets.flatMap { $0 }.reduce(0) { $0 + $1 * $1 } / n2, 1e-300)
        let parts = cost(fit, picked: picked, n2: n2, alphabet: alphabet, floor: floor)
        let pText = fit.pSnapped ? literal(fit.p) : "kp"
        var ax: [String] = [], ay: [String] = []
        for (j, term) in picked.enumerated() {
            let (x, y) = term.text("k\(j + 1)", pText)
            if !x.isEmpty { ax.append(x) }
            if !y.isEmpty { ay.append(y) }
        }
        let text = "ax = \(ax.isEmpty ? "0" : ax.joined(separator: " + ")); ay = \(ay.isEmpty ? "0" : ay.joined(separator: " + "))"
        guard let parsed = try? Law(text: text) else { return nil }
        var values: [String: Double] = [:]
        for (j, c) in fit.coefficients.enumerated() { values["k\(j + 1)"] = c }
        values["kp"] = fit.p
        var sigmas: [String: Double] = [:]
        for (j, s) in fit.sigmas.enumerated() { sigmas["k\(j + 1)"] = s }
        sigmas["kp"] = fit.pSigma
        // the formulas hold the fitted values; each component scored on its own residuals
        var formulas = parsed.formulas
        var candidates: [Candidate] = []
        for k in 0..<2 {
            for (slot, name) in parsed.constantNames[k].enumerated() { if let name, let v = values[name] { formulas[k].constants[slot] = v } }
            let f = formulas[k].evaluate(columns, rows: targets[k].count)
            let residual = zip(f, targets[k]).filter { $0.0.isFinite && $0.1.isFinite }
            let mse = residual.reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(1, residual.count))
            let uncertainties = parsed.constantNames[k].map { name in name.flatMap { sigmas[$0] } ?? 0 }
            let share = Double(formulas[k].complexity) / Double(max(1, formulas[0].complexity + formulas[1].complexity))
            let bits = DescriptionLength.Parts(total: parts.total * share, structure: (parts.law - parts.constants) * share,
                                               constants: parts.constants * share, residuals: parts.residuals * share,
                                               uncertainties: uncertainties)
            candidates.append(Candidate(formula: formulas[k], mse: mse, bits: bits))
        }
        let law = Law(formulas: formulas, constantNames: parsed.constantNames)
        return Fitted(terms: picked.map(\.name), law: law, ax: candidates[0], ay: candidates[1], bits: parts.total, descriptionBits: parts.law)
    }
}
