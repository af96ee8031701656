import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a run's chosen equations as LaTeX, SymPy, JSON, Python, Swift or CSV.",
        discussion: """
            For a frame run, python and swift also define accelerations(t, positions, velocities): \
            the accelerations of N objects, arrays of shape (N, 2) in physical units, y up, objects \
            in tracks.csv order — the pairwise law when the objects act on each other, else the \
            one-object law for each. A function to simulate with.

            Examples:
              occam export runs/planets --format latex
              occam export runs/planets --format python > kepler.py
            """)

    @Argument(help: "Run folder written by occam discover.")
    var folder: String

    @Option(help: "latex, sympy, json, python, swift or csv.")
    var format: String = "latex"

    func run() throws {
        do {
            guard let f = ExportJob.Format(rawValue: format.lowercased()) else {
                throw LabError("--format: unknown format '\(format)' (expected \(ExportJob.Format.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let document = try ExportJob.document(runFolder: folder)
            let path = (folder as NSString).appendingPathComponent("equations.json")
            print(try ExportJob.render(try ExportJob.equations(document, path: path), format: f, document: document))
        } catch {
            fail(error)
        }
    }
}
