import Foundation
import Yams

/// A parsed scenario document (YAML or JSON) with line numbers, so every error can say where.
public indirect enum ScenarioNode: Equatable, Sendable {
    case scalar(String, line: Int)
    case map([(key: String, value: ScenarioNode)], line: Int)
    case list([ScenarioNode], line: Int)

    public static func == (a: ScenarioNode, b: ScenarioNode) -> Bool {
        switch (a, b) {
        case let (.scalar(x, _), .scalar(y, _)): return x == y
        case let (.list(x, _), .list(y, _)): return x == y
        case let (.map(x, _), .map(y, _)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public var line: Int {
        switch self {
        case let .scalar(_, line), let .map(_, line), let .list(_, line): return line
        }
    }

    /// Parse YAML (JSON is accepted: it is YAML). `file` is used in error messages.
    public static func parse(_ text: String, file: String) throws -> ScenarioNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let detail = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw LabError("\(file): malformed YAML: \(detail)")
        } catch {
            throw LabError("\(file): malformed YAML: \(error)")
        }
        guard let node else { throw LabError("\(file): the file is empty") }
        return try convert(node, file: file)
    }

    static func convert(_ node: Node, file: String) throws -> ScenarioNode {
        let line = (node.mark?.line ?? 0)
        switch node {
        case let .scalar(s):
            return .scalar(s.string, line: line)
        case let .sequence(seq):
            return .list(try seq.map { try convert($0, file: file) }, line: line)
        case let .mapping(m):
            var pairs: [(key: String, value: ScenarioNode)] = []
            for (k, v) in m {
                guard case let .scalar(ks) = k else { throw LabError("\(file):\(line): mapping keys must be plain names") }
                if pairs.contains(where: { $0.key == ks.string }) {
                    throw LabError("\(file):\(k.mark?.line ?? line): field '\(ks.string)' appears twice")
                }
                pairs.append((ks.string, try convert(v, file: file)))
            }
            return .map(pairs, line: line)
        case .alias:
            throw LabError("\(file):\(line): YAML aliases are not supported")
        }
    }

    /// The value at a dotted path such as `particles[0].charge` or `fields.B`.
    func replacing(path: [PathComponent], with value: ScenarioNode, file: String, fullPath: String) throws -> ScenarioNode {
        guard let head = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch (head, self) {
        case let (.key(k), .map(pairs, line)):
            var pairs = pairs
            if let i = pairs.firstIndex(where: { $0.key == k }) {
                pairs[i].value = try pairs[i].value.replacing(path: rest, with: value, file: file, fullPath: fullPath)
            } else if rest.isEmpty {
                pairs.append((k, value))
            } else {
                throw LabError("\(file): sweep path '\(fullPath)': no field '\(k)'")
            }
            return .map(pairs, line: line)
        case let (.index(i), .list(items, line)):
            guard i >= 0, i < items.count else {
                throw LabError("\(file): sweep path '\(fullPath)': index \(i) out of range (0..<\(items.count))")
            }
            var items = items
            items[i] = try items[i].replacing(path: rest, with: value, file: file, fullPath: fullPath)
            return .list(items, line: line)
        default:
            throw LabError("\(file): sweep path '\(fullPath)' does not match the scenario's structure")
        }
    }

    enum PathComponent: Equatable { case key(String), index(Int) }

    static func parsePath(_ path: String, file: String) throws -> [PathComponent] {
        var out: [PathComponent] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var s = Substring(part)
            let nameEnd = s.firstIndex(of: "[") ?? s.endIndex
            let name = String(s[s.startIndex..<nameEnd])
            guard !name.isEmpty else { throw LabError("\(file): sweep path '\(path)' is malformed") }
            out.append(.key(name))
            s = s[nameEnd...]
            while s.first == "[" {
                guard let close = s.firstIndex(of: "]"), let i = Int(s[s.index(after: s.startIndex)..<close]) else {
                    throw LabError("\(file): sweep path '\(path)' is malformed")
                }
                out.append(.index(i))
                s = s[s.index(after: close)...]
            }
            guard s.isEmpty else { throw LabError("\(file): sweep path '\(path)' is malformed") }
        }
        return out
    }

    /// Compact text of a value, for names and logs.
    var compactText: String {
        switch self {
        case let .scalar(s, _): return s
        case let .list(items, _): return "[" + items.map(\.compactText).joined(separator: ",") + "]"
        case let .map(pairs, _): return "{" + pairs.map { "\($0.key):\($0.value.compactText)" }.joined(separator: ",") + "}"
        }
    }
}

/// Reads typed fields from a `ScenarioNode` map, with errors like
/// `kepler.yaml:14: planets[1].mass: must be ≥ 0 (got -1)`.
struct FieldReader {
    let file: String
    let path: String
    let pairs: [(key: String, value: ScenarioNode)]
    let line: Int
    private(set) var used: Set<String> = []

    init(_ node: ScenarioNode, file: String, path: String) throws {
        self.file = file
        self.path = path
        guard case let .map(pairs, line) = node else {
            throw LabError("\(file):\(node.line): \(path.isEmpty ? "the document" : path): expected a mapping of fields")
        }
        self.pairs = pairs
        self.line = line
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func fail(_ key: String, _ problem: String, node: ScenarioNode? = nil) -> LabError {
        let l = node?.line ?? pairs.first(where: { $0.key == key })?.value.line ?? line
        return LabError("\(file):\(l): \(fieldPath(key)): \(problem)")
    }

    mutating func node(_ key: String) -> ScenarioNode? {
        used.insert(key)
        return pairs.first(where: { $0.key == key })?.value
    }

    mutating func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    mutating func double(_ key: String, default value: Double? = nil, min lower: Double? = nil,
                         positive: Bool = false, max upper: Double? = nil) throws -> Double {
        guard let n = node(key) else {
            if let value { return value }
            throw fail(key, "missing (required)")
        }
        let x = try Self.number(n, file: file, path: fieldPath(key))
        if positive && !(x > 0) { throw fail(key, "must be > 0 (got \(Self.show(x)))") }
        if let lower, x < lower { throw fail(key, "must be ≥ \(Self.show(lower)) (got \(Self.show(x)))") }
        if let upper, x > upper { throw fail(key, "must be ≤ \(Self.show(upper)) (got \(Self.show(x)))") }
        return x
    }

    mutating func int(_ key: String, default value: Int? = nil, min lower: Int, max upper: Int) throws -> Int {
        guard let n = node(key) else {
            if let value { return value }
            throw fail(key, "missing (required)")
        }
        guard case let .scalar(s, _) = n, let x = Int(s.trimmingCharacters(in: .whitespaces)) else {
            throw fail(key, "expected a whole number (got '\(n.compactText)')")
        }
        if x < lower { throw fail(key, "must be ≥ \(lower) (got \(x))") }
        if x > upper { throw fail(key, "must be ≤ \(upper) (got \(x); the limit keeps runs and files a sane size)") }
        return x
    }

    mutating func string(_ key: String, default value: String? = nil, allowed: [String]? = nil) throws -> String {
        guard let n = node(key) else {
            if let value { return value }
            throw fail(key, "missing (required)")
        }
        guard case let .scalar(s, _) = n, !s.isEmpty else { throw fail(key, "expected a text value") }
        if let allowed, !allowed.contains(s) {
            throw fail(key, "unknown value '\(s)' (expected one of: \(allowed.joined(separator: ", ")))")
        }
        return s
    }

    mutating func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let n = node(key) else { return value }
        guard case let .scalar(s, _) = n else { throw fail(key, "expected true or false") }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(key, "expected true or false (got '\(s)')")
        }
    }

    mutating func vector(_ key: String, count: Int? = nil, default value: [Double]? = nil) throws -> [Double] {
        guard let n = node(key) else {
            if let value { return value }
            throw fail(key, "missing (required)")
        }
        guard case let .list(items, _) = n else { throw fail(key, "expected a list of numbers like [1, 0, 0]") }
        if let count, items.count != count {
            throw fail(key, "expected \(count) numbers (got \(items.count))")
        }
        return try items.enumerated().map { try Self.number($0.element, file: file, path: "\(fieldPath(key))[\($0.offset)]") }
    }

    mutating func list(_ key: String) throws -> [ScenarioNode]? {
        guard let n = node(key) else { return nil }
        guard case let .list(items, _) = n else { throw fail(key, "expected a list") }
        return items
    }

    mutating func child(_ key: String) throws -> FieldReader? {
        guard let n = node(key) else { return nil }
        return try FieldReader(n, file: file, path: fieldPath(key))
    }

    /// Reject fields this reader never asked for: typos should not pass silently.
    func rejectUnknown() throws {
        for (key, value) in pairs where !used.contains(key) {
            let known = used.sorted().joined(separator: ", ")
            throw LabError("\(file):\(value.line): \(fieldPath(key)): unknown field (known here: \(known))")
        }
    }

    static func number(_ n: ScenarioNode, file: String, path: String) throws -> Double {
        guard case let .scalar(s, line) = n else { throw LabError("\(file):\(n.line): \(path): expected a number") }
        let t = s.trimmingCharacters(in: .whitespaces)
        let lowered = t.lowercased()
        if [".nan", "nan", ".inf", "+.inf", "-.inf", "inf", "-inf", "+inf", "infinity", "-infinity"].contains(lowered) {
            throw LabError("\(file):\(line): \(path): must be a finite number (got \(t))")
        }
        guard let x = Double(t) else { throw LabError("\(file):\(line): \(path): expected a number (got '\(t)')") }
        guard x.isFinite else { throw LabError("\(file):\(line): \(path): must be a finite number (got \(t))") }
        return x
    }

    static func show(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
