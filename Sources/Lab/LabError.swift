/// Errors of the jobs layer. Each is one line that names the file, the field and the problem.
public struct LabError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
