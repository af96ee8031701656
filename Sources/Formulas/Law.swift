import Foundation

/// The acceleration law of the tracked objects: one formula per component (a_x, a_y) over the
/// state variables `Law.variables`, in the scene's physical units (y up, origin at the reference
/// body when there is one, else at the frame centre).
///
/// Every constant slot of a formula is either *named* (`k1`, `GM`, …: fitted to data, and one
/// name shared between the components is one constant) or a *literal* (an exact value such as
/// an exponent 3/2, held fixed). This is the value that flows from the search to the coder to
/// the report; text appears only at the edges: `init(text:)` reads `ax = …; ay = …` from a
/// command line or a file, `text` writes it (the `.occ` stream stores it that way).
public struct Law: Sendable, Hashable {
    /// The state a law may depend on, in column order: time, position, velocity and the
    /// distance r = √(x² + y²) from the origin.
    public static let variables = ["t", "x", "y", "vx", "vy", "r"]
    /// The components a law gives, in order.
    public static let components = ["ax", "ay"]

    /// One formula per component (`components`), over `variables`.
    public let formulas: [Formula]
    /// Per formula, per constant slot: the constant's name (fitted) or nil (a literal, held at
    /// the formula's value for that slot).
    public let constantNames: [[String?]]
    /// `ax = …; ay = …`: as written, for a law read from text (a user's notation is kept, and a
    /// stream stores it as given); as printed by `Formula.text`, for a law built from formulas.
    /// `Law(text:)` reads it back to a law that evaluates the same.
    public let text: String
    /// The distinct named constants, in order of first appearance (a_x's slots, then a_y's).
    public let names: [String]

    /// A law from its component formulas and the names of their constant slots (nil for a
    /// literal). `constantNames[k]` has one entry per constant slot of `formulas[k]`.
    public init(formulas: [Formula], constantNames: [[String?]]) {
        precondition(formulas.count == Self.components.count && constantNames.count == formulas.count)
        precondition(zip(formulas, constantNames).allSatisfy { $0.constantCount <= $1.count })
        self.formulas = formulas
        self.constantNames = constantNames
        names = Self.distinctNames(constantNames)
        text = zip(Self.components, zip(formulas, constantNames)).map { name, f in
            "\(name) = \(f.0.text(names: Self.variables, constantNames: f.1))"
        }.joined(separator: "; ")
    }

    /// Parse `ax = …; ay = …` (statements separated by `;` or new lines, in either order).
    /// Names that are not variables are named constants; numbers are literals.
    public init(text: String) throws {
        var parts: [String: ParsedFormula] = [:]
        for statement in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let sides = statement.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2, Self.components.contains(sides[0]) else {
                throw FormulaError("law: expected 'ax = …; ay = …' (got '\(statement.trimmingCharacters(in: .whitespaces))')")
            }
            do {
                parts[sides[0]] = try Formula.parse(sides[1], variables: Self.variables)
            } catch let e as FormulaError {
                throw FormulaError("law: \(sides[0]): \(e.message)")
            }
        }
        let parsed = try Self.components.map { name in
            guard let p = parts[name] else { throw FormulaError("law: give both ax = … and ay = …") }
            return p
        }
        formulas = parsed.map(\.formula)
        constantNames = parsed.map(\.constantNames)
        names = Self.distinctNames(constantNames)
        self.text = text
    }

    static func distinctNames(_ constantNames: [[String?]]) -> [String] {
        var out: [String] = []
        for names in constantNames { for case let n? in names where !out.contains(n) { out.append(n) } }
        return out
    }

    /// The constants of component `k` for values of the named constants given in the order
    /// of `names` (literals keep the formula's value).
    public func constants(of k: Int, values: [Double]) -> [Double] {
        formulas[k].constants.indices.map { slot in
            if slot < constantNames[k].count, let name = constantNames[k][slot], let i = names.firstIndex(of: name) { return values[i] }
            return formulas[k].constants[slot]
        }
    }

    /// The same law with its named constants held at `values` (by name) as literals: nothing
    /// left to fit. nil if a name has no value.
    public func holding(_ values: [String: Double]) -> Law? {
        var formulas = self.formulas
        for k in formulas.indices {
            for (slot, name) in constantNames[k].enumerated() where slot < formulas[k].constants.count {
                guard let name else { continue }
                guard let v = values[name], v.isFinite else { return nil }
                formulas[k].constants[slot] = v
            }
        }
        return Law(formulas: formulas, constantNames: constantNames.map { $0.map { _ in nil } })
    }

    /// The values of the named constants as the formulas hold them (first slot of each name).
    public var values: [Double] {
        names.map { name in
            for (k, slots) in constantNames.enumerated() {
                if let slot = slots.firstIndex(of: name), slot < formulas[k].constants.count { return formulas[k].constants[slot] }
            }
            return .nan
        }
    }

    /// The accelerations at states given as columns in the order of `variables`, for values of
    /// the named constants in the order of `names`.
    public func acceleration(_ columns: [[Double]], rows: Int, values: [Double]) -> [[Double]] {
        formulas.indices.map { k in formulas[k].evaluate(columns, rows: rows, constants: constants(of: k, values: values)) }
    }
}
