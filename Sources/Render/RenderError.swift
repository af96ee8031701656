/// Errors of the render stage: PNG input/output, video export.
public enum RenderError: Error, CustomStringConvertible, Equatable {
    /// A PNG could not be read; `path` names the file.
    case unreadablePNG(path: String, reason: String)
    /// A PNG could not be written.
    case unwritablePNG(path: String, reason: String)
    /// An image does not have the expected size or channel count.
    case mismatchedImage(path: String, reason: String)
    /// A video tool is missing or failed.
    case videoTool(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unreadablePNG(path, reason): return "\(path): cannot read PNG: \(reason)"
        case let .unwritablePNG(path, reason): return "\(path): cannot write PNG: \(reason)"
        case let .mismatchedImage(path, reason): return "\(path): \(reason)"
        case let .videoTool(message): return message
        case let .invalidArgument(message): return message
        }
    }
}
