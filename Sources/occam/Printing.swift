import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

/// Print one error line and exit non-zero: errors from the libraries already name the file,
/// the field and the problem.
func fail(_ error: Error) -> Never {
    let text: String
    switch error {
    case let e as LabError: text = e.message
    case let e as RenderError: text = e.description
    default: text = "\(error)"
    }
    FileHandle.standardError.write(Data("occam: error: \(text)\n".utf8))
    Foundation.exit(1)
}

func printOutcome(_ o: FrameDiscoverJob.Outcome, out: String) {
    let names = ["t", "x", "y", "vx", "vy", "r"]
    print("tracked \(o.tracks.moving.count) moving object(s); searched \(o.rows) samples; origin: \(o.tracks.originDescription)")
    for r in o.ladder where r.model != .law {
        print(String(format: "  %-8@ %9d bytes", r.model.rawValue, r.bytes))
    }
    for (i, l) in o.laws.enumerated() {
        print(String(format: "%@ law   %@%9d bytes  ", i == o.chosen ? "*" : " ", l.finished ? "  " : "≥ ", l.streamBytes) + l.text)
    }
    // the hindsight comparison (StreamChoice.challenger), when the choice made one
    let held = o.laws.filter { $0.heldFrameBits != nil }
    if held.count == 2 {
        print("with constants held at their final values: "
              + held.map { String(format: "%.0f frame bits  ", $0.heldFrameBits ?? 0) + $0.text }.joined(separator: "; "))
    }
    let law = o.laws[o.chosen]
    // With bodies acting on each other the pairwise law is the answer; the stream still codes
    // each object with a law of its own state.
    let pairwise = o.interaction.map { $0.best.coupling != .none } ?? false
    print("\(pairwise ? "stream law (each object on its own): " : "chosen: ")ax = \(law.ax.formula.sympyString(names: names))")
    print("\(pairwise ? "                                     " : "        ")ay = \(law.ay.formula.sympyString(names: names))")
    if let i = o.interaction { print(i.summary) }
    if !o.orbits.isEmpty {
        print("orbits: " + o.orbits.map { String(format: "%@ a=%.5g T=%.5g", $0.track, $0.semiMajorAxis, $0.period) }.joined(separator: ", "))
    }
    for note in o.orbitNotes { print("note: \(note)") }
    if let d = o.distillation { d.summary.forEach { print($0) } }
    if let note = o.distillationNote { print("note: \(note)") }
    if let p = o.pairDistillation { p.summary.forEach { print($0) } }
    if let d = o.orbitLaw {
        print("derived: T = \(d.chosen[0].formula.sympyString(names: d.inputNames))  (from \(o.orbits.count) measured orbits)")
    }
    print("time: " + o.stageSeconds.map { String(format: "%@ %.1f s", $0.0, $0.1) }.joined(separator: ", ") + "; written to \(out) (open report.html)")
}

func printSweep(_ o: SweepDiscoverJob.Outcome, out: String) {
    for run in o.runs {
        let constants = run.constants.sorted { $0.key < $1.key }.map { String(format: "%@=%.6g", $0.key, $0.value) }.joined(separator: " ")
        let quantities = o.quantityNames.map { String(format: "%@=%.6g", $0, run.quantities[$0] ?? .nan) }.joined(separator: " ")
        print("\(run.name): \(quantities)  \(constants)  \(run.streamBytes) bytes")
    }
    print("common law (\(o.totalBytes) bytes over \(o.runs.count) runs): \(o.law)")
    for d in o.derived {
        print("derived: \(d.constant) = \(d.search.chosen[0].formula.sympyString(names: d.search.inputNames))")
    }
    for note in o.notes { print("note: \(note)") }
    print("written to \(out) (open report.html)")
}
