import Formulas

/// The choice across the runs of a sweep: one law for every run (constants fitted per run),
/// the one whose streams are shortest in total.
public enum CommonLaw {
    /// What one run's discovery coded: law text → whole stream bytes, and each law's template
    /// (exact factors named, `(6/5)*vy` → `k1*vy`) where it differs from the law.
    public struct Run: Sendable {
        public var coded: [String: Int]
        public var templates: [String: String]
        public init(coded: [String: Int], templates: [String: String]) {
            self.coded = coded
            self.templates = templates
        }
    }

    /// Laws to try on every run: each run's three shortest, each preceded by its template (which
    /// can follow a constant that one run's search wrote as a fraction) — every run's best
    /// first, then every run's second best, and so on — at most `limit`. A law without named
    /// constants cannot follow the runs' differences unless they all agree; the totals decide.
    public static func pool(_ runs: [Run], limit: Int = 8) -> [String] {
        var pool: [String] = []
        let ranked = runs.map { run in run.coded.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }).prefix(3).map(\.key) }
        for rank in 0..<3 {
            for (run, laws) in zip(runs, ranked) where rank < laws.count {
                for text in [run.templates[laws[rank]] ?? laws[rank], laws[rank]] where !pool.contains(text) { pool.append(text) }
            }
        }
        return Array(pool.prefix(limit))
    }

    /// Index of the common law among laws coded on every run (nil when there is none): of the
    /// laws whose streams the frames cannot tell from the shortest total — their frame bits,
    /// every run's frames in turn, compared as `StreamChoice.indistinguishable` does without its
    /// 1 % floor (a law
    /// without frame bits is in the class only with the same total) — the one with the fewest
    /// named constants, then the fewest bytes. On one circle a = −ω²·(r⃗ − c⃗) and a = ω·v⃗×ẑ
    /// both hold; the streams differ by coding noise, and the law with one constant is the bet.
    public static func choose(_ laws: [(law: String, totalBytes: Int, frameBits: [Double]?)]) -> Int? {
        guard let shortest = laws.indices.min(by: { (laws[$0].totalBytes, namedConstants(laws[$0].law)) < (laws[$1].totalBytes, namedConstants(laws[$1].law)) })
        else { return nil }
        let members = laws.indices.filter { i in
            if laws[i].totalBytes == laws[shortest].totalBytes { return true }
            guard let bits = laws[i].frameBits, let reference = laws[shortest].frameBits else { return false }
            return StreamChoice.indistinguishable(bits, from: reference, floor: 0)
        }
        return members.min { (namedConstants(laws[$0].law), laws[$0].totalBytes) < (namedConstants(laws[$1].law), laws[$1].totalBytes) }
    }

    /// The same without frame bits: the fewest total bytes, a tie to fewer named constants.
    public static func choose(_ laws: [(law: String, totalBytes: Int)]) -> Int? {
        choose(laws.map { ($0.law, $0.totalBytes, nil) })
    }

    /// The named constants of a law's text (a text that does not read: none).
    public static func namedConstants(_ law: String) -> Int { (try? Law(text: law))?.names.count ?? 0 }

    /// The per-run quantities that vary: known in every run and not all equal (relative spread
    /// above 1e-12), in name order.
    public static func varying(_ quantities: [[String: Double]]) -> [String] {
        Set(quantities.flatMap(\.keys)).sorted().filter { name in
            let values = quantities.compactMap { $0[name] }
            guard values.count == quantities.count, let lo = values.min(), let hi = values.max() else { return false }
            return hi - lo > 1e-12 * max(abs(hi), abs(lo))
        }
    }
}
