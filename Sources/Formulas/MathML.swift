import Foundation

extension Formula {
    /// The formula as presentation MathML (the content of a `<math>` element), which browsers
    /// typeset with no script and no network: fractions as fractions, powers raised, roots drawn.
    /// Printed from the same tidied form as the text styles (`1/m/(1/(q*B))` shows as q·B/m);
    /// `constantNames[i]` replaces constant i's value, as in `text(names:constantNames:)`.
    public func mathML(names: [String], constantNames: [String?] = []) -> String {
        let printedAsNumbers = Set((0..<constants.count).filter { $0 >= constantNames.count || constantNames[$0] == nil })
        let tidy = tidied(negatable: printedAsNumbers)
        // Each entry: one MathML element and its precedence (3 atom, 2 power, 1 product, 0 sum).
        var stack: [(String, Int)] = []
        // A negative number is bracketed in a product but not as an exponent (r^−3): its bare
        // form, by the element's position on the stack.
        var bare: [Int: String] = [:]
        func row(_ parts: String...) -> String { "<mrow>" + parts.joined() + "</mrow>" }
        func op(_ o: String) -> String { "<mo>\(o)</mo>" }
        func wrap(_ e: (String, Int), _ minimum: Int) -> String { e.1 >= minimum ? e.0 : row(op("("), e.0, op(")")) }
        // a sign, not a subtraction (typeset without the spaces of a binary operator)
        let minus = "<mo form=\"prefix\">&#x2212;</mo>"
        func function(_ name: String, _ a: String) -> String { row("<mi>\(name)</mi>", op("&#x2061;"), row(op("("), a, op(")"))) }
        for t in tidy.tokens {
            defer {
                // the entries below the top are unchanged; the top is new unless a constant
                bare = bare.filter { $0.key < stack.count - 1 || (t.op == .constant && $0.key == stack.count - 1) }
            }
            switch t.op {
            case .variable:
                stack.append((Self.mathMLName(names[t.index]), 3))
            case .constant:
                if t.index < constantNames.count, let name = constantNames[t.index] {
                    stack.append((Self.mathMLName(name), 3))
                } else {
                    let v = tidy.constants[t.index]
                    let number = Self.mathMLNumber(abs(v))
                    if v < 0 { bare[stack.count] = row(minus, number) }
                    stack.append(v < 0 ? (row(op("("), minus, number, op(")")), 3) : (number, 3))
                }
            case .neg:
                let a = stack.removeLast()
                stack.append((row(minus, wrap(a, 2)), 0))
            case .sqrt:
                stack.append(("<msqrt>\(stack.removeLast().0)</msqrt>", 3))
            case .square, .cube:
                let a = stack.removeLast()
                stack.append(("<msup>\(wrap(a, 3))<mn>\(t.op == .square ? 2 : 3)</mn></msup>", 2))
            case .inv:
                stack.append(("<mfrac><mn>1</mn>\(stack.removeLast().0)</mfrac>", 3))
            case .exp:
                stack.append(("<msup><mi>e</mi>\(stack.removeLast().0)</msup>", 3))
            case .log:
                stack.append((function("ln", stack.removeLast().0), 3))
            case .sin, .cos, .tanh, .sinh, .cosh:
                stack.append((function(t.op.name, stack.removeLast().0), 3))
            case .asin, .acos, .atan:
                stack.append((function(Formula.latexName(t.op), stack.removeLast().0), 3))
            case .abs:
                stack.append((row(op("|"), stack.removeLast().0, op("|")), 3))
            case .add, .sub:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append((row(a.0, op(t.op == .add ? "+" : "&#x2212;"), t.op == .sub ? wrap(b, 1) : b.0), 0))
            case .mul:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append((row(wrap(a, 1), op("&#x22C5;"), wrap(b, 2)), 1))
            case .div:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append(("<mfrac>\(a.0)\(b.0)</mfrac>", 3))
            case .pow:
                let exponent = bare[stack.count - 1] ?? stack[stack.count - 1].0
                stack.removeLast()
                let a = stack.removeLast()
                stack.append(("<msup>\(wrap(a, 3))\(exponent)</msup>", 2))
            }
        }
        return stack.last?.0 ?? "<mrow/>"
    }

    /// `x` → <mi>x</mi>; `v_x` or `k1` → a subscript, as a physicist writes them.
    static func mathMLName(_ name: String) -> String {
        let escaped = { (s: Substring) in s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        if let u = name.firstIndex(of: "_"), u != name.startIndex, name.index(after: u) != name.endIndex {
            return "<msub><mi>\(escaped(name[..<u]))</mi><mi>\(escaped(name[name.index(after: u)...]))</mi></msub>"
        }
        if let d = name.firstIndex(where: \.isNumber), d != name.startIndex, name[d...].allSatisfy(\.isNumber) {
            return "<msub><mi>\(escaped(name[..<d]))</mi><mn>\(name[d...])</mn></msub>"
        }
        return "<mi>\(escaped(name[...]))</mi>"
    }

    /// A non-negative number: an exact fraction as a fraction, a large or small one with ×10ⁿ.
    static func mathMLNumber(_ x: Double) -> String {
        if x != x.rounded(), let (p, q) = exactFraction(x) { return "<mfrac><mn>\(p)</mn><mn>\(q)</mn></mfrac>" }
        if x == x.rounded() && x < 1e15 { return "<mn>\(Int(x))</mn>" }
        let s = String(format: "%.6g", x)
        if let e = s.firstIndex(of: "e") {
            let exponent = Int(s[s.index(after: e)...]) ?? 0
            return "<mrow><mn>\(s[..<e])</mn><mo>&#x00D7;</mo><msup><mn>10</mn><mn>\(exponent)</mn></msup></mrow>"
        }
        return "<mn>\(s)</mn>"
    }
}
