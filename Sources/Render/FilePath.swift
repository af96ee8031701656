import Foundation

/// Paths as the command line gives them. Foundation's `deletingLastPathComponent` on Linux
/// traps on a one-character path (`--out o` crashed every job that writes a file or folder),
/// so the folder of a path is taken here by its last slash.
public enum FilePath {
    /// The folder holding `path`: "." for a bare name, "/" for a name at the root.
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// The last component of `path` (after its last slash).
    public static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
