import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a scenario and render its frames, scene.json and truth.csv.",
        discussion: """
            Writes frame_00000.png, frame_00001.png, … plus scene.json (calibration and the \
            quantities an experimenter knows) and truth.csv (true states, for validation only) \
            into the output folder. A sweep scenario writes one sub-folder per run (run-000, …) \
            and sweep.json. The folder appears only when complete. Bodies are drawn as exact \
            discs, or, with render.psf, as point sources seen through a telescope (Gaussian, \
            Moffat or Airy PSF; saturation, exposure smear, seeing jitter and a star field are \
            render options too).

            Examples:
              occam simulate simulations/kepler.yaml --out frames/kepler
              occam simulate simulations/telescope.yaml --out frames/telescope
              occam simulate simulations/cyclotron-sweep.yaml --out frames/cyclotron-sweep
              occam simulate simulations/cyclotron-sweep.yaml --index 2 --out frames/sweep-002
            """)

    @Argument(help: "Scenario file (YAML or JSON); see simulations/README.md for the schema.")
    var scenario: String

    @Option(name: .shortAndLong, help: "Output folder (default: frames/<scenario name>).")
    var out: String?

    @Flag(help: "Replace the output folder if it exists.")
    var force = false

    @Option(help: "Simulate only run N of a sweep, into --out.")
    var index: Int?

    @Option(help: "Threads for rendering and PNG encoding (default: all cores).")
    var workers: Int?

    func run() throws {
        do {
            let file = try ScenarioFile(path: scenario)
            let name = file.runs.first?.name ?? "run"
            var options = SimulateJob.Options(output: out ?? "frames/\(name)\(index.map { String(format: "-%03d", $0) } ?? "")")
            options.force = force
            options.sweepIndex = index
            if let workers {
                guard workers >= 1 else { throw LabError("--workers must be at least 1 (got \(workers))") }
                options.workers = workers
            }
            let summary = try SimulateJob.run(file, options: options)
            let t = summary.timing
            print(String(format: "wrote %d frame(s) in %d run(s) to %@ (%.1f MB) in %.2f s: %.0f frames/s",
                         summary.totalFrames, summary.runs.count, options.output, Double(summary.totalBytes) / 1e6,
                         t.wall, Double(summary.totalFrames) / max(t.wall, 1e-9)))
            print(String(format: "time: physics %.3f s, raster %.3f s, png %.3f s (raster and png summed over threads)",
                         t.physics, t.raster, t.png))
        } catch {
            fail(error)
        }
    }
}
