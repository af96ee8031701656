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

    /// Index of the common law among laws coded on every run: the fewest total bytes, a tie to
    /// the law with fewer named constants (nil when there is none).
    public static func choose(_ laws: [(law: String, totalBytes: Int)]) -> Int? {
        laws.indices.min { (laws[$0].totalBytes, namedConstants(laws[$0].law)) < (laws[$1].totalBytes, namedConstants(laws[$1].law)) }
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
