import Foundation

/// A formula as a tree, the form the evolutionary search mutates. Constants carry their current
/// values so a child starts its fit from its parent's constants.
public indirect enum ExpressionTree: Hashable, Sendable {
    case variable(Int)
    case constant(Double)
    case unary(Op, ExpressionTree)
    case binary(Op, ExpressionTree, ExpressionTree)

    public init?(_ formula: Formula) {
        var stack: [ExpressionTree] = []
        for t in formula.tokens {
            switch t.op.arity {
            case 0:
                if t.op == .variable {
                    stack.append(.variable(t.index))
                } else {
                    stack.append(.constant(t.index < formula.constants.count ? formula.constants[t.index] : 1))
                }
            case 1:
                guard let a = stack.popLast() else { return nil }
                stack.append(.unary(t.op, a))
            default:
                guard let b = stack.popLast(), let a = stack.popLast() else { return nil }
                stack.append(.binary(t.op, a, b))
            }
        }
        guard stack.count == 1 else { return nil }
        self = stack[0]
    }

    /// The postfix program with constants numbered in order of appearance.
    public var formula: Formula {
        var tokens: [Token] = [], constants: [Double] = []
        func emit(_ e: ExpressionTree) {
            switch e {
            case .variable(let i): tokens.append(Token(.variable, i))
            case .constant(let v): tokens.append(Token(.constant, constants.count)); constants.append(v)
            case .unary(let op, let a): emit(a); tokens.append(Token(op))
            case .binary(let op, let a, let b): emit(a); emit(b); tokens.append(Token(op))
            }
        }
        emit(self)
        return Formula(tokens: tokens, constants: constants)
    }

    public var size: Int {
        switch self {
        case .variable, .constant: return 1
        case .unary(_, let a): return 1 + a.size
        case .binary(_, let a, let b): return 1 + a.size + b.size
        }
    }

    public var hasVariable: Bool {
        switch self {
        case .variable: return true
        case .constant: return false
        case .unary(_, let a): return a.hasVariable
        case .binary(_, let a, let b): return a.hasVariable || b.hasVariable
        }
    }

    public var constantCount: Int {
        switch self {
        case .variable: return 0
        case .constant: return 1
        case .unary(_, let a): return a.constantCount
        case .binary(_, let a, let b): return a.constantCount + b.constantCount
        }
    }

    /// Structure with constants as "c": equal keys mean the same formula up to constants.
    public var key: String {
        switch self {
        case .variable(let i): return "x\(i)"
        case .constant: return "c"
        case .unary(let op, let a): return op.name + "(" + a.key + ")"
        case .binary(let op, let a, let b): return op.name + "(" + a.key + "," + b.key + ")"
        }
    }

    /// Value of a subtree without variables.
    func constantValue() -> Double {
        let f = formula
        return f.evaluate([], rows: 1, constants: f.constants)[0]
    }

    /// Node `k` in preorder (0 is the root).
    public func node(at k: Int) -> ExpressionTree {
        var k = k
        return Self.find(self, &k)!
    }

    private static func find(_ e: ExpressionTree, _ k: inout Int) -> ExpressionTree? {
        if k == 0 { return e }
        k -= 1
        switch e {
        case .variable, .constant: return nil
        case .unary(_, let a): return find(a, &k)
        case .binary(_, let a, let b): return find(a, &k) ?? find(b, &k)
        }
    }

    /// The tree with constant number `i` (in the order of `formula`'s constants) set to `value`.
    public func replacingConstant(_ i: Int, with value: Double) -> ExpressionTree {
        var k = i
        func walk(_ e: ExpressionTree) -> ExpressionTree {
            switch e {
            case .variable: return e
            case .constant(let v):
                defer { k -= 1 }
                return k == 0 ? .constant(value) : .constant(v)
            case .unary(let op, let a): return .unary(op, walk(a))
            case .binary(let op, let a, let b):
                let left = walk(a)
                return .binary(op, left, walk(b))
            }
        }
        return walk(self)
    }

    /// The tree with every variable i replaced by `substitute(i)`: a formula of a few columns
    /// written in the columns of a larger table, or of groups written in their inputs.
    public func substitutingVariables(_ substitute: (Int) -> ExpressionTree) -> ExpressionTree {
        switch self {
        case .variable(let i): return substitute(i)
        case .constant: return self
        case .unary(let op, let a): return .unary(op, a.substitutingVariables(substitute))
        case .binary(let op, let a, let b): return .binary(op, a.substitutingVariables(substitute), b.substitutingVariables(substitute))
        }
    }

    /// The tree with node `k` (preorder) replaced.
    public func replacing(at k: Int, with new: ExpressionTree) -> ExpressionTree {
        var k = k
        return Self.replace(self, &k, new)
    }

    private static func replace(_ e: ExpressionTree, _ k: inout Int, _ new: ExpressionTree) -> ExpressionTree {
        if k == 0 { k = -1; return new }
        if k < 0 { return e }
        k -= 1
        switch e {
        case .variable, .constant: return e
        case .unary(let op, let a): return .unary(op, replace(a, &k, new))
        case .binary(let op, let a, let b):
            let a2 = replace(a, &k, new)
            return .binary(op, a2, replace(b, &k, new))
        }
    }

    /// Canonical form: constant subtrees folded into one constant, x − c and x / c written as
    /// x + c and c·x, nested constant factors and terms merged, operators that undo each other
    /// removed, commutative operands sorted. Two formulas that differ only in these respects get
    /// the same `key`, so the search fits each structure once.
    /// `dropNeutral` also removes 0 + x, 1·x and 0·x (and writes 0 − x as −x, x + (−1)·y as x − y) — for constants set on purpose (pruning, snapping),
    /// not for fresh constants that start at 1 and are about to be fitted.
    public func simplified(dropNeutral: Bool = false) -> ExpressionTree {
        switch self {
        case .variable, .constant:
            return self
        case .unary(let op, let a0):
            let a = a0.simplified(dropNeutral: dropNeutral)
            if !a.hasVariable { return .constant(ExpressionTree.unary(op, a).constantValue()) }
            if case .unary(let inner, let b) = a {
                switch (op, inner) {
                case (.neg, .neg), (.inv, .inv), (.log, .exp): return b
                case (.abs, .abs), (.abs, .square), (.abs, .exp), (.abs, .sqrt): return a
                default: break
                }
            }
            // −(c·x) = (−c)·x
            if op == .neg, case .binary(.mul, .constant(let c), let b) = a { return .binary(.mul, .constant(-c), b) }
            return .unary(op, a)
        case .binary(let op, let a0, let b0):
            let a = a0.simplified(dropNeutral: dropNeutral), b = b0.simplified(dropNeutral: dropNeutral)
            if !a.hasVariable && !b.hasVariable { return .constant(ExpressionTree.binary(op, a, b).constantValue()) }
            switch op {
            case .sub:
                if case .constant(let c) = b { return ExpressionTree.binary(.add, .constant(-c), a).simplified(dropNeutral: dropNeutral) }
                // 0 − x = −x
                if dropNeutral, case .constant(let c) = a, c == 0 { return ExpressionTree.unary(.neg, b).simplified(dropNeutral: true) }
                if a == b { return .constant(0) }
            case .div:
                if case .constant(let c) = b { return ExpressionTree.binary(.mul, .constant(1 / c), a).simplified(dropNeutral: dropNeutral) }
                if a == b { return .constant(1) }
            case .add, .mul:
                // c1 ∘ (c2 ∘ x) = (c1 ∘ c2) ∘ x
                var (l, r) = a.key <= b.key ? (a, b) : (b, a)
                if case .constant(let c1) = l, case .binary(let inner, .constant(let c2), let x) = r, inner == op {
                    return .binary(op, .constant(op == .add ? c1 + c2 : c1 * c2), x)
                }
                if case .constant = r { swap(&l, &r) }
                // 0 + x = x, 1·x = x, 0·x = 0
                if dropNeutral, case .constant(let c) = l {
                    if op == .add && c == 0 { return r }
                    if op == .mul && c == 1 { return r }
                    if op == .mul && c == 0 { return .constant(0) }
                }
                // x + (−1)·y = x − y
                if dropNeutral, op == .add {
                    if case .binary(.mul, .constant(-1), let y) = r { return .binary(.sub, l, y) }
                    if case .binary(.mul, .constant(-1), let y) = l { return .binary(.sub, r, y) }
                }
                return .binary(op, l, r)
            case .pow:
                if case .constant(let c) = b {
                    if c == 1 { return a }
                }
            default: break
            }
            return .binary(op, a, b)
        }
    }
}
