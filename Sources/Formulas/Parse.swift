/// Infix formulas typed by people ("-k*x/r^3", "omega*vy + c") parsed into `Formula`s.
///
/// Grammar: sums and differences of products and quotients of powers (`^` or `**`, right
/// associative) of unary minus, numbers, names, parenthesised expressions and the functions
/// sqrt, exp, log, sin, cos, abs. Names listed in `variables` are input columns; any other
/// name is a constant to fit (one per distinct name); numbers are fixed constants. Also asin,
/// acos, atan (or arcsin, arccos, arctan), tanh, sinh, cosh.
public struct ParsedFormula: Sendable {
    public var formula: Formula
    /// Per constant index: its name when it is to be fitted, nil for a number in the text.
    public var constantNames: [String?]
    /// Indices of the constants to fit.
    public var freeConstants: [Int] { constantNames.indices.filter { constantNames[$0] != nil } }
}

extension Formula {
    public static func parse(_ text: String, variables: [String]) throws -> ParsedFormula {
        var parser = InfixParser(text: Array(text), variables: variables)
        try parser.parseExpression()
        parser.skipSpace()
        guard parser.position == parser.text.count else {
            throw FormulaError("'\(text)': unexpected '\(parser.text[parser.position])' at character \(parser.position + 1)")
        }
        return ParsedFormula(formula: Formula(tokens: parser.tokens, constants: parser.values), constantNames: parser.names)
    }
}

struct InfixParser {
    let text: [Character]
    let variables: [String]
    var position = 0
    var tokens: [Token] = []
    var values: [Double] = []
    var names: [String?] = []

    init(text: [Character], variables: [String]) {
        self.text = text
        self.variables = variables
    }

    mutating func skipSpace() { while position < text.count, text[position].isWhitespace { position += 1 } }

    func error(_ what: String) -> FormulaError {
        FormulaError("'\(String(text))': \(what) at character \(position + 1)")
    }

    mutating func peek() -> Character? {
        skipSpace()
        return position < text.count ? text[position] : nil
    }

    mutating func parseExpression() throws {
        try parseTerm()
        while let c = peek(), c == "+" || c == "-" {
            position += 1
            try parseTerm()
            tokens.append(Token(c == "+" ? .add : .sub))
        }
    }

    mutating func parseTerm() throws {
        try parseUnary()
        while let c = peek(), c == "*" || c == "/" {
            if c == "*", position + 1 < text.count, text[position + 1] == "*" { break }   // '**' is a power
            position += 1
            try parseUnary()
            tokens.append(Token(c == "*" ? .mul : .div))
        }
    }

    mutating func parseUnary() throws {
        if peek() == "-" {
            position += 1
            try parseUnary()
            tokens.append(Token(.neg))
        } else if peek() == "+" {
            position += 1
            try parseUnary()
        } else {
            try parsePower()
        }
    }

    mutating func parsePower() throws {
        try parsePrimary()
        if peek() == "^" {
            position += 1
        } else if peek() == "*", position + 1 < text.count, text[position + 1] == "*" {
            position += 2
        } else {
            return
        }
        try parseUnary()
        tokens.append(Token(.pow))
    }

    mutating func parsePrimary() throws {
        guard let c = peek() else { throw error("expression ends too early") }
        if c == "(" {
            position += 1
            try parseExpression()
            guard peek() == ")" else { throw error("missing ')'") }
            position += 1
            return
        }
        if c.isNumber || c == "." {
            let start = position
            while position < text.count, text[position].isNumber || text[position] == "." { position += 1 }
            if position < text.count, text[position] == "e" || text[position] == "E" {
                var p = position + 1
                if p < text.count, text[p] == "+" || text[p] == "-" { p += 1 }
                if p < text.count, text[p].isNumber {
                    position = p
                    while position < text.count, text[position].isNumber { position += 1 }
                }
            }
            guard let value = Double(String(text[start..<position])) else { throw error("bad number") }
            tokens.append(Token(.constant, values.count))
            values.append(value)
            names.append(nil)
            return
        }
        guard c.isLetter || c == "_" else { throw error("unexpected '\(c)'") }
        let start = position
        while position < text.count, text[position].isLetter || text[position].isNumber || text[position] == "_" { position += 1 }
        let name = String(text[start..<position])
        let functions: [String: Op] = ["sqrt": .sqrt, "exp": .exp, "log": .log, "sin": .sin, "cos": .cos, "abs": .abs,
                                       "asin": .asin, "acos": .acos, "atan": .atan, "arcsin": .asin, "arccos": .acos,
                                       "arctan": .atan, "tanh": .tanh, "sinh": .sinh, "cosh": .cosh]
        if peek() == "(" {
            guard let op = functions[name] else { throw error("unknown function '\(name)'") }
            position += 1
            try parseExpression()
            guard peek() == ")" else { throw error("missing ')'") }
            position += 1
            tokens.append(Token(op))
            return
        }
        if let v = variables.firstIndex(of: name) {
            tokens.append(Token(.variable, v))
        } else if let k = names.firstIndex(where: { $0 == name }) {
            tokens.append(Token(.constant, k))
        } else {
            tokens.append(Token(.constant, values.count))
            values.append(1)
            names.append(name)
        }
    }
}
