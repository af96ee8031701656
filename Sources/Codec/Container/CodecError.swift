/// Errors of the codec; each is one line naming the file and what is wrong with it.
public struct CodecError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
