import Discovery
import Formulas
import Foundation
import TestSupport
import Testing
@testable import Lab

@Suite struct ExportTests {
    /// Python and SymPy exports evaluate to the same numbers as Occam's evaluator.
    @Test(.enabled(if: ExternalTools.shouldRun(.sympy), "needs python3 with SymPy"))
    func pythonAndSympyExportsAgreeWithOccam() throws {
        try ExternalTools.require(.sympy)
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var csv = "q,B,m,omega\n"
        // Deterministic scattered values (a Weyl sequence), so every run fits the same table.
        func u(_ k: Int, _ a: Double) -> Double { (Double(k) * a).truncatingRemainder(dividingBy: 1) }
        for k in 1...30 {
            let q = 0.5 + 2.5 * u(k, 0.6180339887), b = 0.2 + 1.8 * u(k, 0.4142135623), m = 0.5 + 3.5 * u(k, 0.7320508075)
            csv += "\(q),\(b),\(m),\(1.3 * q * b / m + 0.2 * sin(q))\n"
        }
        try csv.write(toFile: "\(dir)/t.csv", atomically: true, encoding: .utf8)
        var options = DiscoverJob.Options(table: "\(dir)/t.csv", target: "omega", output: "\(dir)/run")
        options.search.maxSize = 5
        options.search.unary = [.sqrt, .sin, .inv]
        options.search.binary = [.add, .mul, .div, .pow]
        _ = try DiscoverJob.run(options)
        let eqs = try ExportJob.equations(runFolder: "\(dir)/run")
        #expect(eqs.count == 1)
        let points: [[Double]] = [[0.7, 1.1, 2.0], [2.5, 0.3, 0.9], [1.9, 1.7, 3.3]]
        let columns = (0..<3).map { c in points.map { $0[c] } }
        let ours = eqs[0].formula.evaluate(columns, rows: points.count)
        let python = try ExportJob.render(eqs, format: .python)
        let sympy = eqs[0].formula.sympyString(names: eqs[0].variables)
        let script = """
            import sys, json
            ns = {}
            exec(sys.argv[1], ns)
            points = json.loads(sys.argv[3])
            import sympy
            expr = sympy.sympify(sys.argv[2])
            syms = [sympy.Symbol(n) for n in ['q', 'B', 'm']]
            f = sympy.lambdify(syms, expr, 'math')
            for p in points:
                print(repr(ns['omega'](*p)), repr(float(f(*p))))
            """
        let (status, out) = ExternalTools.python(script, [python, sympy, "\(points)"])
        #expect(status == 0, "\(out)")
        let rows = out.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(rows.count == points.count, "\(out)")
        for (row, value) in zip(rows, ours) {
            #expect(row.count == 2)
            for v in row { #expect(abs(v - value) <= 1e-12 * max(1, abs(value)), "\(row) vs \(value)") }
        }
    }

    @Test func badRunFolderIsNamed() {
        #expect { _ = try ExportJob.equations(runFolder: "/nonexistent/run") } throws: { "\($0)".contains("equations.json: not found") }
    }
}

/// A column that is not there, or not numeric: the error names the numeric columns and those
/// left out as labels (a table whose every cell is text listed no columns at all).
@Suite struct TableColumnErrorTests {
    @Test func aMissingColumnNamesTheNumericAndTheTextColumns() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name,a,T\nMercury,0.387,0.241\nVenus,0.723,0.615\nEarth,1,1\n".write(toFile: "\(dir)/p.csv", atomically: true, encoding: .utf8)
        try "x,y\nlow,high\nlow,low\n".write(toFile: "\(dir)/text.csv", atomically: true, encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("p.csv", "P", "p.csv: no numeric column 'P' (numeric columns: a, T; not numeric: name)"),
            ("p.csv", "name", "p.csv: no numeric column 'name' (numeric columns: a, T; not numeric: name)"),
            ("text.csv", "y", "text.csv: no numeric column 'y' (numeric columns: none; not numeric: x, y)"),
        ]
        for (file, target, expected) in cases {
            var o = DiscoverJob.Options(table: "\(dir)/\(file)", target: target, output: "\(dir)/run")
            o.search.epochs = 0
            #expect { _ = try DiscoverJob.run(o) } throws: { "\($0)".contains(expected) }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/run"))
        }
    }
}

@Suite struct DiscoverUnitsTests {
    @Test func unitsFlagErrorsNameTheColumn() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name,a,T\nMercury,0.387,0.241\nVenus,0.723,0.615\nEarth,1,1\nMars,1.524,1.881\nJupiter,5.203,11.86\n"
            .write(toFile: "\(dir)/p.csv", atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            ("a=AU", "--units: column 'T' has no unit"),
            ("a=AU,T=fortnight", "--units: T: unit 'fortnight': unknown unit 'fortnight'"),
            ("a=AU,T=yr,b=m", "--units: no numeric column 'b'"),
        ]
        for (units, expected) in cases {
            var o = DiscoverJob.Options(table: "\(dir)/p.csv", target: "T", output: "\(dir)/run")
            o.units = try DiscoverJob.parseUnits(units)
            o.search.epochs = 0
            o.search.maxSize = 3
            #expect { _ = try DiscoverJob.run(o) } throws: { "\($0)".contains(expected) }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/run"))
        }
        #expect { _ = try DiscoverJob.parseUnits("a:AU") } throws: { "\($0)".contains("expected column=unit") }
        // With units, Kepler's law comes out as c·a^(3/2) (the constant carries yr/AU^(3/2)).
        var o = DiscoverJob.Options(table: "\(dir)/p.csv", target: "T", output: "\(dir)/run")
        o.units = try DiscoverJob.parseUnits("a=AU,T=yr")
        o.search.epochs = 3
        o.search.populations = 2
        o.search.populationSize = 12
        o.search.cyclesPerEpoch = 30
        o.search.maxSize = 6
        let outcome = try DiscoverJob.run(o)
        let t = outcome.result.best.formula.evaluate([[4.0]], rows: 1)[0]
        #expect(abs(t - 8) < 0.05, "\(outcome.result.best.formula.sympyString(names: ["a"]))")
    }
}

@Suite struct DiscoverTargetsTests {
    /// Two targets with one constant in common: both equations are written, the constant is
    /// listed as shared and carries one value, and export prints both functions.
    @Test func twoTargetsShareAConstant() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var csv = "x,u,v\n"
        for k in 1...30 {
            let x = 0.2 + 0.1 * Double(k)
            let e1 = 1 + 0.002 * sin(Double(k) * 1.7), e2 = 1 + 0.002 * cos(Double(k) * 2.3)
            csv += "\(x),\(2.437 * x * e1),\(2.437 * x * x * e2)\n"
        }
        try csv.write(toFile: "\(dir)/t.csv", atomically: true, encoding: .utf8)
        var o = DiscoverJob.Options(table: "\(dir)/t.csv", target: "u,v", output: "\(dir)/run")
        o.search.maxSize = 4
        o.search.epochs = 0
        o.search.unary = [.square, .sqrt]
        o.search.binary = [.mul, .add]
        let outcome = try DiscoverJob.run(o)
        #expect(outcome.chosen.count == 2 && outcome.joint?.shared.count == 1)
        #expect(outcome.chosen[0].formula.constants[0] == outcome.chosen[1].formula.constants[0])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/run/equations.json"))) as? [String: Any]
        #expect((json?["equations"] as? [[String: Any]])?.map { $0["target"] as? String } == ["u", "v"])
        #expect((json?["shared_constants"] as? [[[String: String]]])?.first?.map { $0["target"] } == ["u", "v"])
        let python = try ExportJob.render(try ExportJob.equations(runFolder: "\(dir)/run"), format: .python)
        #expect(python.contains("def u(x)") && python.contains("def v(x)"), "\(python)")
        // a target that is also named as an input is an error
        var bad = o
        bad.output = "\(dir)/run2"
        bad.inputs = ["x", "v"]
        #expect { _ = try DiscoverJob.run(bad) } throws: { "\($0)".contains("'v' is a target") }
    }
}

@Suite struct DiscoverDatasetsTests {
    /// Two tables (planets of two stars): one structure, T = c·a^(3/2), its constant fitted per
    /// table (c = 1/√M: 1 and 1/√1.21), reported as differing; export names each table's
    /// function; a table without the first one's inputs is named.
    @Test func twoTablesGiveOneLawWithConstantsPerTable() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, mass) in [("sun", 1.0), ("other", 1.21)] {
            var csv = "planet,a,T\n"
            for k in 0..<12 {
                let a = 0.3 + 0.45 * Double(k)
                let noise = 1 + 0.003 * sin(Double(k) * 2.1 + mass)
                csv += "p\(k),\(a),\(pow(a, 1.5) / mass.squareRoot() * noise)\n"
            }
            try csv.write(toFile: "\(dir)/\(name).csv", atomically: true, encoding: .utf8)
        }
        var o = DiscoverJob.Options(table: "\(dir)/sun.csv", target: "T", output: "\(dir)/run")
        o.moreTables = ["\(dir)/other.csv"]
        o.search.epochs = 0
        let outcome = try DiscoverJob.run(o)
        let eqs = outcome.chosen
        #expect(eqs.count == 2 && eqs[0].formula.program == eqs[1].formula.program)
        for (eq, c) in zip(eqs, [1.0, 1 / 1.1]) {
            let t = eq.formula.evaluate([[4.0]], rows: 1)[0]
            #expect(abs(t / (8 * c) - 1) < 0.01, "\(eq.formula.sympyString(names: ["a"]))")
        }
        #expect(outcome.notices.count == 2)   // the planet label column, per table
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/run/equations.json"))) as? [String: Any]
        #expect((json?["equations"] as? [[String: Any]])?.map { $0["dataset"] as? String } == ["sun", "other"])
        let constants = (json?["datasets"] as? [String: Any])?["constants"] as? [[String: Any]]
        #expect(constants?.contains { ($0["agree_within_3_sigma"] as? Bool) == false } == true, "\(String(describing: constants))")
        let python = try ExportJob.render(try ExportJob.equations(runFolder: "\(dir)/run"), format: .python)
        #expect(python.contains("def T_sun(a)") && python.contains("def T_other(a)"), "\(python)")
        // every table needs the first one's inputs
        try "b,T\n1,2\n2,3\n3,5\n4,6\n5,8\n6,9\n".write(toFile: "\(dir)/bad.csv", atomically: true, encoding: .utf8)
        var bad = o
        bad.output = "\(dir)/run2"
        bad.moreTables = ["\(dir)/bad.csv"]
        #expect { _ = try DiscoverJob.run(bad) } throws: { "\($0)".contains("bad.csv: no numeric column 'a'") }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/run2"))
    }
}
