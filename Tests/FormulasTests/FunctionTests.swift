import Foundation
import Formulas
import TestSupport
import Testing

/// The inverse trigonometric and hyperbolic functions: evaluated as libm does, read from the
/// names people write (asin or arcsin), printed so SymPy, Python, Swift, LaTeX and MathML read
/// them, dimensionless arguments only.
@Suite struct FunctionTests {
    @Test(arguments: ["asin", "arccos", "atan", "tanh", "sinh", "cosh"])
    func evaluatesAsLibm(name: String) throws {
        let f: (Double) -> Double
        switch name {
        case "asin": f = { asin($0) }
        case "arccos": f = { acos($0) }
        case "atan": f = { atan($0) }
        case "tanh": f = { tanh($0) }
        case "sinh": f = { sinh($0) }
        default: f = { cosh($0) }
        }
        let parsed = try Formula.parse("2*\(name)(x)", variables: ["x"])
        let xs = stride(from: -0.95, through: 0.95, by: 0.1).map { $0 }
        let values = parsed.formula.evaluate([xs], rows: xs.count)
        for (x, v) in zip(xs, values) { #expect(v == 2 * f(x), "\(name) at \(x)") }
    }

    @Test func printsForEveryReader() throws {
        let f = try Formula.parse("asin(x/2) + tanh(y) - atan(x*y)", variables: ["x", "y"]).formula
        let names = ["x", "y"]
        #expect(f.sympyString(names: names).contains("asin(") && f.sympyString(names: names).contains("tanh("))
        #expect(f.text(.python, names: names).contains("math.asin(") && f.text(.python, names: names).contains("math.atan("))
        #expect(f.text(.swift, names: names).contains("asin(") && !f.text(.swift, names: names).contains("math."))
        #expect(f.latex(names: names).contains("\\arcsin\\left(") && f.latex(names: names).contains("\\tanh\\left("))
        #expect(f.mathML(names: names).contains("<mi>arcsin</mi>") && f.mathML(names: names).contains("<mi>arctan</mi>"))
        // the printed text reads back to the same function, and so does the postfix program
        let back = try Formula.parse(f.sympyString(names: names), variables: names).formula
        let again = Formula(program: f.program, constants: f.constants)
        var random = SeededLCG(seed: 5)
        let columns = (0..<2).map { _ in (0..<20).map { _ in -0.9 + 1.8 * random.unit() } }
        #expect(back.evaluate(columns, rows: 20) == f.evaluate(columns, rows: 20))
        #expect(again?.evaluate(columns, rows: 20) == f.evaluate(columns, rows: 20))
    }

    @Test func argumentsMustBeDimensionless() throws {
        let metre = try PhysicalDimension(unit: "m")
        let units = Units(inputs: [metre, metre], target: PhysicalDimension())
        let ok = try Formula.parse("asin(x/y)", variables: ["x", "y"]).formula
        let bad = try Formula.parse("asin(x)", variables: ["x", "y"]).formula
        #expect(units.accepts(ExpressionTree(ok)!))
        #expect(!units.accepts(ExpressionTree(bad)!))
    }
}
