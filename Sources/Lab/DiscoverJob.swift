import Discovery
import Dispatch
import Formulas
import Foundation

/// `occam discover --table`: symbolic regression on a CSV/TSV of measurements. Writes
/// `equations.json` (the chosen equation) and `pareto.csv` (the whole front with bits) into a
/// run folder that appears only when complete.
public enum DiscoverJob {
    public struct Options: Sendable {
        public var table: String
        /// Further tables of the same columns (several datasets: one law, constants per table).
        public var moreTables: [String] = []
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
        /// Each target's own search.
        public var results: [Search.Result]
        /// The chosen equation of each target (with shared constants when several targets), or
        /// of each dataset (one structure) when several tables were given.
        public var chosen: [Candidate]
        public var joint: Joint.Result?
        public var datasets: Datasets.Result? = nil
        /// The tables, when several.
        public var tables: [String] = []
        public var targets: [String]
        public var inputNames: [String]
        public var notices: [String]
        public var result: Search.Result { results[0] }
    }

    /// The table's columns for an error message: the numeric ones, and those left out as labels.
    static func columnList(_ table: Table) -> String {
        let numeric = table.names.isEmpty ? "numeric columns: none" : "numeric columns: \(table.names.joined(separator: ", "))"
        return table.labelColumns.isEmpty ? numeric : numeric + "; not numeric: \(table.labelColumns.joined(separator: ", "))"
    }

    public static func run(_ o: Options) throws -> Outcome {
        if !o.moreTables.isEmpty { return try runDatasets(o) }
        let table: Table
        do { table = try Table(path: o.table) } catch let e as DiscoveryError { throw LabError(e.message) }
        var notices: [String] = []
        if !table.labelColumns.isEmpty {
            notices.append("\(o.table): left out label column(s) \(table.labelColumns.joined(separator: ", ")) (not numeric)")
        }
        let targets = o.target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !targets.isEmpty, Set(targets).count == targets.count else { throw LabError("--target: give one or more distinct columns") }
        var ys: [[Double]] = []
        for target in targets {
            guard let y = table.column(target) else {
                throw LabError("\(o.table): no numeric column '\(target)' (\(columnList(table)))")
            }
            if let first = y.first, y.allSatisfy({ $0 == first }) {
                throw LabError("\(o.table): column '\(target)': the target is constant (\(first)); nothing to explain")
            }
            ys.append(y)
        }
        let names = o.inputs ?? table.names.filter { !targets.contains($0) }
        var columns: [[Double]] = []
        for n in names {
            guard !targets.contains(n) else { throw LabError("--inputs: '\(n)' is a target") }
            guard let c = table.column(n) else {
                throw LabError("\(o.table): --inputs: no numeric column '\(n)' (\(columnList(table)))")
            }
            columns.append(c)
        }
        guard !columns.isEmpty else { throw LabError("\(o.table): no input columns besides the target(s) \(targets.joined(separator: ", "))") }
        let needed = o.search.maxConstants + 2
        guard table.rows >= needed else {
            throw LabError("\(o.table): \(table.rows) row(s); at least \(needed) are needed to fit \(o.search.maxConstants) constant(s) and judge the fit")
        }
        let folder = try OutputFolder(destination: o.output, force: o.force)
        do {
            var unitsByTarget: [Units?] = []
            for target in targets {
                unitsByTarget.append(try o.units.map {
                    try units($0, inputs: names, target: target, columns: table.names, dimensionlessConstants: o.dimensionlessConstants)
                })
            }
            var outcome = try search(columns: columns, names: names, targets: targets, values: ys, options: o.search,
                                     units: unitsByTarget, source: o.table)
            outcome.notices = notices
            return try write(outcome, to: folder, table: o.table)
        } catch {
            folder.discard()
            throw error
        }
    }

    /// Symbolic regression of one or more targets over the same input columns, in memory: each
    /// target's search (side by side when `options.threads` > 1 — each search's result does not
    /// depend on its threads, so neither does this), then, for several targets, their constants
    /// shared where that shortens the whole (`Joint.combine`). `source` names the data in errors.
    public static func search(columns: [[Double]], names: [String], targets: [String], values ys: [[Double]],
                              options: SearchOptions, units: [Units?]? = nil, source: String) throws -> Outcome {
        let slots = SharedSlots([Result<Search.Result, Error>?](repeating: nil, count: targets.count))
        let side = max(1, min(options.threads, targets.count))
        DispatchQueue.concurrentPerform(iterations: side) { w in
            var k = w
            while k < targets.count {
                var search = options
                search.threads = max(1, options.threads / side)
                if let units, k < units.count { search.units = units[k] }
                let result = Result { try Search.run(inputs: columns, target: ys[k], options: search) }
                slots[k] = result
                k += side
            }
        }
        var results: [Search.Result] = []
        for (target, result) in zip(targets, slots.all) {
            do { results.append(try result?.get() ?? { throw DiscoveryError("the search did not run") }()) } catch let e as DiscoveryError {
                throw LabError("\(source): \(target): \(e.message)")
            }
        }
        var joint: Joint.Result? = nil
        if targets.count > 1 {
            do { joint = try Joint.combine(results, inputs: columns, targets: ys, options: options) } catch let e as DiscoveryError {
                throw LabError("\(source): \(e.message)")
            }
        }
        let chosen = joint?.equations ?? results.map(\.best)
        return Outcome(results: results, chosen: chosen, joint: joint, targets: targets, inputNames: names, notices: [])
    }

    /// Several tables of the same columns: each searched, then one structure chosen for all of
    /// them (`Datasets.combine`), its constants fitted per table.
    static func runDatasets(_ o: Options) throws -> Outcome {
        let paths = [o.table] + o.moreTables
        guard Set(paths).count == paths.count else { throw LabError("--table: the same table is given twice") }
        let target = o.target.trimmingCharacters(in: .whitespaces)
        guard !target.contains(",") else { throw LabError("--target: several tables take one target (\(o.target))") }
        var tables: [Table] = []
        var notices: [String] = []
        for path in paths {
            do { tables.append(try Table(path: path)) } catch let e as DiscoveryError { throw LabError(e.message) }
            if !tables.last!.labelColumns.isEmpty {
                notices.append("\(path): left out label column(s) \(tables.last!.labelColumns.joined(separator: ", ")) (not numeric)")
            }
        }
        let names = o.inputs ?? tables[0].names.filter { $0 != target }
        var inputs: [[[Double]]] = [], ys: [[Double]] = []
        let needed = o.search.maxConstants + 2
        for (path, table) in zip(paths, tables) {
            guard let y = table.column(target) else {
                throw LabError("\(path): no numeric column '\(target)' (columns: \(table.names.joined(separator: ", ")))")
            }
            if let first = y.first, y.allSatisfy({ $0 == first }) {
                throw LabError("\(path): column '\(target)': the target is constant (\(first)); nothing to explain")
            }
            var columns: [[Double]] = []
            for n in names {
                guard n != target else { throw LabError("--inputs: '\(n)' is the target") }
                guard let c = table.column(n) else {
                    throw LabError("\(path): no numeric column '\(n)' (the first table's inputs are \(names.joined(separator: ", ")); every table needs them)")
                }
                columns.append(c)
            }
            guard !columns.isEmpty else { throw LabError("\(path): no input columns besides the target \(target)") }
            guard table.rows >= needed else {
                throw LabError("\(path): \(table.rows) row(s); at least \(needed) are needed to fit \(o.search.maxConstants) constant(s) and judge the fit")
            }
            inputs.append(columns)
            ys.append(y)
        }
        var search = o.search
        if let given = o.units {
            search.units = try units(given, inputs: names, target: target, columns: tables[0].names,
                                     dimensionlessConstants: o.dimensionlessConstants)
        }
        let folder = try OutputFolder(destination: o.output, force: o.force)
        do {
            var results: [Search.Result] = []
            for (path, (columns, y)) in zip(paths, zip(inputs, ys)) {
                do { results.append(try Search.run(inputs: columns, target: y, options: search)) } catch let e as DiscoveryError {
                    throw LabError("\(path): \(target): \(e.message)")
                }
            }
            let combined: Datasets.Result
            do { combined = try Datasets.combine(results, inputs: inputs, targets: ys, options: search) } catch let e as DiscoveryError {
                throw LabError("\(paths.joined(separator: ", ")): \(e.message)")
            }
            var outcome = Outcome(results: results, chosen: combined.equations, joint: nil,
                                  targets: [String](repeating: target, count: paths.count), inputNames: names, notices: notices)
            outcome.datasets = combined
            outcome.tables = paths
            return try write(outcome, to: folder, table: o.table)
        } catch {
            folder.discard()
            throw error
        }
    }

    /// Writes equations.json and pareto.csv into the temporary folder and commits it.
    static func write(_ outcome: Outcome, to folder: OutputFolder, table: String) throws -> Outcome {
        try writeFile("\(folder.temporary)/equations.json", try document(outcome, table: table).encoded())
        try writeFile("\(folder.temporary)/pareto.csv", paretoCSV(outcome))
        try folder.commit()
        return outcome
    }

    /// Short names for the tables in several-dataset output: file names without extension,
    /// numbered when two are the same (a/run.csv, b/run.csv → run_1, run_2).
    static func datasetNames(_ paths: [String]) -> [String] {
        let stems = paths.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        return stems.enumerated().map { k, stem in stems.filter { $0 == stem }.count > 1 ? "\(stem)_\(k + 1)" : stem }
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
            do { return try PhysicalDimension(unit: text) } catch let e as FormulaError { throw LabError("--units: \(column): \(e.message)") }
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

    static func document(_ o: Outcome, table: String) -> EquationsDocument {
        let equations = zip(o.chosen, o.targets).enumerated().map { k, pair in
            var e = EquationsDocument.Entry(pair.0, names: o.inputNames, target: pair.1)
            if !o.tables.isEmpty { e.dataset = datasetNames(o.tables)[k] }
            return e
        }
        var doc = EquationsDocument(source: .one((table as NSString).lastPathComponent), variables: o.inputNames,
                                    selection: "minimum description length (ESR formula; see README)", equations: equations)
        doc.formulasEvaluated = o.results.reduce(0) { $0 + $1.evaluated }
        if let d = o.datasets {
            doc.source = .several(o.tables.map { ($0 as NSString).lastPathComponent })
            doc.datasets = EquationsDocument.Datasets(
                selection: "one structure for every table, constants per table; structure coded once",
                descriptionLengthBits: d.bits, bitsEachTableItsOwnBest: d.bitsSeparate, structuresCompared: d.compared,
                constants: d.agreement.enumerated().map { i, a in
                    EquationsDocument.Datasets.Constant(constant: "c\(i)", agreeWithin3Sigma: a.agree, weightedMean: a.mean,
                                                        uncertainty: a.sigma.isFinite ? a.sigma : nil)
                })
        }
        if let j = o.joint {
            doc.sharedConstants = j.shared.map { group in
                group.map { EquationsDocument.SharedConstant(target: o.targets[$0.target], constant: "c\($0.constant)") }
            }
            doc.jointDescriptionLengthBits = j.bits
            doc.jointBitsWithoutSharing = j.bitsWithoutSharing
        }
        return doc
    }

    static func paretoCSV(_ o: Outcome) -> Data {
        var out = (o.tables.isEmpty ? "" : "dataset,") + "target,complexity,loss,description_length_bits,chosen,expression\n"
        for (k, r) in o.results.enumerated() {
            for c in r.front {
                let expr = c.formula.sympyString(names: o.inputNames).replacingOccurrences(of: "\"", with: "\"\"")
                let chosen = c.formula.program == o.chosen[k].formula.program ? 1 : 0
                let dataset = o.tables.isEmpty ? "" : "\(datasetNames(o.tables)[k]),"
                out += "\(dataset)\(o.targets[k]),\(c.complexity),\(c.mse),\(c.bits.total),\(chosen),\"\(expr)\"\n"
            }
        }
        return Data(out.utf8)
    }
}
