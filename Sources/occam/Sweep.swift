import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate and discover every run of a sweep on local cores, Dask or Slurm; then the cross-run law.",
        discussion: """
            Each run is one call of `occam run --sweep FILE --index N --out OUT`, which writes \
            OUT/frames/run-NNN and OUT/run-NNN and skips what is finished. Engines: \
            local (default; --workers processes at once), dask (--scheduler tcp://HOST:PORT; the \
            driver engines/dask/occam_dask.py submits one task per run; the workers need python3, \
            dask.distributed and this occam executable at the same path), slurm (writes \
            OUT/sweep.sbatch, a job array; submit it with sbatch, then occam sweep --collect OUT).

            After the runs, the summary (OUT/summary: the common law, its constants per run and \
            how they depend on the swept quantities; report.html) is written from the finished \
            runs. Failed runs are listed in OUT/failures.json and the summary; starting the \
            sweep again runs only the unfinished ones (--retry-failed: only the failed ones).

            Examples:
              occam sweep simulations/cyclotron-sweep.yaml --out runs/cyclotron
              occam sweep simulations/cyclotron-sweep.yaml --out runs/cyclotron --engine dask --scheduler tcp://10.0.0.5:8786
              occam sweep simulations/cyclotron-sweep.yaml --out runs/cyclotron --engine slurm
              occam sweep --collect runs/cyclotron
            """)

    @Argument(help: "Sweep scenario file.")
    var scenario: String?

    @Option(name: .shortAndLong, help: "Sweep folder.")
    var out: String?

    @Option(help: "local, dask or slurm.")
    var engine: String = "local"

    @Option(help: "Local engine: runs at once (default: the number of cores).")
    var workers: Int?

    @Option(help: "Dask engine: scheduler address, e.g. tcp://127.0.0.1:8786.")
    var scheduler: String?

    @Option(help: "Dask engine: path of occam_dask.py (default: engines/dask/occam_dask.py here or beside the executable).")
    var daskDriver: String?

    @Flag(help: "Run only the runs that failed last time.")
    var retryFailed = false

    @Option(help: "Only write the summary of a sweep folder whose runs have finished (after a Slurm array).")
    var collect: String?

    @OptionGroup var settings: RunSettings

    func run() throws {
        do {
            if let collect {
                guard scenario == nil else { throw LabError("--collect takes the sweep folder only") }
                let (summary, missing) = try SweepJob.collect(collect, showProgress: isatty(2) != 0)
                report(summary, missing: missing, folder: collect)
                return
            }
            guard let scenario else { throw LabError("give a sweep scenario (occam sweep simulations/cyclotron-sweep.yaml --out runs/cyclotron) or --collect FOLDER") }
            guard let out else { throw LabError("--out: give the sweep folder") }
            guard let kind = SweepJob.Engine(rawValue: engine) else {
                throw LabError("--engine: unknown engine '\(engine)' (expected local, dask or slurm)")
            }
            if let workers, workers < 1 { throw LabError("--workers must be at least 1") }
            if kind == .dask && scheduler == nil { throw LabError("--engine dask needs --scheduler tcp://HOST:PORT") }
            var check = FrameDiscoverJob.Options(frames: "", output: "")
            try settings.apply(&check)  // bad flags fail here, not in every run
            var options = SweepJob.Options(scenario: scenario, output: out, executable: executablePath())
            options.engine = kind
            if let workers { options.workers = workers }
            options.scheduler = scheduler
            options.daskDriver = daskDriver
            options.retryFailed = retryFailed
            options.runArguments = settings.arguments
            let outcome = try SweepJob.run(options)
            if let script = outcome.script {
                print("wrote \(script) for \(outcome.missing.count) run(s) (\(outcome.skipped.count) already finished)")
                print("submit it with: sbatch \(script)")
                print("when the array has finished: occam sweep --collect \(out)")
                return
            }
            print("\(outcome.total) runs: \(outcome.ran.count) ran, \(outcome.skipped.count) already finished, \(outcome.failures.count) failed")
            for f in outcome.failures { print("failed: run \(f.index): \(f.error)") }
            report(outcome.summary, missing: outcome.missing, folder: out)
            if !outcome.failures.isEmpty { throw ExitCode(1) }
        } catch let code as ExitCode {
            throw code
        } catch {
            fail(error)
        }
    }

    func report(_ summary: SweepDiscoverJob.Outcome?, missing: [Int], folder: String) {
        if let summary {
            printSweep(summary, out: "\(folder)/summary")
        } else {
            print("no summary: fewer than two runs have finished")
        }
        if !missing.isEmpty { print("missing runs: " + missing.map(SweepJob.runName).joined(separator: ", ")) }
    }

    /// This executable's path, which the engines call for each run.
    func executablePath() -> String {
        let url = URL(fileURLWithPath: CommandLine.arguments[0])
        if CommandLine.arguments[0].contains("/") { return url.standardizedFileURL.resolvingSymlinksInPath().path }
        return VideoExport.findExecutable(CommandLine.arguments[0]) ?? CommandLine.arguments[0]
    }
}
