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
            print(try ExportJob.render(try ExportJob.equations(runFolder: folder), format: f))
        } catch {
            fail(error)
        }
    }
}
