import Discovery
import Foundation

/// `occam discover --table`: symbolic regression on a CSV/TSV of measurements. Writes
/// `equations.json` (the chosen equation) and `pareto.csv` (the whole front with bits) into a
/// run folder that appears only when complete.
public enum DiscoverJob {
    public struct Options: Sendable {
        public var table: String
        public var target: String
        public var inputs: [String]?
        public var output: String
        public var force = false
        /// Column units as the user wrote them (`--units a=AU,T=yr`); nil: no dimensional analysis.
        public var units: [String: String]? = nil
        /// With units: constants may carry dimensions (default) or must be dimensionless.
        public var dimensionlessConstants = false
        public var search = SearchOptions()
        public init(table: String, target: String, output: String) {
            self.table = table
            self.target = target
            self.output = output
        }
    }

    public struct Outcome: Sendable {
        public var result: Search.Result
        public var inputNames: [String]
        public var notices: [String]
    }

    public static func run(_ o: Options) throws -> Outcome {
        let table: Table
        do { table = try Table(path: o.table) } catch let e as DiscoveryError { throw LabError(e.message) }
        var notices: [String] = []
        if !table.labelColumns.isEmpty {
            notices.append("\(o.table): left out label column(s) \(table.labelColumns.joined(separator: ", ")) (not numeric)")
        }
        guard let y = table.column(o.target) else {
            throw LabError("\(o.table): no numeric column '\(o.target)' (columns: \(table.names.joined(separator: ", ")))")
        }
        if let first = y.first, y.allSatisfy({ $0 == first }) {
            throw LabError("\(o.table): column '\(o.target)': the target is constant (\(first)); nothing to explain")
        }
        let names = o.inputs ?? table.names.filter { $0 != o.target }
        var columns: [[Double]] = []
        for n in names {
            guard n != o.target else { throw LabError("--inputs: '\(n)' is the target") }
            guard let c = table.column(n) else {
                throw LabError("\(o.table): --inputs: no numeric column '\(n)' (columns: \(table.names.joined(separator: ", ")))")
            }
            columns.append(c)
        }
        guard !columns.isEmpty else { throw LabError("\(o.table): no input columns besides the target '\(o.target)'") }
        let needed = o.search.maxConstants + 2
        guard y.count >= needed else {
            throw LabError("\(o.table): \(y.count) row(s); at least \(needed) are needed to fit \(o.search.maxConstants) constant(s) and judge the fit")
        }
        var search = o.search
        if let given = o.units {
            search.units = try units(given, inputs: names, target: o.target, columns: table.names, dimensionlessConstants: o.dimensionlessConstants)
        }
        let folder = try OutputFolder(destination: o.output, force: o.force)
        do {
            let result: Search.Result
            do { result = try Search.run(inputs: columns, target: y, options: search) } catch let e as DiscoveryError {
                throw LabError("\(o.table): \(e.message)")
            }
            try writeFile("\(folder.temporary)/equations.json", try equationsJSON(result, names: names, target: o.target, table: o.table))
            try writeFile("\(folder.temporary)/pareto.csv", paretoCSV(result, names: names, target: o.target))
            try folder.commit()
            return Outcome(result: result, inputNames: names, notices: notices)
        } catch {
            folder.discard()
            throw error
        }
    }

    /// Dimensions of the target and inputs from `--units`; every column used needs one.
    static func units(_ given: [String: String], inputs: [String], target: String, columns: [String],
                      dimensionlessConstants: Bool) throws -> Units {
        for name in given.keys.sorted() where !columns.contains(name) {
            throw LabError("--units: no numeric column '\(name)' (columns: \(columns.joined(separator: ", ")))")
        }
        func dimension(_ column: String) throws -> PhysicalDimension {
            guard let text = given[column] else {
                throw LabError("--units: column '\(column)' has no unit (give one for every input and the target; 1 for dimensionless)")
            }
            do { return try PhysicalDimension(unit: text) } catch let e as DiscoveryError { throw LabError("--units: \(column): \(e.message)") }
        }
        return Units(inputs: try inputs.map(dimension), target: try dimension(target), constantsCarryUnits: !dimensionlessConstants)
    }

    /// Parses `a=AU,T=yr` into column → unit.
    public static func parseUnits(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw LabError("--units: expected column=unit, got '\(item)'")
            }
            guard out[parts[0]] == nil else { throw LabError("--units: column '\(parts[0])' given twice") }
            out[parts[0]] = parts[1]
        }
        return out
    }

    static func entry(_ c: Candidate, names: [String], target: String) -> [String: Any] {
        let constants: [[String: Any]] = c.formula.constants.enumerated().map { i, v in
            ["name": "c\(i)", "value": v, "uncertainty": c.bits.uncertainties[i].isFinite ? c.bits.uncertainties[i] : NSNull(),
             "exact": c.formula.fixedConstants.contains(i)]
        }
        return [
            "target": target,
            "expression": c.formula.sympyString(names: names),
            "latex": c.formula.latex(names: names),
            "skeleton": c.formula.skeleton(names: names),
            "program": c.formula.program,
            "variables": names,
            "complexity": c.complexity,
            "loss": c.mse,
            "description_length_bits": c.bits.total,
            "bits": ["structure": c.bits.structure, "constants": c.bits.constants, "residuals": c.bits.residuals],
            "constants": constants,
        ]
    }

    static func equationsJSON(_ r: Search.Result, names: [String], target: String, table: String) throws -> Data {
        let doc: [String: Any] = [
            "format": "occam-equations", "version": 1,
            "source": (table as NSString).lastPathComponent,
            "variables": names,
            "selection": "minimum description length (ESR formula; see README)",
            "equations": [entry(r.best, names: names, target: target)],
            "formulas_evaluated": r.evaluated,
        ]
        return try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])
    }

    static func paretoCSV(_ r: Search.Result, names: [String], target: String) -> Data {
        var out = "target,complexity,loss,description_length_bits,chosen,expression\n"
        for c in r.front {
            let expr = c.formula.sympyString(names: names).replacingOccurrences(of: "\"", with: "\"\"")
            out += "\(target),\(c.complexity),\(c.mse),\(c.bits.total),\(c.formula == r.best.formula ? 1 : 0),\"\(expr)\"\n"
        }
        return Data(out.utf8)
    }
}
