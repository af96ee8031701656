import Foundation
import TestSupport
import Testing

@testable import Discovery
import Formulas

/// Buckingham π reduction (`DimensionlessGroups`) and the search over the groups, on tables the
/// tests draw themselves.
@Suite struct DimensionlessGroupsTests {
    func units(_ inputs: [String], target: String, strict: Bool = true) throws -> Units {
        Units(inputs: try inputs.map { try PhysicalDimension(unit: $0) }, target: try PhysicalDimension(unit: target),
              constantsCarryUnits: !strict)
    }

    /// A density falling off with height in a field (n₀, m, x, T, g, k): two groups, the
    /// shortest ones — m·g·x/(k·T) and n₀·x³ — and the target scaled by n₀.
    @Test func boltzmannHasTwoShortGroups() throws {
        let u = try units(["1/m^3", "kg", "m", "K", "m/s^2", "J/K"], target: "1/m^3")
        let g = try #require(DimensionlessGroups(units: u))
        #expect(g.scale == [1, 0, 0, 0, 0, 0])
        #expect(g.groups.count == 2)
        let energyRatio = [0, 1, 1, -1, 1, -1]
        #expect(g.groups.contains(energyRatio) || g.groups.contains(energyRatio.map { -$0 }), "\(g.groups)")
        for group in g.groups {
            var d = PhysicalDimension.none
            for (i, e) in group.enumerated() { d = d * u.inputs[i].power(Double(e)) }
            #expect(d.isDimensionless, "\(group)")
        }
    }

    /// No reduction where none exists: a period in years from a distance in AU needs a constant
    /// with units; inputs and target all dimensionless need none.
    @Test func noReductionWithoutAMonomial() throws {
        #expect(DimensionlessGroups(units: try units(["AU"], target: "yr")) == nil)
        #expect(DimensionlessGroups(units: try units(["1", "1"], target: "1")) == nil)
        // a monomial and no group at all: y = c·q⁴·m/(ε²h²), exponent 4 included
        let g = try #require(DimensionlessGroups(units: try units(["kg", "C", "J*s", "F/m"], target: "J")))
        #expect(g.groups.isEmpty && g.scale == [1, 4, -2, -2])
        // Kepler's period: the square root of a monomial, √(a³/GM)
        let kepler = try #require(DimensionlessGroups(units: try units(["AU", "AU^3/yr^2"], target: "yr")))
        #expect(kepler.groups.isEmpty && kepler.scale == [3, -1] && kepler.scaleRoot == 2)
    }

    /// A formula of the groups, restored in the inputs, gives Π x^p · f(π) on every row.
    @Test func restoredFormulaEqualsScaledGroupFormula() throws {
        let u = try units(["1/m^3", "kg", "m", "K", "m/s^2", "J/K"], target: "1/m^3")
        let g = try #require(DimensionlessGroups(units: u))
        var rng = SeededLCG(seed: 5)
        let x = (0..<6).map { _ in (0..<20).map { _ in 1 + 4 * rng.unit() } }
        let y = (0..<20).map { r in x[0][r] * exp(-x[1][r] * x[4][r] * x[2][r] / (x[5][r] * x[3][r])) }
        let reduced = try #require(g.reduce(inputs: x, target: y))
        let f = ExpressionTree.binary(.add, .unary(.sin, .variable(0)), .binary(.mul, .constant(0.5), .variable(1)))
        let inGroups = f.formula.evaluate(reduced.inputs, rows: 20)
        let restored = g.restore(f).formula.evaluate(x, rows: 20)
        for r in 0..<20 {
            let scale = x[0][r]
            #expect(abs(restored[r] - scale * inGroups[r]) <= 1e-12 * abs(restored[r]) + 1e-300)
        }
    }

    /// Boltzmann's law from six inputs, with strict units: the search over one group finds
    /// exp(−c·π), clean and at 1 % noise. Every formula on the front is dimensionally consistent.
    @Test(arguments: [0.0, 0.01])
    func boltzmannLawFromUnits(noise: Double) throws {
        var rng = SeededLCG(seed: 11)
        let rows = 80
        let x = (0..<6).map { _ in (0..<rows).map { _ in 1 + 4 * rng.unit() } }
        var y = (0..<rows).map { r in x[0][r] * exp(-x[1][r] * x[4][r] * x[2][r] / (x[5][r] * x[3][r])) }
        if noise > 0 {
            // relative noise: the target spans dozens of decades
            y = y.map { v in
                let gauss = (-2 * log(max(rng.unit(), 1e-300))).squareRoot() * cos(2 * Double.pi * rng.unit())
                return v * (1 + noise * gauss)
            }
        }
        var o = SearchOptions()
        o.units = try units(["1/m^3", "kg", "m", "K", "m/s^2", "J/K"], target: "1/m^3")
        o.epochs = 0
        o.maxSize = 8
        let r = try Search.run(inputs: x, target: y, options: o)
        let names = ["n0", "m", "x", "T", "g", "k"]
        let text = r.best.formula.sympyString(names: names)
        // the law off the sampled rows: n0 = 2, m·g·x/(k·T) = 0.3
        let off = r.best.formula.evaluate([[2], [1.5], [0.5], [2], [4], [5]], rows: 1)[0]
        #expect(abs(off / (2 * exp(-0.3)) - 1) < (noise > 0 ? 0.02 : 1e-9), "\(text)")
        for c in r.front { #expect(o.units.accepts(c.formula), "\(c.formula.sympyString(names: names))") }
    }

    /// A target over dozens of decades without units: n₀·exp(−m·x/T) from three inputs and a
    /// scale, where relative residuals make every partial formula look equally bad; searched as
    /// ln y it is a sum, and the law comes back as exp(…). Clean and at 1 % (relative) noise.
    @Test(arguments: [0.0, 0.01])
    func manyDecadesAreSearchedAsLogarithm(noise: Double) throws {
        var rng = SeededLCG(seed: 17)
        let rows = 80
        let x = (0..<4).map { k in (0..<rows).map { _ in k == 3 ? 0.5 + 1.5 * rng.unit() : 1 + 4 * rng.unit() } }
        var y = (0..<rows).map { r in x[0][r] * exp(-x[1][r] * x[2][r] / x[3][r]) }
        if noise > 0 {
            y = y.map { v in v * (1 + noise * (-2 * log(max(rng.unit(), 1e-300))).squareRoot() * cos(2 * Double.pi * rng.unit())) }
        }
        #expect(y.max()! / y.min()! > 1e6)
        let r = try Search.run(inputs: x, target: y, options: .short(epochs: 6))
        let text = r.best.formula.sympyString(names: ["n0", "m", "x", "T"])
        let off = r.best.formula.evaluate([[2], [0.5], [3], [6]], rows: 1)[0]
        #expect(abs(off / (2 * exp(-0.25)) - 1) < (noise > 0 ? 0.02 : 1e-9), "\(text)")
    }

    /// sin(2π·x)² over four periods: the frequency is out of reach from the usual starting
    /// values (1, 2), and the fitter's frequency starts reach it.
    @Test func highFrequencyIsFitted() throws {
        var rng = SeededLCG(seed: 3)
        let x = (0..<60).map { _ in 0.25 + 3.75 * rng.unit() }
        let y = x.map { pow(sin(2 * Double.pi * $0), 2) }
        let f = ExpressionTree.unary(.square, .unary(.sin, .binary(.mul, .constant(1), .variable(0)))).formula
        let fit = try #require(ConstantFitter.fit(f, columns: [x], target: y))
        #expect(abs(abs(fit.constants[0]) - 2 * Double.pi) < 1e-6, "\(fit.constants)")
    }
}
