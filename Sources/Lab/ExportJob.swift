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

    /// The run folder's equations.json as a document.
    public static func document(runFolder: String) throws -> EquationsDocument {
        let path = (runFolder as NSString).appendingPathComponent("equations.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw LabError("\(path): not found (is \(runFolder) a finished discover run?)")
        }
        return try EquationsDocument.read(path)
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

    /// `document`: when given (a frame job's equations.json), the Python and Swift exports also
    /// define `accelerations(t, positions, velocities)` (see `simulationFunction`).
    public static func render(_ eqs: [Equation], format: Format, document: EquationsDocument? = nil) throws -> String {
        let body = try renderEquations(eqs, format: format)
        guard let document, let extra = simulationFunction(document, equations: eqs, format: format) else { return body }
        return body + "\n" + extra
    }

    /// A function a user can simulate with: the accelerations of N objects, arrays of shape
    /// (N, 2) in physical units, y up, objects in the order tracks.csv lists the moving ones.
    /// Objects that act on each other use the pairwise law (`interaction`); otherwise each
    /// object follows the one-object law ax, ay of its own state (positions from the origin
    /// tracks.csv uses: the reference body, when there is one). nil for other documents.
    static func simulationFunction(_ doc: EquationsDocument, equations eqs: [Equation], format: Format) -> String? {
        guard format == .python || format == .swift else { return nil }
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "0.0" }
        if let i = doc.interaction, i.coupling != "none" || (i.field ?? "none") != "none" {
            let n = i.objects.count
            let c: [[Double]]
            switch i.coupling {
            case "pairs": c = i.pairConstants ?? []
            case "sources": c = (0..<n).map { _ in i.strengths.map { $0.value ?? 0 } }
            default: c = (0..<n).map { _ in [Double](repeating: 0, count: n) }
            }
            // each object's own field [e_x, e_y, ω] (a uniform g: the same e for all, ω = 0)
            let f: [[Double]]
            switch i.field ?? "none" {
            case "uniform": f = (0..<n).map { _ in (i.fieldConstants?.first ?? [0, 0]) + [0] }
            case "per-object": f = i.fieldConstants ?? []
            default: f = (0..<n).map { _ in [0, 0, 0] }
            }
            guard f.count == n, f.allSatisfy({ $0.count == 3 }) else { return nil }
            let fields = "[" + f.map { "[" + $0.map(number).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
            guard c.count == n, c.allSatisfy({ $0.count == n }) else { return nil }
            let table = "[" + c.map { "[" + $0.map(number).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
            if format == .python {
                return """
                    def accelerations(t, positions, velocities):
                        \"\"\"Accelerations, shape (N, 2), of the N = \(n) objects (\(i.objects.joined(separator: ", "))) at time t:
                        \(i.law), p = \(number(i.exponent)). Positions and velocities: shape (N, 2), physical units, y up.\"\"\"
                        c = \(table)
                        p = \(number(i.exponent))
                        e = \(fields)
                        n = len(positions)
                        out = [[e[i][0] + e[i][2] * float(velocities[i][1]), e[i][1] - e[i][2] * float(velocities[i][0])] for i in range(n)]
                        for i in range(n):
                            for j in range(n):
                                if j != i:
                                    dx = positions[j][0] - positions[i][0]
                                    dy = positions[j][1] - positions[i][1]
                                    f = c[i][j] * math.hypot(dx, dy) ** p
                                    out[i][0] += f * dx
                                    out[i][1] += f * dy
                        return _array(out)

                    """ + pythonArray
            }
            return """
                /// Accelerations of the N = \(n) objects (\(i.objects.joined(separator: ", "))) at time t:
                /// \(i.law), p = \(number(i.exponent)). Positions and velocities: N rows of (x, y), physical units, y up.
                func accelerations(t: Double, positions: [[Double]], velocities: [[Double]]) -> [[Double]] {
                    let c: [[Double]] = \(table)
                    let p = \(number(i.exponent))
                    let e: [[Double]] = \(fields)
                    var out = positions.indices.map { [e[$0][0] + e[$0][2] * velocities[$0][1], e[$0][1] - e[$0][2] * velocities[$0][0]] }
                    for i in positions.indices {
                        for j in positions.indices where j != i {
                            let dx = positions[j][0] - positions[i][0], dy = positions[j][1] - positions[i][1]
                            let f = c[i][j] * pow((dx * dx + dy * dy).squareRoot(), p)
                            out[i][0] += f * dx
                            out[i][1] += f * dy
                        }
                    }
                    return out
                }

                """
        }
        let frameVariables = ["t", "x", "y", "vx", "vy", "r"]
        guard eqs.contains(where: { $0.target == "ax" && $0.variables == frameVariables }),
              eqs.contains(where: { $0.target == "ay" && $0.variables == frameVariables }) else { return nil }
        let zero = doc.interaction.map { $0.coupling == "none" && ($0.field ?? "none") == "none" } ?? false
        let what = zero ? "no pairwise law was measurable between them (a_i = 0)" : "each object by the one-object law ax, ay of its own state"
        if format == .python {
            return """
                def accelerations(t, positions, velocities):
                    \"\"\"Accelerations, shape (N, 2), of N moving objects at time t: \(what).
                    Positions (from the origin tracks.csv uses) and velocities: shape (N, 2), physical units, y up.\"\"\"
                    out = []
                    for (x, y), (vx, vy) in zip(positions, velocities):
                        x, y, vx, vy = float(x), float(y), float(vx), float(vy)
                        out.append(\(zero ? "[0.0, 0.0]" : "[ax(t, x, y, vx, vy, math.hypot(x, y)), ay(t, x, y, vx, vy, math.hypot(x, y))]"))
                    return _array(out)

                """ + pythonArray
        }
        return """
            /// Accelerations of N moving objects at time t: \(what).
            /// Positions (from the origin tracks.csv uses) and velocities: N rows of (x, y), physical units, y up.
            func accelerations(t: Double, positions: [[Double]], velocities: [[Double]]) -> [[Double]] {
                zip(positions, velocities).map { (s, v) -> [Double] in
                    \(zero ? "return [0, 0]" : "let r = (s[0] * s[0] + s[1] * s[1]).squareRoot()\n            return [ax(t: t, x: s[0], y: s[1], vx: v[0], vy: v[1], r: r), ay(t: t, x: s[0], y: s[1], vx: v[0], vy: v[1], r: r)]")
                }
            }

            """
    }

    /// The Python helper both `accelerations` exports end with: a NumPy array when NumPy is
    /// there, else lists.
    static let pythonArray = """

        def _array(rows):
            try:
                import numpy
                return numpy.array(rows, dtype=float)
            except ImportError:
                return rows

        """

    static func renderEquations(_ eqs: [Equation], format: Format) throws -> String {
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
