import Foundation

/// Independent checkers some tests run (Pillow decodes our PNGs, SymPy our exports, ffmpeg our
/// videos). A test that needs one is *skipped* when it is missing — it shows as skipped, never
/// as passed — and fails when `OCCAM_REQUIRE_TOOLS=1` (as `.ci/run` sets):
///
///     @Test(.enabled(if: ExternalTools.shouldRun(.pillow)))
///     func … { try ExternalTools.require(.pillow); … }
public enum ExternalTool: String, Sendable, CaseIterable {
    case pillow, sympy, ffmpeg

    /// What a person would install.
    public var description: String {
        switch self {
        case .pillow: "python3 with Pillow"
        case .sympy: "python3 with SymPy"
        case .ffmpeg: "ffmpeg and ffprobe"
        }
    }
}

public struct MissingTool: Error, CustomStringConvertible {
    public let tool: ExternalTool
    public var description: String { "\(tool.description) is required (OCCAM_REQUIRE_TOOLS=1) but not found" }
}

public enum ExternalTools {
    /// `OCCAM_REQUIRE_TOOLS=1`: a missing checker fails its tests instead of skipping them.
    public static var required: Bool { ProcessInfo.processInfo.environment["OCCAM_REQUIRE_TOOLS"] == "1" }

    private static let found: [ExternalTool: Bool] = Dictionary(uniqueKeysWithValues: ExternalTool.allCases.map { tool in
        switch tool {
        case .pillow: (tool, python("import PIL").status == 0)
        case .sympy: (tool, python("import sympy").status == 0)
        case .ffmpeg: (tool, executable("ffmpeg") != nil && executable("ffprobe") != nil)
        }
    })

    public static func available(_ tool: ExternalTool) -> Bool { found[tool] ?? false }

    /// For `.enabled(if:)`: run when the tool is there, or when it is required (then the test
    /// fails on its absence through `require`).
    public static func shouldRun(_ tool: ExternalTool) -> Bool { required || available(tool) }

    /// Throws (failing the test) when the tool is missing.
    public static func require(_ tool: ExternalTool) throws {
        guard available(tool) else { throw MissingTool(tool: tool) }
    }

    /// The path of an executable on PATH.
    public static func executable(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Run a program; its exit status and its stdout and stderr together.
    public static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        guard let path = self.executable(executable) else { return (-1, "\(executable) not found") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Run a Python snippet with arguments (`sys.argv[1…]`).
    public static func python(_ script: String, _ arguments: [String] = []) -> (status: Int32, output: String) {
        run("python3", ["-c", script] + arguments)
    }
}
