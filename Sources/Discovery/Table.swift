import Formulas
import Foundation

/// Errors of the discovery stage; each names the file, row or column at fault.
public struct DiscoveryError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A table of measurements: named numeric columns read from CSV or TSV with a header row.
/// Columns whose every value is non-numeric (labels such as a planet's name) are left out of
/// the inputs and reported in `labelColumns`.
public struct Table: Sendable {
    public var names: [String]
    public var columns: [[Double]]
    public var labelColumns: [String]
    public var rows: Int { columns.first?.count ?? 0 }

    public init(names: [String], columns: [[Double]]) {
        self.names = names
        self.columns = columns
        self.labelColumns = []
    }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DiscoveryError("\(path): cannot read file")
        }
        try self.init(text: text, name: path)
    }

    public init(text: String, name: String) throws {
        // Lines starting with '#' are comments (occam track writes its origin and units there).
        // Row numbers in messages are line numbers of the file.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .enumerated().filter { !$0.element.hasPrefix("#") }.map { (line: $0.offset + 1, text: $0.element) }
        guard let header = lines.first?.text, !header.isEmpty else { throw DiscoveryError("\(name): empty file (expected a header row)") }
        let separator: Character = header.contains("\t") ? "\t" : ","
        let names = header.split(separator: separator, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        for (k, n) in names.enumerated() where n.isEmpty {
            throw DiscoveryError("\(name): header column \(k + 1) has no name")
        }
        if Set(names).count != names.count { throw DiscoveryError("\(name): header has duplicate column names") }
        var cells: [[String]] = [], lineNumbers: [Int] = []
        for (number, line) in lines.dropFirst() where !line.isEmpty {
            let parts = line.split(separator: separator, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            guard parts.count == names.count else {
                throw DiscoveryError("\(name): row \(number) has \(parts.count) values, the header has \(names.count)")
            }
            cells.append(parts)
            lineNumbers.append(number)
        }
        guard !cells.isEmpty else { throw DiscoveryError("\(name): no data rows") }
        var kept: [String] = [], columns: [[Double]] = [], labels: [String] = []
        for (c, column) in names.enumerated() {
            let values = cells.map { Double($0[c]) }
            if values.allSatisfy({ $0 == nil }) {
                labels.append(column)
                continue
            }
            var out: [Double] = []
            for (r, v) in values.enumerated() {
                guard let v else {
                    let raw = cells[r][c]
                    throw DiscoveryError("\(name): row \(lineNumbers[r]), column '\(column)': \(raw.isEmpty ? "missing value" : "not a number ('\(raw)')")")
                }
                guard v.isFinite else {
                    throw DiscoveryError("\(name): row \(lineNumbers[r]), column '\(column)': \(v.isNaN ? "NaN" : "infinite value") is not allowed")
                }
                out.append(v)
            }
            kept.append(column)
            columns.append(out)
        }
        self.names = kept
        self.columns = columns
        self.labelColumns = labels
    }

    public func column(_ name: String) -> [Double]? {
        names.firstIndex(of: name).map { columns[$0] }
    }
}
