import Testing
@testable import Render

/// The folder and name of a path as the command line gives it: a one-character bare name
/// (`--out o`) crashed every job through Foundation's `deletingLastPathComponent`.
@Suite struct FilePathTests {
    @Test func folderAndName() {
        let cases: [(String, String, String)] = [
            ("o", ".", "o"), ("run", ".", "run"), ("a/o", "a", "o"), ("/o", "/", "o"),
            ("/tmp/runs/kepler", "/tmp/runs", "kepler"), ("./x.apng", ".", "x.apng"), ("../v.gif", "..", "v.gif"),
        ]
        for (path, folder, name) in cases {
            #expect(FilePath.folder(of: path) == folder, "\(path)")
            #expect(FilePath.name(of: path) == name, "\(path)")
        }
    }
}
