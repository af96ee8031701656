/// Errors of the formula layer (parsing a formula, a law or a unit); each names the text and
/// the character at fault.
public struct FormulaError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
