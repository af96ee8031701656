import Foundation

/// Physical dimension as exponents of the SI base quantities (length, mass, time, current,
/// temperature, amount, luminous intensity).
public struct PhysicalDimension: Equatable, Sendable, CustomStringConvertible {
    public var exponents: [Double]
    public static let symbols = ["m", "kg", "s", "A", "K", "mol", "cd"]
    public init(_ exponents: [Double] = [0, 0, 0, 0, 0, 0, 0]) { self.exponents = exponents }
    public static let none = PhysicalDimension()
    static func base(_ i: Int) -> PhysicalDimension { var d = PhysicalDimension(); d.exponents[i] = 1; return d }
    public var isDimensionless: Bool { exponents.allSatisfy { abs($0) < 1e-9 } }
    public static func * (a: PhysicalDimension, b: PhysicalDimension) -> PhysicalDimension { PhysicalDimension(zip(a.exponents, b.exponents).map { $0 + $1 }) }
    public static func / (a: PhysicalDimension, b: PhysicalDimension) -> PhysicalDimension { PhysicalDimension(zip(a.exponents, b.exponents).map { $0 - $1 }) }
    public func power(_ p: Double) -> PhysicalDimension { PhysicalDimension(exponents.map { $0 * p }) }
    public static func == (a: PhysicalDimension, b: PhysicalDimension) -> Bool {
        zip(a.exponents, b.exponents).allSatisfy { abs($0 - $1) < 1e-9 }
    }
    public var description: String {
        let parts = zip(Self.symbols, exponents).filter { abs($0.1) > 1e-9 }.map { s, e in
            e == 1 ? s : "\(s)^\(e == e.rounded() ? String(Int(e)) : String(format: "%g", e))"
        }
        return parts.isEmpty ? "1" : parts.joined(separator: "·")
    }

    /// Units a user writes: SI base and derived units and common astronomical and time units,
    /// combined with `*`, `/`, `^` and parentheses, e.g. `km/s`, `m^3/(kg*s^2)`, `AU`, `1`.
    /// Only the dimension matters here: fitted constants absorb the scale.
    public init(unit text: String) throws {
        var p = UnitParser(text: text)
        self = try p.parse()
    }

    static let units: [String: PhysicalDimension] = {
        let L = base(0), M = base(1), T = base(2), I = base(3), K = base(4), N = base(5), J = base(6)
        var u: [String: PhysicalDimension] = [:]
        for n in ["m", "km", "cm", "mm", "um", "µm", "nm", "AU", "au", "pc", "kpc", "Mpc", "ly", "px", "Rsun", "Rearth"] { u[n] = L }
        for n in ["s", "ms", "us", "µs", "ns", "min", "h", "hr", "d", "day", "days", "yr", "year", "years", "frame", "frames"] { u[n] = T }
        for n in ["kg", "g", "mg", "Msun", "Mearth", "Mjup", "u"] { u[n] = M }
        u["A"] = I; u["K"] = K; u["mol"] = N; u["cd"] = J
        u["Hz"] = T.power(-1)
        u["N"] = M * L / T.power(2)
        u["J"] = M * L.power(2) / T.power(2); u["eV"] = u["J"]; u["erg"] = u["J"]
        u["W"] = u["J"]! / T
        u["Pa"] = u["N"]! / L.power(2)
        u["C"] = I * T
        u["V"] = u["W"]! / I
        u["T"] = M / (T.power(2) * I)  // tesla
        u["G"] = u["T"]  // gauss
        u["Ohm"] = u["V"]! / I
        u["F"] = u["C"]! / u["V"]!
        u["e"] = u["C"]
        for n in ["1", "rad", "deg", "sr", "dimensionless"] { u[n] = PhysicalDimension() }
        return u
    }()
}

struct UnitParser {
    let text: String
    var chars: [Character]
    var i = 0
    init(text: String) {
        self.text = text
        chars = Array(text.replacingOccurrences(of: "·", with: "*").filter { !$0.isWhitespace })
    }

    mutating func parse() throws -> PhysicalDimension {
        guard !chars.isEmpty else { throw FormulaError("empty unit") }
        let d = try product()
        if i < chars.count { throw FormulaError("unit '\(text)': unexpected '\(chars[i])'") }
        return d
    }

    mutating func product() throws -> PhysicalDimension {
        var d = try factor()
        while i < chars.count, chars[i] == "*" || chars[i] == "/" {
            let op = chars[i]
            i += 1
            let f = try factor()
            d = op == "*" ? d * f : d / f
        }
        return d
    }

    mutating func factor() throws -> PhysicalDimension {
        var d: PhysicalDimension
        if i < chars.count, chars[i] == "(" {
            i += 1
            d = try product()
            guard i < chars.count, chars[i] == ")" else { throw FormulaError("unit '\(text)': missing ')'") }
            i += 1
        } else {
            var name = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "µ" {
                name.append(chars[i])
                i += 1
            }
            guard !name.isEmpty else {
                throw FormulaError("unit '\(text)': expected a unit name\(i < chars.count ? " at '\(chars[i])'" : "")")
            }
            guard let u = PhysicalDimension.units[name] else {
                let known = PhysicalDimension.units.keys.sorted().joined(separator: " ")
                throw FormulaError("unit '\(text)': unknown unit '\(name)' (known: \(known))")
            }
            d = u
        }
        if i < chars.count, chars[i] == "^" || (chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "*") {
            i += chars[i] == "^" ? 1 : 2
            var number = ""
            // m^2, m^-1, m^1.5, or a fraction in parentheses: m^(1/2)
            let parenthesised = i < chars.count && chars[i] == "("
            if parenthesised { i += 1 }
            while i < chars.count, chars[i].isNumber || chars[i] == "-" || chars[i] == "." || (parenthesised && chars[i] == "/") {
                number.append(chars[i])
                i += 1
            }
            if parenthesised {
                guard i < chars.count, chars[i] == ")" else { throw FormulaError("unit '\(text)': missing ')'") }
                i += 1
            }
            let parts = number.split(separator: "/")
            guard let num = parts.first.flatMap({ Double($0) }), parts.count <= 2 else {
                throw FormulaError("unit '\(text)': bad exponent '\(number)'")
            }
            let den = parts.count == 2 ? Double(parts[1]) ?? 0 : 1
            guard den != 0 else { throw FormulaError("unit '\(text)': bad exponent '\(number)'") }
            d = d.power(num / den)
        }
        return d
    }
}

/// Dimensional analysis of candidate formulas.
///
/// Every input column and the target carry a dimension. Sums and differences need equal
/// dimensions, the arguments of exp, log, sin and cos must be dimensionless, and the formula's
/// dimension must be the target's. Constants are either dimensionless (`constantsCarryUnits`
/// false: strict) or carry whatever dimension makes the formula consistent (true: a wildcard,
/// as in PySR's dimensional constraints), so `T = c·a^(3/2)` is accepted with c in s·m^(-3/2)
/// while `T = a + c` or `sin(a)` for a length a are rejected. A fitted exponent on a
/// dimensional base counts as the nearest fraction p/q with q ≤ 6.
public struct Units: Sendable {
    public var inputs: [PhysicalDimension]
    public var target: PhysicalDimension
    public var constantsCarryUnits: Bool

    public init(inputs: [PhysicalDimension], target: PhysicalDimension, constantsCarryUnits: Bool = true) {
        self.inputs = inputs
        self.target = target
        self.constantsCarryUnits = constantsCarryUnits
    }

    /// nil: inconsistent; .some(nil): any dimension (made of free constants).
    /// Before the fit (`fitted` false) an exponent's value is not known yet and any is allowed.
    func dimension(_ e: ExpressionTree, fitted: Bool = true) -> PhysicalDimension?? {
        switch e {
        case .variable(let i): return .some(inputs[i])
        case .constant: return constantsCarryUnits ? .some(nil) : .some(PhysicalDimension.none)
        case .unary(let op, let a):
            guard let da = dimension(a, fitted: fitted) else { return nil }
            guard let d = da else { return .some(nil) }
            switch op {
            case .neg, .abs: return .some(d)
            case .sqrt: return .some(d.power(0.5))
            case .square: return .some(d.power(2))
            case .cube: return .some(d.power(3))
            case .inv: return .some(d.power(-1))
            case .exp, .log, .sin, .cos, .asin, .acos, .atan, .tanh, .sinh, .cosh:
                return d.isDimensionless ? .some(PhysicalDimension.none) : nil
            default: return nil
            }
        case .binary(let op, let a, let b):
            guard let da = dimension(a, fitted: fitted), let db = dimension(b, fitted: fitted) else { return nil }
            switch op {
            case .add, .sub:
                guard let x = da else { return .some(db) }
                guard let y = db else { return .some(x) }
                return x == y ? .some(x) : nil
            case .mul, .div:
                guard let x = da, let y = db else { return .some(nil) }
                return .some(op == .mul ? x * y : x / y)
            case .pow:
                if let y = db, !y.isDimensionless { return nil }
                guard let x = da else { return .some(nil) }
                if x.isDimensionless { return .some(x) }
                guard fitted else { return .some(nil) }
                guard case .constant(let p) = b else { return nil }
                return .some(x.power(Self.nearestFraction(p)))
            default:
                return nil
            }
        }
    }

    public func accepts(_ e: ExpressionTree, fitted: Bool = true) -> Bool {
        guard let d = dimension(e, fitted: fitted) else { return false }
        guard let fixed = d else { return true }
        return fixed == target
    }

    /// The fraction p/q (q ≤ 6) nearest to x.
    public static func nearestFraction(_ x: Double) -> Double {
        var best = x.rounded()
        for q in 2...6 {
            let f = (x * Double(q)).rounded() / Double(q)
            if abs(f - x) < abs(best - x) - 1e-12 { best = f }
        }
        return best
    }
}

extension Optional where Wrapped == Units {
    /// The unit check of a search on a formula: true without units.
    package func accepts(_ f: Formula, fitted: Bool = true) -> Bool {
        guard let units = self else { return true }
        return ExpressionTree(f).map { units.accepts($0, fitted: fitted) } ?? false
    }
}
