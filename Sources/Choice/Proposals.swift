import Discovery
import Formulas
import Foundation
import Render

/// Which laws go into the compressor: from the searches of a_x and a_y over the same states
/// (inputs t, x, y, v_x, v_y, r — `Law.variables`), the pairs worth coding. The compressor
/// decides between them: its stream includes the law's text, so a longer law must pay for
/// itself in frame bits.
public enum Proposals {
    /// What the searches found and what they were searched on.
    public struct Searched: Sendable {
        /// The searches' own choice for a_x and a_y.
        public var chosen: [Candidate]
        /// Each component's Pareto front and alternatives.
        public var fronts: [[Candidate]]
        /// Constants the joint refit shares between the components.
        public var shared: [[Joint.SharedConstant]]
        /// The states (`Law.variables` order) and the measured a_x, a_y.
        public var columns: [[Double]]
        public var targets: [[Double]]
        /// Size of the search's alphabet (for scoring proposals as the search scores).
        public var alphabet: Int
        /// The origin is a static reference body (central laws r^p·r⃗ with any p are offered).
        public var centred: Bool
        public init(chosen: [Candidate], fronts: [[Candidate]], shared: [[Joint.SharedConstant]], columns: [[Double]],
                    targets: [[Double]], alphabet: Int, centred: Bool = false) {
            self.centred = centred
            self.chosen = chosen
            self.fronts = fronts
            self.shared = shared
            self.columns = columns
            self.targets = targets
            self.alphabet = alphabet
        }
    }

    /// At most `limit` laws: the joint choice, then, from the simplest up, a_x front members that
    /// fit within 100× of the best error, each paired with the a_y member of nearest size; each
    /// also as an isotropic law (its formula mirrored for the other axis, with and without its
    /// exponents snapped). With `distinct`, laws that are the same function are coded once.
    public static func laws(_ s: Searched, limit: Int, distinct: Bool) -> [LawCandidate] {
        let columns = s.columns, targets = s.targets
        var pairs: [(Candidate, Candidate)] = [(s.chosen[0], s.chosen[1])]
        func plausible(_ front: [Candidate]) -> [Candidate] {
            let best = front.map(\.mse).min() ?? 0
            return front.filter { $0.mse <= 100 * best && $0.complexity <= 12 }.sorted { $0.complexity < $1.complexity }
        }
        func nearest(_ c: Candidate, in front: [Candidate]) -> Candidate? {
            front.min { abs($0.complexity - c.complexity) < abs($1.complexity - c.complexity) }
        }
        let px = plausible(s.fronts[0]), py = plausible(s.fronts[1])
        for c in px { if let d = nearest(c, in: py) { pairs.append((c, d)) } }
        for d in py { if let c = nearest(d, in: px) { pairs.append((c, d)) } }
        // (columns and targets also score the proposed formulas on either component)
        func score(_ f: Formula, target: Int) -> Candidate? {
            Search.score(f, columns: columns, target: targets[target], alphabet: s.alphabet, starts: [f.constants], iterations: 100)
        }
        var seen = Set<String>()
        var laws: [LawCandidate] = []
        // A constant within 2σ of zero is not supported by the data: it is dropped (held at an
        // exact 0) and the rest refitted — a throw's a_x = k1 with k1 ≈ 0 is a_x = 0.
        func pruned(_ c: Candidate, target: Int) -> Candidate {
            var f = c.formula
            for i in 0..<f.constantCount where !f.fixedConstants.contains(i) && i < c.bits.uncertainties.count {
                if abs(f.constants[i]) < 2 * c.bits.uncertainties[i] {
                    f.constants[i] = 0
                    f.fixedConstants.append(i)
                }
            }
            guard f.fixedConstants.count > c.formula.fixedConstants.count else { return c }
            return score(f, target: target) ?? c
        }
        func propose(_ ax: Candidate, _ ay: Candidate, shared groups: [[Joint.SharedConstant]] = [], sameConstants: Bool = false,
                     sharing: Bool = false) {
            var ax = ax, ay = ay
            if groups.isEmpty && !sameConstants {  // (shared and mirrored constants keep their slots named)
                ax = pruned(ax, target: 0)
                ay = pruned(ay, target: 1)
            }
            let value = LawCandidate.law(ax: ax, ay: ay, shared: groups, sameConstants: sameConstants)
            // the stream stores the law as text: it must read back
            let text = value.text
            guard seen.insert(text).inserted, (try? Law(text: text)) != nil else { return }
            // The search's bits for the pair as the law states it: constants shared between
            // the axes are fitted once, to both components together.
            var bits = ax.bits.total + ay.bits.total
            if sharing {
                let groups = (0..<min(ax.formula.constantCount, ay.formula.constantCount))
                    .filter { !ax.formula.fixedConstants.contains($0) }
                    .map { [Joint.SharedConstant(target: 0, constant: $0), Joint.SharedConstant(target: 1, constant: $0)] }
                if let joint = try? Joint.fitJointly([ax, ay], groups: groups, inputs: columns, targets: targets, alphabet: s.alphabet),
                   let separate = try? Joint.fitJointly([ax, ay], groups: [], inputs: columns, targets: targets, alphabet: s.alphabet) {
                    bits += joint.bits - separate.bits
                }
            }
            var candidate = LawCandidate(ax: ax, ay: ay, law: value, equationBits: bits)
            if sameConstants {  // one formula, mirrored: its structure is stated once
                candidate.form = "isotropic"
                candidate.descriptionBits = ax.bits.structure + ax.bits.constants + 1
            }
            candidate.template = LawCandidate.law(ax: ax, ay: ay, shared: groups, sameConstants: sameConstants, freeFactors: true).text
            laws.append(candidate)
        }
        // The simplest plausible pair of each side is always coded (below): when the
        // acceleration moves an object by a few thousandths of a pixel per frame, the stream
        // hardly tells laws apart, and the cut by constants would drop a plain
        // (k1, k2) for a one-constant law that only fits this one trajectory.
        let simplest = Set([px.first.flatMap { c in nearest(c, in: py).map { (c, $0) } },
                            py.first.flatMap { d in nearest(d, in: px).map { ($0, d) } }]
            .compactMap { $0 }.map { LawCandidate.law(ax: $0.0, ay: $0.1, shared: []).text })
        for (k, (ax, ay)) in pairs.enumerated() {
            propose(ax, ay, shared: k == 0 ? s.shared : [])
            // The isotropic proposal: each component's formula mirrored (x ↔ y, vx ↔ vy) for
            // the other, with the same constants — one law for both axes, if the frames
            // agree. Exponents also as the nearest fraction, fixed.
            for (c, mirroredIsY) in [(ax, true), (ay, false)] where c.complexity <= 12 && ExpressionTree(c.formula)?.hasVariable == true {
                guard let m = score(mirror(c.formula, toY: mirroredIsY), target: mirroredIsY ? 1 : 0) else { continue }
                let (first, second) = mirroredIsY ? (c, m) : (m, c)
                propose(first, second, sameConstants: true, sharing: true)
                // the same structure with each axis's own constants (an offset such as a
                // uniform field's (q/m)·E differs between the axes)
                propose(first, second)
                if snap(first.formula) != first.formula, let a = score(snap(first.formula), target: 0),
                   let b = score(snap(second.formula), target: 1) {
                    propose(a, b, sameConstants: true, sharing: true)
                }
            }
        }

        // Vector laws (rotation-equivariant terms, fields charged as such): the shortest few
        // are always coded — on one orbit an alias written per component may code as short,
        // and only the law's own description tells them apart (StreamChoice).
        var vector: [LawCandidate] = []
        for v in VectorLaws.search(columns: columns, targets: targets, centred: s.centred, alphabet: s.alphabet, keep: 2)
        where !vector.contains(where: { $0.text == v.law.text }) {
            var candidate = LawCandidate(ax: v.ax, ay: v.ay, law: v.law, equationBits: v.bits)
            candidate.descriptionBits = v.descriptionBits
            candidate.form = "vector"
            candidate.template = v.law.text
            vector.append(candidate)
        }
        let budget = max(1, limit - vector.count)

        // The search's own choice, then the laws with the fewest constants (cheap in the
        // stream), among those the best fits to both components' accelerations; the
        // compressor has the last word.
        if laws.count > budget {
            let limit = budget
            func rank(_ l: LawCandidate) -> (Int, Double) { (l.namedConstants, l.equationBits) }
            // two thirds by fewest constants, the rest by the search's bits alone (those
            // fit the tracker's systematic errors too, so they are the minority)
            let byConstants = laws.dropFirst().sorted { rank($0) < rank($1) }
            let byBits = laws.dropFirst().sorted { $0.equationBits < $1.equationBits }
            var kept = [laws[0]]
            var texts: Set<String> = [laws[0].text]
            for l in laws.dropFirst() where simplest.contains(l.text) && texts.insert(l.text).inserted { kept.append(l) }
            for l in byConstants.prefix((2 * (limit - 1) + 2) / 3) where texts.insert(l.text).inserted { kept.append(l) }
            for l in byBits where kept.count < limit && texts.insert(l.text).inserted { kept.append(l) }
            laws = kept
        }
        // (a vector law whose text a kept law already has is not coded twice; one the cut
        // dropped is coded as the vector law)
        let kept = Set(laws.map(\.text))
        laws += vector.filter { !kept.contains($0.text) }
        // The same law written differently (r**(-3)*x, (r**2)**(-3/2)*x, (1/r)**3*x) makes the
        // same predictions: its streams differ only by the text and by rounding. One is
        // coded — the one with the shortest text.
        if distinct {
            laws = distinctFunctions(laws, columns: columns, rows: targets[0].count,
                                     scale: targets.flatMap { $0 }.filter(\.isFinite).map(abs).max() ?? 0)
        }
        for i in laws.indices { laws[i].misfit = misfit(laws[i].law, columns: columns, targets: targets) }
        return laws
    }

    /// RMS of the law's residuals over both measured components (named constants at the
    /// values the law holds), relative to the RMS of the measured acceleration.
    public static func misfit(_ law: Law, columns: [[Double]], targets: [[Double]]) -> Double {
        let a = law.acceleration(columns, rows: targets[0].count, values: law.values)
        var residual = 0.0, signal = 0.0
        for k in 0..<2 {
            for (f, y) in zip(a[k], targets[k]) where y.isFinite {
                residual += f.isFinite ? (f - y) * (f - y) : .infinity
                signal += y * y
            }
        }
        return signal > 0 ? (residual / signal).squareRoot() : (residual == 0 ? 0 : .infinity)
    }

    /// One law of each group of laws that are the same function with as many constants: equal
    /// (within 1e-9 of `scale`, the measured accelerations' largest magnitude, each law with the
    /// search's values of its named constants, a shared name one value) at the sampled states *and* at
    /// states off them — t, x, y, v_x, v_y drawn independently over their observed ranges, r from
    /// x and y. Laws that only agree along the filmed motion (on a throw v_x is constant, so any
    /// function of v_x is a constant there) are different laws, left for the compressor and the
    /// equation bits to tell apart. Kept of a group: fewest named constants, then the shortest description, then shortest text.
    public static func distinctFunctions(_ laws: [LawCandidate], columns: [[Double]], rows: Int, scale: Double) -> [LawCandidate] {
        var random = SplitMix64(seed: 0x0CCA_5EED)
        let offRows = 256
        func span(_ values: [Double]) -> (Double, Double) { (values.min() ?? 0, values.max() ?? 0) }
        let times = span(columns[0]), distances = span(columns[5])
        let speeds = span(zip(columns[3], columns[4]).map { ($0 * $0 + $1 * $1).squareRoot() })
        var off = [[Double]](repeating: [], count: 6)
        for _ in 0..<offRows {
            let r = distances.0 + (distances.1 - distances.0) * random.nextUnit(), a = 2 * Double.pi * random.nextUnit()
            let v = speeds.0 + (speeds.1 - speeds.0) * random.nextUnit(), b = 2 * Double.pi * random.nextUnit()
            let row = [times.0 + (times.1 - times.0) * random.nextUnit(), r * cos(a), r * sin(a), v * cos(b), v * sin(b)]
            for k in 0..<5 { off[k].append(row[k]) }
            off[5].append((row[1] * row[1] + row[2] * row[2]).squareRoot())
        }
        let states = zip(columns, off).map { $0 + $1 }
        // each law as the coder runs it: a shared name is one constant (its first slot's value)
        let values = laws.map { l in l.law.acceleration(states, rows: rows + offRows, values: l.law.values).flatMap { $0 } }
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            zip(a, b).allSatisfy { $0.isFinite && $1.isFinite && abs($0 - $1) <= 1e-9 * max(scale, abs($0)) }
        }
        var kept: [Int] = []
        for i in laws.indices {
            if let k = kept.firstIndex(where: { laws[$0].namedConstants == laws[i].namedConstants && same(values[$0], values[i]) }) {
                let (a, b) = (laws[i], laws[kept[k]])
                if (a.descriptionBits, a.text.utf8.count) < (b.descriptionBits, b.text.utf8.count) { kept[k] = i }
            } else {
                kept.append(i)
            }
        }
        return kept.sorted().map { laws[$0] }
    }

    /// The other component's formula if the law is isotropic: a rotation by 90° maps states to
    /// states and accelerations to accelerations, a(R·s) = R·a(s), so a_y(x, y, vx, vy) =
    /// a_x(y, −x, vy, −vx) and a_x(x, y, vx, vy) = a_y(−y, x, −vy, vx). Central forces
    /// (−k·x/r³ ↦ −k·y/r³) and magnetic ones (ω·v_y ↦ −ω·v_x) alike; t and r stay.
    public static func mirror(_ f: Formula, toY: Bool) -> Formula {
        // variable index → (new index, negated); indices: t 0, x 1, y 2, vx 3, vy 4, r 5
        let map: [Int: (Int, Bool)] = toY ? [1: (2, false), 2: (1, true), 3: (4, false), 4: (3, true)]
                                          : [1: (2, true), 2: (1, false), 3: (4, true), 4: (3, false)]
        var g = f
        g.tokens = f.tokens.flatMap { t -> [Token] in
            guard t.op == .variable, let (j, negated) = map[t.index] else { return [t] }
            return negated ? [Token(.variable, j), Token(.neg)] : [Token(.variable, j)]
        }
        return g
    }

    /// Exponents (constants right before `pow`) fixed at the nearest fraction p/q, q ≤ 6.
    public static func snap(_ f: Formula) -> Formula {
        var g = f
        for (k, t) in f.tokens.enumerated() where t.op == .pow && k > 0 && f.tokens[k - 1].op == .constant {
            let i = f.tokens[k - 1].index
            g.constants[i] = Units.nearestFraction(f.constants[i])
            if !g.fixedConstants.contains(i) { g.fixedConstants.append(i) }
        }
        return g
    }
}
