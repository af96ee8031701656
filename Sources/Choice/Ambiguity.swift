import Formulas
import Foundation
import Render

/// What a video leaves open: the laws its stream cannot tell from the chosen one (the chosen
/// law's equivalence class, `StreamChoice.choose`), how far each departs from the chosen law
/// off the filmed states, why the class exists and what observation would separate it.
public struct Ambiguity: Sendable {
    public struct Member: Sendable {
        public var law: String
        /// RMS difference from the chosen law's accelerations at states off the filmed ones
        /// (positions and speeds in the observed ranges, directions at random), relative to the
        /// chosen law's RMS acceleration there; nil when the law is undefined at some of them
        /// (a logarithm of a negative velocity, say).
        public var offOrbitDifference: Double?
    }
    public var members: [Member]
    public var why: String
    public var separateBy: String

    /// Nil when the chosen law is alone in its class. `columns`: the tracked states
    /// (`Law.variables` order); `objects`: moving objects tracked; `centred`: the origin is a
    /// static reference body.
    public static func of(_ laws: [LawCandidate], chosen: Int, columns: [[Double]], objects: Int, centred: Bool) -> Ambiguity? {
        let others = laws.indices.filter { $0 != chosen && laws[$0].equivalent }
        guard !others.isEmpty, columns.count == 6, let rows = columns.first?.count, rows > 0 else { return nil }
        let off = offStates(columns, count: 256, centred: centred)
        // each law at the coder's values of its constants where it has them
        func values(_ l: LawCandidate) -> [Double] {
            zip(l.law.names, l.law.values).map { name, v in l.constants[name].flatMap { $0.isFinite ? $0 : nil } ?? v }
        }
        let reference = laws[chosen].law.acceleration(off, rows: 256, values: values(laws[chosen]))
        let norm = (0..<256).reduce(0.0) { $0 + reference[0][$1] * reference[0][$1] + reference[1][$1] * reference[1][$1] }
        let members = others.map { i -> Member in
            let a = laws[i].law.acceleration(off, rows: 256, values: values(laws[i]))
            var d = 0.0
            for k in 0..<2 { for j in 0..<256 { d += (a[k][j] - reference[k][j]) * (a[k][j] - reference[k][j]) } }
            let difference = (d / norm).squareRoot()
            return Member(law: laws[i].text, offOrbitDifference: difference.isFinite ? difference : nil)
        }
        let trajectory = objects == 1 ? "one object on one trajectory" : "\(objects) objects on their trajectories"
        let held = laws[chosen].heldFrameBits != nil && others.contains { laws[$0].heldFrameBits != nil }
        let why = "\(trajectory): these laws predict the filmed motion equally well (their streams differ by less than "
            + (held ? "their coding noise once each law's constants are held at their final values; the difference while the coder "
                + "fitted them online came from the fit's path, not from the law" : "their coding noise")
            + "), so the shorter law was chosen; they differ off the filmed states"
        let separate = centred
            ? "another orbit of different energy or angular momentum, or a second object about the same body"
            : "a second object, a throw or orbit with other initial velocity, or a run with another field"
        return Ambiguity(members: members, why: why, separateBy: separate)
    }

    /// States off the tracked ones: positions in the observed box (about a reference body: at
    /// distances in the observed range, any direction), speeds in the observed range in random
    /// directions, times in the observed range. Seeded: the same states on every run.
    static func offStates(_ columns: [[Double]], count: Int, centred: Bool) -> [[Double]] {
        var random = SplitMix64(seed: 0xA3B1_9001)
        func span(_ v: [Double]) -> (Double, Double) {
            let finite = v.filter(\.isFinite)
            return (finite.min() ?? 0, finite.max() ?? 0)
        }
        func pick(_ s: (Double, Double)) -> Double { s.0 + (s.1 - s.0) * random.nextUnit() }
        let t = span(columns[0]), x = span(columns[1]), y = span(columns[2]), r = span(columns[5])
        let speed = span(zip(columns[3], columns[4]).map { ($0 * $0 + $1 * $1).squareRoot() })
        var out = [[Double]](repeating: [], count: 6)
        for _ in 0..<count {
            var px = pick(x), py = pick(y)
            if centred {
                let d = pick(r), angle = 2 * Double.pi * random.nextUnit()
                px = d * cos(angle)
                py = d * sin(angle)
            }
            let v = pick(speed), b = 2 * Double.pi * random.nextUnit()
            for (k, value) in [pick(t), px, py, v * cos(b), v * sin(b), (px * px + py * py).squareRoot()].enumerated() { out[k].append(value) }
        }
        return out
    }
}
