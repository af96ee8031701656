import Foundation
import Render

/// Writes a run folder atomically: everything goes into a hidden temporary sibling, which is
/// renamed into place only when complete. A failed or interrupted job never leaves a folder
/// at the output path that looks complete.
public struct OutputFolder {
    public let destination: String
    public let temporary: String
    public let force: Bool

    public init(destination: String, force: Bool) throws {
        let trimmed = destination.hasSuffix("/") && destination.count > 1 ? String(destination.dropLast()) : destination
        self.destination = trimmed
        self.force = force
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: trimmed, isDirectory: &isDirectory) {
            if !force {
                throw LabError("\(trimmed): already exists; choose another --out or pass --force to replace it")
            }
            // --force replaces only what Occam wrote (or an empty folder), never an arbitrary folder.
            let contents = (try? fm.contentsOfDirectory(atPath: trimmed)) ?? []
            // A decoded stream without scene metadata leaves only Occam's numbered frames.
            let ours = ["scene.json", "sweep.json", "equations.json"].contains { contents.contains($0) }
                || (!contents.isEmpty && contents.allSatisfy(FrameFolder.isOccamFrameName))
            guard isDirectory.boolValue, ours || contents.isEmpty else {
                throw LabError("\(trimmed): exists and is not an Occam run folder; not replacing it even with --force")
            }
        }
        let parentPath = FilePath.folder(of: trimmed)
        let base = FilePath.name(of: trimmed)
        do {
            try fm.createDirectory(atPath: parentPath, withIntermediateDirectories: true)
        } catch {
            throw LabError("\(parentPath): cannot create folder: \(error.localizedDescription)")
        }
        // A job killed earlier (power cut, kill -9, a Slurm time limit) left its hidden
        // partial folder: remove those of this host whose process is gone (the host is in the
        // name, so a job on another node of a shared file system is never touched).
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let prefix = ".\(base).partial-\(host)-"
        for entry in (try? fm.contentsOfDirectory(atPath: parentPath)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? fm.removeItem(atPath: "\(parentPath)/\(entry)") }
        }
        temporary = "\(parentPath)/\(prefix)\(getpid())"
        try? fm.removeItem(atPath: temporary)
        do {
            try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        } catch {
            throw LabError("\(parentPath): cannot write here: \(error.localizedDescription)")
        }
    }

    /// Move the finished folder into place (replacing the old one when forced).
    public func commit() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination) {
            guard force else { throw LabError("\(destination): appeared while the job ran; not replaced") }
            let old = temporary.replacingOccurrences(of: ".partial-", with: ".old-")
            try? fm.removeItem(atPath: old)
            try fm.moveItem(atPath: destination, toPath: old)
            try fm.moveItem(atPath: temporary, toPath: destination)
            try? fm.removeItem(atPath: old)
        } else {
            try fm.moveItem(atPath: temporary, toPath: destination)
        }
    }

    public func discard() { try? FileManager.default.removeItem(atPath: temporary) }
}

/// A file inside an `OutputFolder`'s temporary folder (the folder is what appears atomically).
func writeFile(_ path: String, _ data: Data) throws {
    guard FileManager.default.createFile(atPath: path, contents: data) else {
        throw LabError("\(path): cannot write file")
    }
}

/// The one way a single output file is written: to a hidden temporary sibling, then renamed
/// into place, so a reader never sees half a file and a failure leaves nothing behind.
/// (A folder of outputs goes through `OutputFolder`.)
enum AtomicFile {
    /// The temporary sibling for `path`, its folder created.
    static func temporaryPath(for path: String) throws -> String {
        let parent = FilePath.folder(of: path)
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw LabError("\(parent): cannot create folder: \(error.localizedDescription)")
        }
        return "\(parent)/.\(FilePath.name(of: path)).partial-\(getpid())"
    }

    /// Rename the finished temporary file over `path` (removing it if that fails).
    static func commit(_ temporary: String, to path: String) throws {
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw LabError("\(path): cannot write file: \(reason)")
        }
    }

    /// Write `data` to `path` atomically.
    static func write(_ path: String, _ data: Data) throws {
        let temporary = try temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw LabError("\(path): cannot write file")
        }
        try commit(temporary, to: path)
    }
}
