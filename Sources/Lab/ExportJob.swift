import Discovery
import Formulas
import Foundation

/// `occam export RUN --format F`: the chosen equations of a run folder in the form a user needs.
public enum ExportJob {
    public enum Format: String, CaseIterable, Sendable { case latex, sympy, json, python, swift, csv }

    public struct Equation {
        public var target: String
        public var variables: [String]
        public var formula: Formula
        public var entry: [String: Any]
    }

    public static func equations(runFolder: String) throws -> [Equation] {
        let path = (runFolder as NSString).appendingPathComponent("equations.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabError("\(path): not found (is \(runFolder) a finished discover run?)")
        }
        guard let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = doc["equations"] as? [[String: Any]] else {
            throw LabError("\(path): not a valid equations.json (no 'equations' list)")
        }
        return try list.enumerated().map { k, e in
            guard let target = e["target"] as? String, let program = e["program"] as? String,
                  let variables = e["variables"] as? [String] else {
                throw LabError("\(path): equations[\(k)]: missing 'target', 'program' or 'variables'")
            }
            let constants = (e["constants"] as? [[String: Any]] ?? []).compactMap { ($0["value"] as? NSNumber)?.doubleValue }
            guard let formula = Formula(program: program, constants: constants),
                  formula.tokens.allSatisfy({ $0.op != .variable || $0.index < variables.count }) else {
                throw LabError("\(path): equations[\(k)].program: cannot be parsed ('\(program)')")
            }
            // several datasets: one equation per table, named target_table
            let name = (e["dataset"] as? String).map { "\(target)_\($0)" } ?? target
            return Equation(target: name, variables: variables, formula: formula, entry: e)
        }
    }

    public static func render(_ eqs: [Equation], format: Format) throws -> String {
        switch format {
        case .latex:
            return eqs.map { "\($0.target) = \($0.formula.latex(names: $0.variables))" }.joined(separator: "\n")
        case .sympy:
            return eqs.map { "Eq(Symbol('\($0.target)'), sympify('\($0.formula.sympyString(names: $0.variables))'))" }
                .joined(separator: "\n")
        case .json:
            let data = try JSONSerialization.data(withJSONObject: eqs.map(\.entry), options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        case .python:
            return "import math\n\n" + eqs.map { e in
                "def \(identifier(e.target))(\(e.variables.map(identifier).joined(separator: ", "))):\n"
                    + "    return \(e.formula.text(.python, names: e.variables.map(identifier)))\n"
            }.joined(separator: "\n")
        case .swift:
            return "import Foundation\n\n" + eqs.map { e in
                "func \(identifier(e.target))(\(e.variables.map { "\(identifier($0)): Double" }.joined(separator: ", "))) -> Double {\n"
                    + "    \(e.formula.text(.swift, names: e.variables.map(identifier)))\n}\n"
            }.joined(separator: "\n")
        case .csv:
            var out = "target,expression,complexity,loss,description_length_bits\n"
            for e in eqs {
                let expr = e.formula.sympyString(names: e.variables).replacingOccurrences(of: "\"", with: "\"\"")
                out += "\(e.target),\"\(expr)\",\(e.formula.complexity),\(e.entry["loss"] ?? ""),\(e.entry["description_length_bits"] ?? "")\n"
            }
            return out
        }
    }

    /// A column name as a Python/Swift identifier.
    static func identifier(_ name: String) -> String {
        var s = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if let f = s.first, f.isNumber { s = "_" + s }
        return s.isEmpty ? "_" : s
    }
}
