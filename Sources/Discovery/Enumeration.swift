import Formulas
/// Exhaustive enumeration of all small formulas over the given variables and operators, with
/// pruning of forms that are equivalent or degenerate:
/// - a subtree without variables is only ever a single fitted constant `c`;
/// - commutative operators take their operands in a canonical order;
/// - `a − a`, `a / a`, `x / c` and `x − c` (the same as c·x and x + c) and an operator undoing its operand (inv∘inv, sqrt∘square, log∘exp, …) are skipped;
/// - `pow` takes a constant exponent (rational and real powers: x^c);
/// - at most `maxConstants` constants.
public struct Enumerator: Sendable {
    public var variableCount: Int
    public var unary: [Op]
    public var binary: [Op]
    public var maxSize: Int
    public var maxConstants: Int

    public init(variableCount: Int, unary: [Op], binary: [Op], maxSize: Int, maxConstants: Int = 3) {
        self.variableCount = variableCount
        self.unary = unary
        self.binary = binary
        self.maxSize = maxSize
        self.maxConstants = maxConstants
    }

    struct Tree {
        var tokens: [Token]
        var hasVariable: Bool
        var constants: Int
        var key: String
    }

    /// The constant c, then all formulas of size 1…maxSize that contain at least one variable,
    /// constants numbered in order of appearance.
    public func formulas() -> [Formula] {
        var bySize: [[Tree]] = [[]]
        var leaves: [Tree] = (0..<variableCount).map { Tree(tokens: [Token(.variable, $0)], hasVariable: true, constants: 0, key: "x\($0)") }
        leaves.append(Tree(tokens: [Token(.constant)], hasVariable: false, constants: 1, key: "c"))
        bySize.append(leaves)
        if maxSize >= 2 {
            for size in 2...maxSize {
                var level: [Tree] = []
                for op in unary {
                    for a in bySize[size - 1] where a.hasVariable && !undoes(op, a) {
                        level.append(Tree(tokens: a.tokens + [Token(op)], hasVariable: true, constants: a.constants,
                                          key: "\(op)(\(a.key))"))
                    }
                }
                for op in binary {
                    for leftSize in 1..<(size - 1) {
                        let rightSize = size - 1 - leftSize
                        for a in bySize[leftSize] {
                            for b in bySize[rightSize] {
                                if !a.hasVariable && !b.hasVariable { continue }
                                if a.constants + b.constants > maxConstants { continue }
                                if op == .pow && (b.hasVariable || !a.hasVariable) { continue }
                                if op.isCommutative && a.key > b.key { continue }
                                if (op == .sub || op == .div) && a.key == b.key { continue }
                                // x / c is c·x with another constant; x − c is x + c
                                if (op == .div || op == .sub) && !b.hasVariable { continue }
                                // c·(c·x) and c + (c + x) repeat a constant the outer one absorbs
                                if op.isCommutative && !a.hasVariable && b.tokens.last?.op == op
                                    && b.tokens.contains(where: { $0.op == .constant }) { continue }
                                level.append(Tree(tokens: a.tokens + b.tokens + [Token(op)], hasVariable: true,
                                                  constants: a.constants + b.constants, key: "\(op)(\(a.key),\(b.key))"))
                            }
                        }
                    }
                }
                bySize.append(level)
            }
        }
        // The constant itself, the baseline every law must beat (and the law when the target
        // does not vary, as a_x under uniform gravity).
        var out: [Formula] = [Formula(tokens: [Token(.constant, 0)], constants: [1])]
        for size in 1...maxSize {
            for t in bySize[size] where t.hasVariable {
                var k = 0
                let tokens = t.tokens.map { tok -> Token in
                    guard tok.op == .constant else { return tok }
                    defer { k += 1 }
                    return Token(.constant, k)
                }
                out.append(Formula(tokens: tokens, constants: [Double](repeating: 1, count: k)))
            }
        }
        return out
    }

    func undoes(_ op: Op, _ a: Tree) -> Bool {
        guard let last = a.tokens.last?.op else { return false }
        switch (op, last) {
        case (.inv, .inv), (.neg, .neg), (.sqrt, .square), (.square, .sqrt), (.log, .exp), (.exp, .log), (.abs, .abs),
             (.abs, .square), (.abs, .exp), (.abs, .sqrt):
            return true
        default:
            return false
        }
    }
}
