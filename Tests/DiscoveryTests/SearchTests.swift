import Foundation
import TestSupport
import Testing
@testable import Discovery
import Formulas

/// Small recovery problems, sized for debug builds (the full suite belongs in bench/sr).
@Suite struct SearchTests {
    /// Inputs and noise from seeded generators, so the data are the same on every run (the
    /// inputs came from the system generator before: each run drew other tables).
    func data(_ n: Int, seed: UInt64, noise: Double, _ make: (inout SeededLCG) -> ([Double], Double)) -> ([[Double]], [Double]) {
        var g = SeededLCG(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
        var noiseSource = SeededLCG(seed: seed)
        var xs: [[Double]] = [], ys: [Double] = []
        for _ in 0..<n {
            let (x, y) = make(&g)
            xs.append(x)
            ys.append(y * (1 + noise * noiseSource.gaussian()))
        }
        let columns = (0..<xs[0].count).map { c in xs.map { $0[c] } }
        return (columns, ys)
    }

    var small: SearchOptions {
        var o = SearchOptions()
        o.maxSize = 5
        o.unary = [.sqrt, .square, .inv]
        o.binary = [.add, .sub, .mul, .div, .pow]
        return o
    }

    /// Kepler's third law in AU and years with a fitted constant 2π/√(GM) = 1 for M☉ — use
    /// days instead so the constant is not 1: T[d] = 365.25·a^(3/2).
    @Test(arguments: [0.0, 0.01])
    func keplersThirdLaw(noise: Double) throws {
        let (x, y) = data(40, seed: 3, noise: noise) { _ in
            let a = Double.random(in: 0.3...30, using: &lcgSource)
            return ([a], 365.25 * pow(a, 1.5))
        }
        let r = try Search.run(inputs: x, target: y, options: small)
        // The chosen formula predicts like c·a^1.5 with c within 1 %.
        let test: [[Double]] = [[1.0, 4.0, 9.0]]
        let predicted = r.best.formula.evaluate(test, rows: 3)
        for (p, a) in zip(predicted, [1.0, 4.0, 9.0]) {
            #expect(abs(p / (365.25 * pow(a, 1.5)) - 1) < 0.01, "\(r.best.formula.sympyString(names: ["a"]))")
        }
        #expect(r.best.complexity <= 5, "\(r.front.map { "\($0.formula.sympyString(names: ["a"])) \($0.bits.total)" })")
    }

    /// Constants far beyond any fraction (3·10¹⁹) go through the snapping step without a trap
    /// (Int(3e19) crashed a sweep run), and small rationals do snap: y = 2·x exactly.
    @Test func hugeConstantsAndExactFactors() throws {
        var o = small
        o.epochs = 0
        let xs = (1...30).map { Double($0) * 0.1 }
        let huge = try Search.run(inputs: [xs], target: xs.map { 3e19 * $0 * (1 + 0.001 * sin($0 * 7)) }, options: o)
        #expect(abs(huge.best.formula.evaluate([[1.0]], rows: 1)[0] / 3e19 - 1) < 0.01)
        let exact = try Search.run(inputs: [xs], target: xs.map { 2 * $0 }, options: o)
        #expect(exact.best.formula.constantCount == 0 || !exact.best.formula.fixedConstants.isEmpty,
                "\(exact.best.formula.sympyString(names: ["x"]))")
    }

    @Test func cyclotronFrequency() throws {
        let (x, y) = data(60, seed: 5, noise: 0.01) { _ in
            let q = Double.random(in: 0.5...3, using: &lcgSource), b = Double.random(in: 0.2...2, using: &lcgSource)
            let m = Double.random(in: 0.5...4, using: &lcgSource)
            return ([q, b, m], q * b / m)
        }
        let r = try Search.run(inputs: x, target: y, options: small)
        let check = r.best.formula.evaluate([[2.0], [1.5], [3.0]], rows: 1)[0]
        #expect(abs(check - 1.0) < 0.01, "\(r.best.formula.sympyString(names: ["q", "B", "m"]))")
        // The front is ordered by complexity and strictly improving in error.
        for (a, b) in zip(r.front, r.front.dropFirst()) where b.formula != r.best.formula {
            #expect(a.complexity < b.complexity)
        }
    }

    @Test func formulaStringsParseAsTheSameFunction() throws {
        // c0*x/(x**2 + y**2)**c1 in postfix
        let f = Formula(tokens: [Token(.constant, 0), Token(.variable, 0), .init(.mul), Token(.variable, 0), .init(.square),
                                 Token(.variable, 1), .init(.square), .init(.add), Token(.constant, 1), .init(.pow), .init(.div)],
                        constants: [-39.47, 1.5])
        #expect(f.sympyString(names: ["x", "y"]) == "(-39.47)*x/(x**2 + y**2)**(3/2)")
        let v = f.evaluate([[1.0, 0.5], [0.0, 0.5]], rows: 2)
        #expect(abs(v[0] + 39.47) < 1e-12)
        #expect(abs(v[1] - (-39.47 * 0.5 / pow(0.5, 1.5))) < 1e-9)
    }

    /// Reciprocals print the way a person writes them, and the printed text is the same function.
    @Test func reciprocalsPrintPlainly() throws {
        let names = ["q", "B", "m", "vy"]
        for (program, text) in [("x2 inv x0 x1 mul inv div", "q*B/m"),          // 1/m/(1/(q*B))
                                ("c0 x3 neg div inv", "(-vy)/(-3/2)"),           // 1/(c/(-vy))
                                ("x0 x2 inv mul x1 inv mul", "q/m/B"),          // q*(1/m)*(1/B)
                                ("x0 inv inv x1 x2 mul inv div", "q*(B*m)")] {  // 1/(1/q)/(1/(B*m))
            let f = try #require(Formula(program: program, constants: [-1.5]))
            let printed = f.sympyString(names: names)
            #expect(printed == text, "\(program)")
            let parsed = try Formula.parse(printed, variables: names).formula
            let columns = [[2.0, -0.7], [0.3, 1.9], [1.7, 0.4], [-0.6, 2.2]]
            for (a, b) in zip(f.evaluate(columns, rows: 2), parsed.evaluate(columns, rows: 2)) {
                #expect(abs(a - b) <= 1e-12 * abs(a), "\(program) → \(printed): \(a) vs \(b)")
            }
        }
    }

    /// A negative number's sign moves into the operator; a named constant keeps its sign.
    @Test func negativeNumbersPrintAsSubtraction() throws {
        let names = ["vx", "vy"]
        // c0 - c1*vy and c0 + c1*(-vx), c1 = -1.6
        let a = try #require(Formula(program: "c0 c1 x1 mul sub", constants: [0.3, -1.6]))
        let b = try #require(Formula(program: "c0 c1 x0 neg mul add", constants: [0.64, -1.6]))
        #expect(a.sympyString(names: names) == "0.3 + (8/5)*vy")
        #expect(b.sympyString(names: names) == "0.64 + (8/5)*vx")
        #expect(a.text(names: names, constantNames: [nil, "k"]) == "0.3 - k*vy")
        let columns = [[0.5, -2.0], [1.5, 0.25]]
        for f in [a, b] {
            let parsed = try Formula.parse(f.sympyString(names: names), variables: names).formula
            #expect(f.evaluate(columns, rows: 2) == parsed.evaluate(columns, rows: 2))
        }
    }

    /// The canonical form keeps x + x (bench/discover's E×B printed `ax = vy + vy`); the
    /// printed text says 2*vy, and parses back to the same function.
    @Test func sumsOfTheSameTermPrintAsProducts() throws {
        let names = ["vx", "vy"]
        let f = try #require(Formula(program: "x1 x1 add c0 x0 mul add", constants: [0.3]))
        #expect(f.sympyString(names: names) == "2*vy + 0.3*vx")
        let parsed = try Formula.parse(f.sympyString(names: names), variables: names).formula
        let columns = [[0.5, -2.0], [1.5, 0.25]]
        #expect(f.evaluate(columns, rows: 2) == parsed.evaluate(columns, rows: 2))
    }

    @Test func badTablesNameRowAndColumn() {
        let cases: [(String, String)] = [
            ("a,T\n1,2\n2,\n", "row 3, column 'T': missing value"),
            ("a,T\n1,2\n2,x\n3,4\n", "row 3, column 'T': not a number"),
            ("a,T\n1,2\n2,nan\n", "row 3, column 'T': NaN"),
            ("a,T\n1,2\n2,inf\n", "infinite"),
            ("a,T\n1,2\n2\n", "row 3 has 1 values"),
            // Comment lines are skipped; row numbers stay the file's line numbers.
            ("# units: AU\na,T\n# note\n1,2\n\n2,\n", "row 6, column 'T': missing value"),
            ("", "empty file"),
        ]
        for (text, expected) in cases {
            #expect { _ = try Table(text: text, name: "t.csv") } throws: { "\($0)".contains(expected) && "\($0)".hasPrefix("t.csv") }
        }
        let labelled = try? Table(text: "name\ta\tT\nMercury\t0.39\t0.24\nVenus\t0.72\t0.62\n", name: "p.tsv")
        #expect(labelled?.labelColumns == ["name"] && labelled?.names == ["a", "T"])
    }

    /// An evolution that leaves the rows unexplained (pure noise) runs once more on another
    /// path, so more formulas are fitted; one whose best explains the rows (a·b at 1 % noise)
    /// does not, and fits exactly as many as without restarts.
    @Test func evolutionRestartsOnlyWhenTheRowsAreUnexplained() throws {
        var rng = SeededLCG(seed: 61)
        let x = (0..<2).map { _ in (0..<100).map { _ in 1 + 4 * rng.unit() } }
        let noise = (0..<100).map { _ in rng.gaussian() }
        var once = SearchOptions.short()
        once.restarts = 0
        let a = try Search.run(inputs: x, target: noise, options: once), b = try Search.run(inputs: x, target: noise, options: .short())
        #expect(b.evaluated > a.evaluated)
        let (x2, y2) = drawnTable(2, noise: 0.01, seed: 67) { v in v[0] * v[1] }
        let c = try Search.run(inputs: x2, target: y2, options: once), d = try Search.run(inputs: x2, target: y2, options: .short())
        #expect(c.evaluated == d.evaluated)
        #expect(d.best.formula.sympyString(names: ["a", "b"]).contains("a*b"))
    }

    /// The polish drops a factor snapped to 1 and writes x + (−1)·y as x − y: 3 + (−1)·x²
    /// fitted to the rows of 3 − x² comes back as 3 − x², four nodes instead of six.
    @Test func snappedNeutralFactorsAreDropped() throws {
        let x = [(0..<40).map { 1 + Double($0) / 80 }]
        let y = x[0].map { 3 - $0 * $0 }
        let long = ExpressionTree.binary(.add, .constant(3.0001), .binary(.mul, .constant(-0.9999), .unary(.square, .variable(0)))).formula
        let alphabet = SearchOptions().alphabet(variables: 1)
        let scored = try #require(DescriptionLength.score(long, columns: x, target: y, weights: nil, alphabet: alphabet, starts: [long.constants]))
        #expect(scored.complexity == 6)
        let polished = Polish(inputs: x, target: y, weights: nil, alphabet: alphabet, units: nil).apply(to: [scored])
        let best = try #require(polished.min { $0.bits.total < $1.bits.total })
        #expect(best.complexity == 4, "\(best.formula.sympyString(names: ["x"]))")
        #expect(best.formula.sympyString(names: ["x"]).replacingOccurrences(of: " ", with: "") == "3-x**2")
    }
}

/// Seeded generator for the test data.
nonisolated(unsafe) var lcgSource = SeededGenerator(state: 12345)
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state ^ (state >> 29)
    }
}

@Suite struct ParseTests {
    @Test func infixFormulasEvaluateLikeTheirText() throws {
        let x = [1.5, 2.0, -0.5], y = [0.3, -1.0, 2.0]
        func kepler(_ a: Double, _ b: Double) -> Double { -2 * a / pow(a * a + b * b, 1.5) }
        func linear(_ a: Double, _ b: Double) -> Double { 2 * a - 3 * b + 0.1 }
        func negSquare(_ a: Double, _ b: Double) -> Double { -(a * a) }
        func functions(_ a: Double, _ b: Double) -> Double { abs(a).squareRoot() * cos(b) / 2 }
        func leftAssociative(_ a: Double, _ b: Double) -> Double { a - b - 1 }
        let cases: [(String, (Double, Double) -> Double)] = [
            ("-k*x/(x^2 + y**2)^1.5", kepler),
            ("2*x - 3*y + 1e-1", linear),
            ("-x^2", negSquare),
            ("sqrt(abs(x)) * cos(y) / k", functions),
            ("x - y - 1", leftAssociative),
        ]
        for (text, f) in cases {
            let parsed = try Formula.parse(text, variables: ["x", "y"])
            var constants = parsed.formula.constants
            for k in parsed.freeConstants { constants[k] = 2 }
            let values = parsed.formula.evaluate([x, y], rows: 3, constants: constants)
            for i in 0..<3 { #expect(abs(values[i] - f(x[i], y[i])) < 1e-12, "\(text) at row \(i)") }
        }
        let shared = try Formula.parse("k*x + k*y + c", variables: ["x", "y"])
        #expect(shared.constantNames.compactMap { $0 } == ["k", "c"])
        #expect { _ = try Formula.parse("x +", variables: ["x"]) } throws: { "\($0)".contains("ends too early") }
        #expect { _ = try Formula.parse("x ) + 1", variables: ["x"]) } throws: { "\($0)".contains("unexpected ')'") }
    }
}

/// Functions outside the default set, on request: a search given asin finds an arcsine law
/// on a table this test draws; a name the search does not know is refused by name.
@Suite struct ExtraFunctionTests {
    @Test func arcsineLawWithAsinRequested() throws {
        var g = SeededLCG(seed: 21)
        let n = 60
        let a = (0..<n).map { _ in 0.1 + 0.8 * g.unit() }, b = (0..<n).map { _ in 1 + 2 * g.unit() }
        let y = zip(a, b).map { asin($0 / $1) }   // an angle from a ratio of lengths
        var o = SearchOptions()
        o.maxSize = 5
        o.epochs = 0
        o.unary = try SearchOptions.unaryOperators("+asin", adding: o.unary)
        let r = try Search.run(inputs: [a, b], target: y, options: o)
        let text = r.best.formula.sympyString(names: ["a", "b"])
        #expect(text.contains("asin(") && r.best.mse < 1e-20, "\(text)")
        #expect(o.unary.contains(.sqrt) && o.unary.last == .asin)
    }

    @Test func unknownFunctionsAreNamed() {
        #expect(throws: DiscoveryError.self) { _ = try SearchOptions.unaryOperators("sqrt,arcsinh", adding: []) }
        #expect((try? SearchOptions.unaryOperators("arccos, TANH", adding: [])) == [.acos, .tanh])
    }
}
