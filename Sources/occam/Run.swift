import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a scenario and discover its law in one go.",
        discussion: """
            Simulates the scenario into frames/<name> (replacing an earlier Occam run folder) and \
            runs occam discover on the frames into runs/<name>. With no scenario, runs the \
            built-in default: simulations/kepler.yaml (one eccentric planet).

            With --sweep FILE --index N: one run of a sweep, as occam sweep's engines call it: \
            simulates into OUT/frames/run-NNN and discovers into OUT/run-NNN, skipping what is \
            already finished (same index, same seed, same folders).

            Examples:
              occam run
              occam run simulations/exb-drift.yaml --out runs/exb
              occam run --sweep simulations/cyclotron-sweep.yaml --index 3 --out runs/cyclotron
            """)

    @Argument(help: "Scenario file (default: simulations/kepler.yaml).")
    var scenario: String?

    @Option(name: .shortAndLong, help: "Run folder (default: runs/<scenario name>); with --sweep, the sweep folder.")
    var out: String?

    @Option(help: "A sweep scenario: run only the run --index of it.")
    var sweep: String?

    @Option(help: "With --sweep: the run's index (0-based).")
    var index: Int?

    @OptionGroup var settings: RunSettings

    func run() throws {
        do {
            if let sweep {
                guard scenario == nil else { throw LabError("give the scenario once: --sweep FILE (without the positional scenario)") }
                guard let index else { throw LabError("--sweep needs --index N") }
                guard let out else { throw LabError("--sweep needs --out SWEEP_FOLDER") }
                var options = FrameDiscoverJob.Options(frames: "", output: "")
                try settings.apply(&options)
                options.showProgress = false
                let ran = try SweepJob.runOne(scenario: sweep, index: index, sweepFolder: out, perRun: options)
                print(ran ? "run \(index) finished: \(out)/\(SweepJob.runName(index))" : "run \(index) was already finished: \(out)/\(SweepJob.runName(index))")
                return
            }
            guard index == nil else { throw LabError("--index needs --sweep FILE") }
            let path = scenario ?? "simulations/kepler.yaml"
            let file = try ScenarioFile(path: path)
            guard file.runs.count == 1, let name = file.runs.first?.name else {
                throw LabError("\(path): a sweep has several runs; use occam sweep \(path) --out runs/NAME")
            }
            let frames = "frames/\(name)"
            var simulate = SimulateJob.Options(output: frames)
            simulate.force = true
            let summary = try SimulateJob.run(file, options: simulate)
            print("simulated \(summary.totalFrames) frames into \(frames)")
            let output = out ?? "runs/\(name)"
            var options = FrameDiscoverJob.Options(frames: frames, output: output)
            options.force = true
            try settings.apply(&options)
            printOutcome(try FrameDiscoverJob.run(options), out: output)
        } catch {
            fail(error)
        }
    }
}
