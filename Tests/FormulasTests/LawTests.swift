import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Formulas
import TestSupport
import Testing

@Suite struct LawTests {
    /// Holding a law's named constants makes them literals at the given values: nothing is left
    /// to fit, the law evaluates as before at those values, and a missing value is refused.
    @Test func holdingNamedConstantsMakesThemLiterals() throws {
        let law = try Law(text: "ax = k*x/r^3 + g*0; ay = k*y/r^3 + g")
        let held = try #require(law.holding(["k": -4.5, "g": 0.25]))
        #expect(held.names.isEmpty)
        let columns: [[Double]] = [[0, 1], [1, -2], [0.5, 3], [0, 0], [0, 0], [(1.25).squareRoot(), (13.0).squareRoot()]]
        let before = law.acceleration(columns, rows: 2, values: law.names.map { $0 == "k" ? -4.5 : 0.25 })
        let after = held.acceleration(columns, rows: 2, values: [])
        #expect(before == after)
        #expect(try Law(text: held.text).acceleration(columns, rows: 2, values: []) == after, "its text reads back")
        #expect(law.holding(["k": -4.5]) == nil)
    }

    /// A law read from text keeps the user's notation and evaluates with its named constants
    /// (shared between the components) and literals.
    @Test func readLawEvaluatesWithNamedConstants() throws {
        let law = try Law(text: "ax = -k*x/r^3; ay = -k*y/(r^(3/2))^2")
        #expect(law.text == "ax = -k*x/r^3; ay = -k*y/(r^(3/2))^2")
        #expect(law.names == ["k"])
        let x = 3.0, y = 4.0, r = 5.0, k = 2.5
        let a = law.acceleration([[0], [x], [y], [0], [0], [r]], rows: 1, values: [k])
        #expect(abs(a[0][0] - (-k * x / pow(r, 3))) < 1e-12)
        #expect(abs(a[1][0] - (-k * y / pow(r, 3))) < 1e-12)
    }

    /// A law built from formulas prints as text that reads back to the same function.
    @Test func builtLawReadsBackToTheSameFunction() throws {
        let ax = try Formula.parse("c*x*r^(-3/2) + d*sin(vx)", variables: Law.variables)
        let ay = try Formula.parse("c*y*r^(-1.5) + e*exp(-vy)", variables: Law.variables)
        let law = Law(formulas: [ax.formula, ay.formula], constantNames: [ax.constantNames, ay.constantNames])
        let back = try Law(text: law.text)
        #expect(back.names == law.names)
        var random = SeededLCG(seed: 7)
        func unit() -> Double { random.unit() }
        let rows = 50
        let columns = (0..<6).map { _ in (0..<rows).map { _ in 0.5 + 2 * unit() } }
        let values = law.names.map { _ in -1 + 2 * unit() }
        for (p, q) in zip(law.acceleration(columns, rows: rows, values: values), back.acceleration(columns, rows: rows, values: values)) {
            for (u, v) in zip(p, q) { #expect(abs(u - v) <= 1e-12 * max(1, abs(u))) }
        }
    }

    @Test(arguments: [("ax = -k*x", "give both"), ("ax = (x; ay = y", "missing ')'"), ("az = x; ay = y", "expected 'ax = …"),
                      ("ax = foo(x); ay = y", "unknown function 'foo'")])
    func badLawsAreNamed(text: String, expected: String) {
        #expect { _ = try Law(text: text) } throws: { error in
            let message = "\(error)"
            return message.contains(expected) && !message.contains("\n")
        }
    }
}

@Suite struct MathMLTests {
    /// Parses as XML; returns the element names in document order.
    func elements(_ markup: String) -> [String]? {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { names.append(name) }
        }
        let parser = XMLParser(data: Data("<math>\(markup)</math>".utf8))
        let collector = Collector()
        parser.delegate = collector
        return parser.parse() ? collector.names : nil
    }

    /// The chosen law is typeset, not shown as source: fractions, powers, roots and functions
    /// become their MathML elements, and the markup is well-formed.
    @Test func formulasBecomeWellFormedMathML() throws {
        let names = Law.variables
        let cases: [(String, [String])] = [
            ("-k*x/r^3", ["mfrac", "msup"]),
            ("sqrt(x^2 + y^2)", ["msqrt", "msup"]),
            ("exp(-t)*sin(vx)", ["msup", "mi"]),
            ("x^(3/2)", ["msup", "mfrac"]),
            ("abs(vx) - 1.5e-7*y", ["mo", "mn"]),
        ]
        for (text, expected) in cases {
            let parsed = try Formula.parse(text, variables: names)
            let markup = parsed.formula.mathML(names: names, constantNames: parsed.constantNames)
            let found = try #require(elements(markup), "\(text): not well-formed: \(markup)")
            for e in expected { #expect(found.contains(e), "\(text): no <\(e)> in \(markup)") }
        }
        // a negative exponent is raised as it is (r^−3), a negative factor bracketed
        let inverse = try Formula.parse("-2.5*r^(-3)", variables: names)
        let markup = inverse.formula.mathML(names: names, constantNames: inverse.constantNames)
        #expect(markup.contains("<msup><mi>r</mi><mrow><mo form=\"prefix\">&#x2212;</mo><mn>3</mn></mrow></msup>"), "\(markup)")
        // as the search writes it: a constant −3 in the exponent, a constant −2.7 in front
        let searched = Formula(tokens: [Token(.constant, 0), Token(.variable, 5), Token(.constant, 1), Token(.pow), Token(.mul)],
                               constants: [-2.7, -3])
        let typeset = searched.mathML(names: names)
        #expect(typeset.contains("<msup><mi>r</mi><mrow><mo form=\"prefix\">&#x2212;</mo><mn>3</mn></mrow></msup>"), "\(typeset)")
        #expect(typeset.contains("<mo>(</mo><mo form=\"prefix\">&#x2212;</mo><mn>2.7</mn><mo>)</mo>"), "\(typeset)")
        // a named constant with a number is a subscript: k1 → k₁
        let k1 = try Formula.parse("k1*x", variables: names)
        #expect(k1.formula.mathML(names: names, constantNames: k1.constantNames).contains("<msub><mi>k</mi><mn>1</mn></msub>"))
    }
}
