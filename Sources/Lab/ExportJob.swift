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
        public var entry: EquationsDocument.Entry
    }

    /// The equations of the run folder's equations.json.
    public static func equations(runFolder: String) throws -> [Equation] {
        let path = (runFolder as NSString).appendingPathComponent("equations.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw LabError("\(path): not found (is \(runFolder) a finished discover run?)")
        }
        return try equations(try EquationsDocument.read(path), path: path)
    }

    /// The equations of a document (`path` names it in errors).
    public static func equations(_ doc: EquationsDocument, path: String) throws -> [Equation] {
        try doc.equations.enumerated().map { k, e in
            guard let formula = Formula(program: e.program, constants: e.constants.map(\.value)),
                  formula.tokens.allSatisfy({ $0.op != .variable || $0.index < e.variables.count }) else {
                throw LabError("\(path): equations[\(k)].program: cannot be parsed ('\(e.program)')")
            }
            // several datasets: one equation per table, named target_table
            let name = e.dataset.map { "\(e.target)_\($0)" } ?? e.target
            return Equation(target: name, variables: e.variables, formula: formula, entry: e)
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
            return String(decoding: try EquationsDocument.encoder.encode(eqs.map(\.entry)), as: UTF8.self)
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
                out += "\(e.target),\"\(expr)\",\(e.formula.complexity),\(e.entry.loss),\(e.entry.descriptionLengthBits)\n"
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
