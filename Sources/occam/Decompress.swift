import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Decompress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode an .occ stream back into PNG frames and scene.json.",
        discussion: """
            Every frame is checked against the checksum recorded when it was coded; a damaged, \
            truncated or foreign file gives one error line and writes nothing.

            Example:
              occam decompress kepler.occ --out restored/
            """)

    @Argument(help: "Stream written by occam compress.")
    var stream: String

    @Option(name: .shortAndLong, help: "Folder to write the frames into.")
    var out: String

    @Flag(help: "Replace the output folder if it exists.")
    var force = false

    func run() throws {
        do {
            let (n, coding) = try CompressJob.decompress(stream, output: out, force: force)
            print("wrote \(n) frames to \(out) (decoding \(String(format: "%.2f", coding)) s without PNG writing)")
        } catch {
            fail(error)
        }
    }
}
