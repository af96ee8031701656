import Foundation

/// Operators of a formula. Unary and binary operators act elementwise on columns.
public enum Op: UInt8, Sendable, Hashable, CaseIterable {
    // leaves
    case variable, constant
    // unary
    case neg, sqrt, square, cube, inv, exp, log, sin, cos, abs
    // binary
    case add, sub, mul, div, pow
    // unary, in no default operator set (a search takes them when asked: `SearchOptions.unary`)
    case asin, acos, atan, tanh, sinh, cosh

    public var arity: Int {
        switch self {
        case .variable, .constant: return 0
        case .neg, .sqrt, .square, .cube, .inv, .exp, .log, .sin, .cos, .abs: return 1
        case .asin, .acos, .atan, .tanh, .sinh, .cosh: return 1
        case .add, .sub, .mul, .div, .pow: return 2
        }
    }
    public var isCommutative: Bool { self == .add || self == .mul }

    /// The operator's name (what `"\(op)"` prints, without reflection: it is in the hot loop).
    public var name: String {
        switch self {
        case .variable: return "variable"
        case .constant: return "constant"
        case .neg: return "neg"
        case .sqrt: return "sqrt"
        case .square: return "square"
        case .cube: return "cube"
        case .inv: return "inv"
        case .exp: return "exp"
        case .log: return "log"
        case .sin: return "sin"
        case .cos: return "cos"
        case .abs: return "abs"
        case .add: return "add"
        case .sub: return "sub"
        case .mul: return "mul"
        case .div: return "div"
        case .pow: return "pow"
        case .asin: return "asin"
        case .acos: return "acos"
        case .atan: return "atan"
        case .tanh: return "tanh"
        case .sinh: return "sinh"
        case .cosh: return "cosh"
        }
    }
}

/// One node of a formula in postfix order: an operator and, for leaves, an index (the
/// variable's column or the constant's slot).
public struct Token: Sendable, Hashable {
    public var op: Op
    public var index: Int
    public init(_ op: Op, _ index: Int = 0) {
        self.op = op
        self.index = index
    }
}

/// A formula as a flat postfix program over named input columns and fitted constants.
///
/// Evaluation runs a small stack machine over whole columns (flat `[Double]` buffers), with no
/// per-node dynamic dispatch. Complexity is the number of nodes.
public struct Formula: Sendable, Hashable {
    public var tokens: [Token]
    public var constants: [Double]
    /// Constants held at exact rational values (snapped exponents such as 3/2): not fitted,
    /// and coded as a fraction in the description length.
    public var fixedConstants: [Int] = []

    public init(tokens: [Token], constants: [Double] = []) {
        self.tokens = tokens
        self.constants = constants
    }

    public var complexity: Int { tokens.count }
    /// Number of constant slots: one past the highest constant index (tokens may share a
    /// slot, as a constant shared between terms or targets does).
    public var constantCount: Int { (tokens.filter { $0.op == .constant }.map(\.index).max() ?? -1) + 1 }

    /// Evaluate on columns (`columns[v][row]`); returns one value per row.
    public func evaluate(_ columns: [[Double]], rows: Int, constants c: [Double]? = nil) -> [Double] {
        var scratch: [Double] = []
        var out = [Double](repeating: .nan, count: rows)
        evaluate(columns, rows: rows, constants: c ?? constants, into: &out, scratch: &scratch)
        return out
    }

    /// Stack depth the postfix program needs.
    public var stackDepth: Int {
        var depth = 0, deepest = 0
        for t in tokens {
            depth += 1 - t.op.arity
            deepest = max(deepest, depth)
        }
        return deepest
    }

    /// Evaluate into `out` (rows values) using `scratch` as the stack (grown as needed, reused
    /// between calls): no allocation per node, the hot loop of the search.
    public func evaluate(_ columns: [[Double]], rows: Int, constants consts: [Double], into out: inout [Double],
                         scratch: inout [Double]) {
        execute(columns, rows: rows, constants: consts, steps: nil, trace: nil, recording: false, into: &out, scratch: &scratch)
    }

    /// Evaluate as `evaluate` does and keep every node's values in `trace` (node k's rows at
    /// k·rows), for `evaluate(changing:)`.
    public func evaluate(_ columns: [[Double]], rows: Int, constants consts: [Double], into out: inout [Double],
                         scratch: inout [Double], recording trace: inout [Double]) {
        if trace.count < tokens.count * rows { trace = [Double](repeating: 0, count: tokens.count * rows) }
        trace.withUnsafeMutableBufferPointer { t in
            execute(columns, rows: rows, constants: consts, steps: nil, trace: t.baseAddress, recording: true, into: &out, scratch: &scratch)
        }
    }

    /// Evaluate with constant `slot` changed from the evaluation recorded in `trace` (the other
    /// constants as they were): only the nodes above that constant are computed again, the
    /// others are read from the trace. The values are exactly those of a full evaluation (the
    /// same operations on the same numbers): a forward-difference Jacobian at a fraction of
    /// the cost.
    public func evaluate(_ columns: [[Double]], rows: Int, constants consts: [Double], changing slot: Int,
                         trace: [Double], into out: inout [Double], scratch: inout [Double]) {
        precondition(trace.count >= tokens.count * rows, "evaluate(changing:) needs a recorded trace")
        let program = steps(changing: slot)
        trace.withUnsafeBufferPointer { t in
            execute(columns, rows: rows, constants: consts, steps: program, trace: UnsafeMutablePointer(mutating: t.baseAddress),
                    recording: false, into: &out, scratch: &scratch)
        }
    }

    /// The program for a change of constant `slot`: node k computed (k) or read from the trace
    /// (−k−1) — every largest subtree that does not contain the constant is read.
    func steps(changing slot: Int) -> [Int] {
        // Subtree of each node: first token and whether it contains the constant.
        var first = [Int](repeating: 0, count: tokens.count)
        var contains = [Bool](repeating: false, count: tokens.count)
        for (k, t) in tokens.enumerated() {
            switch t.op.arity {
            case 0:
                first[k] = k
                contains[k] = t.op == .constant && t.index == slot
            case 1:
                first[k] = first[k - 1]
                contains[k] = contains[k - 1]
            default:
                let left = first[k - 1] - 1
                first[k] = first[left]
                contains[k] = contains[k - 1] || contains[left]
            }
        }
        var out: [Int] = []
        out.reserveCapacity(tokens.count)
        func visit(_ k: Int) {
            guard contains[k] else { out.append(-k - 1); return }
            switch tokens[k].op.arity {
            case 0: break
            case 1: visit(k - 1)
            default: visit(first[k - 1] - 1); visit(k - 1)
            }
            out.append(k)
        }
        if !tokens.isEmpty { visit(tokens.count - 1) }
        return out
    }

    /// The stack machine: `steps` nil runs every node in order; otherwise node k (k ≥ 0) is
    /// computed and −k−1 pushes node k's recorded values. With `recording`, each node's values
    /// are copied into `trace` as they are computed.
    func execute(_ columns: [[Double]], rows: Int, constants consts: [Double], steps: [Int]?,
                 trace: UnsafeMutablePointer<Double>?, recording: Bool, into out: inout [Double], scratch: inout [Double]) {
        let depth = stackDepth
        if scratch.count < depth * rows { scratch = [Double](repeating: 0, count: depth * rows) }
        if out.count != rows { out = [Double](repeating: .nan, count: rows) }
        guard depth > 0, rows > 0 else { return }
        let count = steps?.count ?? tokens.count
        scratch.withUnsafeMutableBufferPointer { stack in
            let base = stack.baseAddress!
            var top = 0  // number of slots in use
            for s in 0..<count {
                let k = steps?[s] ?? s
                if k < 0 {
                    let p = base + top * rows, recorded = trace! + (-k - 1) * rows
                    for i in 0..<rows { p[i] = recorded[i] }
                    top += 1
                    continue
                }
                let t = tokens[k]
                switch t.op {
                case .variable:
                    let p = base + top * rows
                    columns[t.index].withUnsafeBufferPointer { col in
                        for i in 0..<rows { p[i] = col[i] }
                    }
                    top += 1
                case .constant:
                    let p = base + top * rows, v = consts[t.index]
                    for i in 0..<rows { p[i] = v }
                    top += 1
                case .neg, .sqrt, .square, .cube, .inv, .exp, .log, .sin, .cos, .abs, .asin, .acos, .atan, .tanh, .sinh, .cosh:
                    let p = base + (top - 1) * rows
                    switch t.op {
                    case .neg: for i in 0..<rows { p[i] = -p[i] }
                    case .sqrt: for i in 0..<rows { p[i] = p[i].squareRoot() }
                    case .square: for i in 0..<rows { p[i] = p[i] * p[i] }
                    case .cube: for i in 0..<rows { p[i] = p[i] * p[i] * p[i] }
                    case .inv: for i in 0..<rows { p[i] = 1 / p[i] }
                    case .exp: for i in 0..<rows { p[i] = Foundation.exp(p[i]) }
                    case .log: for i in 0..<rows { p[i] = Foundation.log(p[i]) }
                    case .sin: for i in 0..<rows { p[i] = Foundation.sin(p[i]) }
                    case .cos: for i in 0..<rows { p[i] = Foundation.cos(p[i]) }
                    case .abs: for i in 0..<rows { p[i] = Swift.abs(p[i]) }
                    case .asin: for i in 0..<rows { p[i] = Foundation.asin(p[i]) }
                    case .acos: for i in 0..<rows { p[i] = Foundation.acos(p[i]) }
                    case .atan: for i in 0..<rows { p[i] = Foundation.atan(p[i]) }
                    case .tanh: for i in 0..<rows { p[i] = Foundation.tanh(p[i]) }
                    case .sinh: for i in 0..<rows { p[i] = Foundation.sinh(p[i]) }
                    case .cosh: for i in 0..<rows { p[i] = Foundation.cosh(p[i]) }
                    default: break
                    }
                case .add, .sub, .mul, .div, .pow:
                    let p = base + (top - 2) * rows, q = base + (top - 1) * rows
                    switch t.op {
                    case .add: for i in 0..<rows { p[i] += q[i] }
                    case .sub: for i in 0..<rows { p[i] -= q[i] }
                    case .mul: for i in 0..<rows { p[i] *= q[i] }
                    case .div: for i in 0..<rows { p[i] /= q[i] }
                    case .pow:
                        // A constant exponent (the usual case) takes a fast path for the
                        // common values; pow dominates the search's time otherwise.
                        if k > 0, tokens[k - 1].op == .constant {
                            let e = consts[tokens[k - 1].index]
                            switch e {
                            case 2: for i in 0..<rows { p[i] = p[i] * p[i] }
                            case 3: for i in 0..<rows { p[i] = p[i] * p[i] * p[i] }
                            case -1: for i in 0..<rows { p[i] = 1 / p[i] }
                            case -2: for i in 0..<rows { p[i] = 1 / (p[i] * p[i]) }
                            case 0.5: for i in 0..<rows { p[i] = p[i].squareRoot() }
                            case 1.5: for i in 0..<rows { p[i] = p[i] * p[i].squareRoot() }
                            case -0.5: for i in 0..<rows { p[i] = 1 / p[i].squareRoot() }
                            case -1.5: for i in 0..<rows { p[i] = 1 / (p[i] * p[i].squareRoot()) }
                            default: for i in 0..<rows { p[i] = Foundation.pow(p[i], e) }
                            }
                        } else {
                            for i in 0..<rows { p[i] = Foundation.pow(p[i], q[i]) }
                        }
                    default: break
                    }
                    top -= 1
                }
                if recording {
                    let p = base + (top - 1) * rows, recorded = trace! + k * rows
                    for i in 0..<rows { recorded[i] = p[i] }
                }
            }
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<rows { o[i] = base[i] }
            }
        }
    }

    /// Output syntaxes.
    public enum Style: Sendable { case sympy, python, swift, latex }

    /// LaTeX's name of a function (\\arcsin for asin; the others as they are called).
    static func latexName(_ op: Op) -> String {
        switch op {
        case .asin: return "arcsin"
        case .acos: return "arccos"
        case .atan: return "arctan"
        default: return op.name
        }
    }

    /// Infix text that SymPy parses, with the given variable names and constant values.
    public func sympyString(names: [String], constants c: [Double]? = nil) -> String {
        render(names: names, constants: c ?? constants, style: .sympy)
    }

    /// LaTeX for the formula.
    public func latex(names: [String], constants c: [Double]? = nil) -> String {
        render(names: names, constants: c ?? constants, style: .latex)
    }

    /// The formula in a given syntax (Python uses `math.`, Swift uses Foundation's functions).
    public func text(_ style: Style, names: [String]) -> String {
        render(names: names, constants: constants, style: style)
    }

    /// SymPy-style text with named constants: `constantNames[i]` replaces constant i's value
    /// (nil keeps the value), e.g. "k*x/r**3" for a law whose k is fitted elsewhere.
    public func text(names: [String], constantNames: [String?]) -> String {
        render(names: names, constants: constants, style: .sympy, constantNames: constantNames)
    }

    /// Postfix program as text, e.g. "c0 x0 mul": what `equations.json` stores for re-export.
    public var program: String {
        tokens.map { t in
            switch t.op {
            case .variable: return "x\(t.index)"
            case .constant: return "c\(t.index)"
            default: return "\(t.op)"
            }
        }.joined(separator: " ")
    }

    /// Parse a `program` string back into a formula with the given constants.
    public init?(program: String, constants: [Double]) {
        var tokens: [Token] = []
        for word in program.split(separator: " ") {
            if word.hasPrefix("x"), let i = Int(word.dropFirst()) { tokens.append(Token(.variable, i)); continue }
            if word.hasPrefix("c"), let i = Int(word.dropFirst()), word != "cos", word != "cube" {
                guard i < constants.count else { return nil }
                tokens.append(Token(.constant, i))
                continue
            }
            guard let op = Op.allCases.first(where: { "\($0)" == word }), op.arity > 0 else { return nil }
            tokens.append(Token(op))
        }
        self.init(tokens: tokens, constants: constants)
    }

    /// Structure with constants shown as c0, c1, … (for de-duplication and display).
    public func skeleton(names: [String]) -> String {
        var stack: [String] = []
        for t in tokens {
            switch t.op.arity {
            case 0: stack.append(t.op == .variable ? names[t.index] : "c")
            case 1: let a = stack.removeLast(); stack.append("\(t.op)(\(a))")
            default:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append("\(t.op)(\(a),\(b))")
            }
        }
        return stack.last ?? ""
    }

    static func number(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
        if let (p, q) = Self.exactFraction(x) { return "(\(p)/\(q))" }
        return String(x)
    }

    /// p/q (q ≤ 6) when x is that fraction to the last bit, as snapped exponents are.
    package static func exactFraction(_ x: Double) -> (Int, Int)? {
        for q in 2...6 {
            let p = (x * Double(q)).rounded()
            if abs(p) < 1e6, Double(Int(p)) / Double(q) == x { return (Int(p), q) }
        }
        return nil
    }

    /// The same formula written the way a person would, for printing only: exact rewrites of
    /// reciprocals — 1/(a/b) → b/a, a/(1/b) → a·b, a·(1/b) → a/b, (1/a)·b → b/a, (1/a)/b →
    /// 1/(a·b), 1/(1/a) → a — so `1/m/(1/(q*B))` prints as `q*B/m`; and signs of constants in
    /// `negatable` (printed as numbers, used once) moved into the operator: a − (−c)·b → a + c·b,
    /// a + (−c)·b → a − c·b, (−c)·(−b) → c·b. Constants keep their slots. The search never sees
    /// it: its de-duplication keys stay on the canonical form.
    public func tidied(negatable: Set<Int>) -> Formula {
        var values = constants
        var uses: [Int: Int] = [:]
        for t in tokens where t.op == .constant { uses[t.index, default: 0] += 1 }
        indirect enum Node { case leaf(Token), unary(Op, Node), binary(Op, Node, Node) }
        var stack: [Node] = []
        for t in tokens {
            switch t.op.arity {
            case 0: stack.append(.leaf(t))
            case 1: stack.append(.unary(t.op, stack.removeLast()))
            default:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append(.binary(t.op, a, b))
            }
        }
        guard stack.count == 1 else { return self }
        func flat(_ n: Node) -> [Token] {
            switch n {
            case let .leaf(t): return [t]
            case let .unary(op, a): return flat(a) + [Token(op)]
            case let .binary(op, a, b): return flat(a) + flat(b) + [Token(op)]
            }
        }
        func tidy(_ n: Node) -> Node {
            switch n {
            case .leaf: return n
            case let .unary(op, a):
                let a = tidy(a)
                if op == .inv {
                    if case let .unary(.inv, x) = a { return x }
                    if case let .binary(.div, x, y) = a { return tidy(.binary(.div, y, x)) }
                }
                return .unary(op, a)
            case let .binary(op, a, b):
                let a = tidy(a), b = tidy(b)
                // a negative constant printed as a number, used once: its sign can move
                func negative(_ n: Node) -> Int? {
                    if case let .leaf(t) = n, t.op == .constant, negatable.contains(t.index), uses[t.index] == 1,
                       t.index < values.count, values[t.index] < 0 { return t.index }
                    return nil
                }
                func flipped(_ n: Node) -> Node? {
                    if let i = negative(n) { values[i] = -values[i]; return n }
                    if case let .binary(.mul, c, _) = n, let i = negative(c) { values[i] = -values[i]; return n }
                    if case let .binary(.mul, _, c) = n, let i = negative(c) { values[i] = -values[i]; return n }
                    return nil
                }
                if op == .sub || op == .add, let nb = flipped(b) { return .binary(op == .sub ? .add : .sub, a, nb) }
                if op == .mul, case let .unary(.neg, x) = b, let na = flipped(a) { return .binary(.mul, na, x) }
                // x + x → 2*x (the canonical form keeps the sum; a person writes the product)
                if op == .add, flat(a) == flat(b) {
                    values.append(2)
                    return .binary(.mul, .leaf(Token(.constant, values.count - 1)), a)
                }
                switch (op, a, b) {
                case let (.div, _, .unary(.inv, y)): return tidy(.binary(.mul, a, y))
                case let (.div, .unary(.inv, x), _): return tidy(.unary(.inv, .binary(.mul, x, b)))
                case let (.mul, _, .unary(.inv, y)): return tidy(.binary(.div, a, y))
                case let (.mul, .unary(.inv, x), _): return tidy(.binary(.div, b, x))
                default: return .binary(op, a, b)
                }
            }
        }
        var out: [Token] = []
        func emit(_ n: Node) {
            switch n {
            case let .leaf(t): out.append(t)
            case let .unary(op, a): emit(a); out.append(Token(op))
            case let .binary(op, a, b): emit(a); emit(b); out.append(Token(op))
            }
        }
        emit(tidy(stack[0]))
        var f = self
        f.tokens = out
        f.constants = values
        return f
    }

    private func render(names: [String], constants c: [Double], style: Style, constantNames: [String?] = []) -> String {
        // constants printed as numbers may carry their sign into the operator
        let printedAsNumbers = Set((0..<c.count).filter { $0 >= constantNames.count || constantNames[$0] == nil })
        let tidy = Formula(tokens: tokens, constants: c).tidied(negatable: printedAsNumbers)
        let tokens = tidy.tokens, c = tidy.constants
        let latex = style == .latex
        func call(_ f: String, _ a: String) -> String {
            switch style {
            case .python: return "math.\(f)(\(a))"
            default: return "\(f)(\(a))"
            }
        }
        // Each entry: text and precedence (3 atom, 2 power/function, 1 product, 0 sum).
        var stack: [(String, Int)] = []
        func wrap(_ e: (String, Int), _ minimum: Int) -> String {
            e.1 >= minimum ? e.0 : (latex ? "\\left(\(e.0)\\right)" : "(\(e.0))")
        }
        for t in tokens {
            switch t.op {
            case .variable:
                stack.append((latex ? Self.latexName(names[t.index]) : names[t.index], 3))
            case .constant:
                if t.index < constantNames.count, let name = constantNames[t.index] {
                    stack.append((name, 3))
                    continue
                }
                let v = c[t.index]
                // Swift would divide the integers of "(3/2)": it gets the decimal
                let s = latex ? Self.latexNumber(v) : style == .swift ? (v == v.rounded() ? Self.number(v) : String(v)) : Self.number(v)
                stack.append((v < 0 && !s.hasPrefix("(") ? (latex ? "\\left(\(s)\\right)" : "(\(s))") : s, 3))
            case .neg:
                let a = stack.removeLast()
                stack.append(("-" + wrap(a, 2), 0))
            case .sqrt:
                let a = stack.removeLast()
                stack.append((latex ? "\\sqrt{\(a.0)}" : call("sqrt", a.0), 3))
            case .square, .cube:
                let a = stack.removeLast()
                let n = t.op == .square ? 2 : 3
                if style == .swift { stack.append(("pow(\(a.0), \(n))", 3)); continue }
                stack.append((latex ? "{\(wrap(a, 3))}^{\(n)}" : "\(wrap(a, 3))**\(n)", 2))
            case .inv:
                let a = stack.removeLast()
                stack.append((latex ? "\\frac{1}{\(a.0)}" : "1/\(wrap(a, 2))", latex ? 3 : 1))
            case .exp, .log, .sin, .cos, .abs, .asin, .acos, .atan, .tanh, .sinh, .cosh:
                let a = stack.removeLast()
                if latex {
                    let f = t.op == .abs ? "\\left|\(a.0)\\right|" : "\\\(Self.latexName(t.op))\\left(\(a.0)\\right)"
                    stack.append((f, 3))
                } else if t.op == .abs {
                    stack.append((style == .sympy ? "Abs(\(a.0))" : "abs(\(a.0))", 3))
                } else {
                    stack.append((call("\(t.op)", a.0), 3))
                }
            case .add, .sub:
                let b = stack.removeLast(), a = stack.removeLast()
                let sign = t.op == .add ? " + " : " - "
                stack.append((a.0 + sign + (t.op == .sub ? wrap(b, 1) : b.0), 0))
            case .mul:
                let b = stack.removeLast(), a = stack.removeLast()
                stack.append((wrap(a, 1) + (latex ? " \\cdot " : "*") + wrap(b, 2), 1))
            case .div:
                let b = stack.removeLast(), a = stack.removeLast()
                if latex { stack.append(("\\frac{\(a.0)}{\(b.0)}", 3)) } else { stack.append((wrap(a, 1) + "/" + wrap(b, 2), 1)) }
            case .pow:
                let b = stack.removeLast(), a = stack.removeLast()
                if style == .swift { stack.append(("pow(\(a.0), \(b.0))", 3)); continue }
                stack.append((latex ? "{\(wrap(a, 3))}^{\(b.0)}" : "\(wrap(a, 3))**\(wrap(b, 3))", 2))
            }
        }
        return stack.last?.0 ?? ""
    }

    static func latexName(_ name: String) -> String {
        if let u = name.firstIndex(of: "_") {
            return "\(name[..<u])_{\(name[name.index(after: u)...])}"
        }
        return name
    }

    static func latexNumber(_ x: Double) -> String {
        if x != x.rounded(), let (p, q) = exactFraction(x) { return p < 0 ? "-\\frac{\(-p)}{\(q)}" : "\\frac{\(p)}{\(q)}" }
        let s = String(format: "%.6g", x)
        if let e = s.firstIndex(of: "e") {
            let mantissa = s[..<e], exponent = Int(s[s.index(after: e)...]) ?? 0
            return "\(mantissa) \\times 10^{\(exponent)}"
        }
        return s
    }
}
