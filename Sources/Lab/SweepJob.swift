import Discovery
import Formulas
import Dispatch
import Foundation

/// `occam sweep`: every run of a sweep scenario simulated and discovered on its own, on the
/// engine a lab already has — a local process pool, a Dask cluster, or a Slurm job array — then
/// one cross-run summary (`SweepDiscoverJob.summarise`).
///
/// Each run is addressed by its index and is independent: `occam run --sweep FILE --index N
/// --out SWEEP` writes `SWEEP/frames/run-NNN` and `SWEEP/run-NNN`, each atomically, and skips
/// what is already finished. So any engine only has to call that command once per index; a
/// killed worker loses only the run it was on, and starting the sweep again redoes exactly the
/// unfinished runs. Occam has no scheduler of its own.
public enum SweepJob {
    public enum Engine: String, Sendable, CaseIterable { case local, dask, slurm }

    public struct Options: Sendable {
        public var scenario: String
        public var output: String
        public var engine = Engine.local
        /// Local: processes at once.
        public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Dask: scheduler address (tcp://HOST:PORT).
        public var scheduler: String?
        /// Dask: the driver module (default: engines/dask/occam_dask.py of the repository).
        public var daskDriver: String?
        /// Only the runs that failed last time.
        public var retryFailed = false
        /// Flags for each `occam run` (e.g. --quick, --epochs 10).
        public var runArguments: [String] = []
        /// The occam executable the engines call (it must be reachable from the workers).
        public var executable: String
        public var showProgress = isatty(2) != 0
        public init(scenario: String, output: String, executable: String) {
            self.scenario = scenario
            self.output = output
            self.executable = executable
        }
    }

    public struct Failure: Sendable {
        public var index: Int
        public var error: String
    }

    public struct Outcome: Sendable {
        public var total: Int
        public var ran: [Int]
        public var skipped: [Int]
        public var failures: [Failure]
        /// Nil for the Slurm engine (the array runs later; collect then).
        public var summary: SweepDiscoverJob.Outcome?
        public var missing: [Int]
        /// Slurm: the script written.
        public var script: String?
    }

    public static func runName(_ index: Int) -> String { String(format: "run-%03d", index) }

    /// One run of the sweep, as every engine's task does it: simulate (unless its frames are
    /// complete), then discover (unless finished). Returns false when it was already finished.
    public static func runOne(scenario path: String, index: Int, sweepFolder: String, perRun: FrameDiscoverJob.Options) throws -> Bool {
        let file = try ScenarioFile(path: path)
        guard file.isSweep else { throw LabError("\(path): not a sweep (no sweep: section); use occam run without --sweep") }
        guard index >= 0, index < file.runs.count else {
            throw LabError("\(path): --index \(index) is out of range (the sweep has \(file.runs.count) runs: 0…\(file.runs.count - 1))")
        }
        let name = runName(index)
        let frames = "\(sweepFolder)/frames/\(name)", run = "\(sweepFolder)/\(name)"
        if SweepDiscoverJob.finished(run, frames: frames) { return false }
        if !FileManager.default.fileExists(atPath: "\(frames)/scene.json") {
            var simulate = SimulateJob.Options(output: frames)
            simulate.force = true
            simulate.sweepIndex = index
            simulate.showProgress = false
            simulate.workers = 1
            _ = try SimulateJob.run(file, options: simulate)
        }
        var options = perRun
        options.keepEveryCandidate = true   // the cross-run step compares every law by its exact bytes
        options.frames = frames
        options.output = run
        options.force = true
        options.tracker.threads = 1
        _ = try FrameDiscoverJob.run(options)
        return true
    }

    public static func run(_ o: Options) throws -> Outcome {
        let file = try ScenarioFile(path: o.scenario)
        guard file.isSweep else { throw LabError("\(o.scenario): not a sweep (no sweep: section); use occam run") }
        let total = file.runs.count
        try FileManager.default.createDirectory(atPath: o.output, withIntermediateDirectories: true)
        // The sweep's own record: which scenario, how many runs, the flags of each run.
        let scenarioPath = URL(fileURLWithPath: o.scenario).standardizedFileURL.path
        try AtomicFile.write("\(o.output)/sweep-job.json", try JSONSerialization.data(withJSONObject: [
            "format": "occam-sweep-job", "version": 1, "scenario": scenarioPath, "runs": total,
            "run_arguments": o.runArguments, "engine": o.engine.rawValue,
        ] as [String: Any], options: [.prettyPrinted, .sortedKeys]))
        var todo = (0..<total).filter { !SweepDiscoverJob.finished("\(o.output)/\(runName($0))", frames: "\(o.output)/frames/\(runName($0))") }
        let skipped = (0..<total).filter { !todo.contains($0) }
        if o.retryFailed {
            let failed = Set(readFailures(o.output).map(\.index))
            todo = todo.filter { failed.contains($0) }
        }
        let output = URL(fileURLWithPath: o.output).standardizedFileURL.path
        func command(_ index: Int) -> [String] {
            ["run", "--sweep", scenarioPath, "--index", "\(index)", "--out", output] + o.runArguments
        }
        var failures: [Failure] = []
        switch o.engine {
        case .local:
            failures = try runLocal(todo, command: command, o: o)
        case .dask:
            failures = try runDask(todo, scenario: scenarioPath, output: output, o: o)
        case .slurm:
            let script = try slurmScript(todo, command: command, o: o, name: file.runs.first?.name ?? "sweep")
            return Outcome(total: total, ran: [], skipped: skipped, failures: [], summary: nil, missing: todo, script: script)
        }
        // Failures of this attempt replace the record (runs that now succeeded leave it).
        let earlier = readFailures(o.output).filter { f in !todo.contains(f.index) && !skipped.contains(f.index) }
        try writeFailures(o.output, earlier + failures)
        let collected = try collect(o.output, showProgress: o.showProgress)
        return Outcome(total: total, ran: todo.filter { i in !failures.contains { $0.index == i } }, skipped: skipped,
                       failures: failures, summary: collected.summary, missing: collected.missing, script: nil)
    }

    /// The cross-run summary over the finished runs, into SWEEP/summary (atomically).
    public static func collect(_ sweepFolder: String, showProgress: Bool) throws -> (summary: SweepDiscoverJob.Outcome?, missing: [Int]) {
        guard let data = FileManager.default.contents(atPath: "\(sweepFolder)/sweep-job.json"),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let total = doc["runs"] as? Int else {
            throw LabError("\(sweepFolder)/sweep-job.json: missing or unreadable; is \(sweepFolder) a folder written by occam sweep?")
        }
        let finished = (0..<total).filter { SweepDiscoverJob.finished("\(sweepFolder)/\(runName($0))", frames: "\(sweepFolder)/frames/\(runName($0))") }
        let missing = (0..<total).filter { !finished.contains($0) }
        guard finished.count >= 2 else { return (nil, missing) }
        let folder = try OutputFolder(destination: "\(sweepFolder)/summary", force: true)
        do {
            // the derived search uses the runs' --seed (recorded in sweep-job.json)
            var search = SearchOptions()
            let arguments = (doc["run_arguments"] as? [String]) ?? []
            if let k = arguments.firstIndex(of: "--seed"), k + 1 < arguments.count, let seed = UInt64(arguments[k + 1]) { search.seed = seed }
            var outcome = try SweepDiscoverJob.summarise(runFolders: finished.map { "\(sweepFolder)/\(runName($0))" }, into: folder.temporary,
                                                         search: search, showProgress: showProgress, links: "../")
            if !missing.isEmpty {
                outcome.notes.append("runs missing (failed or not run yet): " + missing.map(runName).joined(separator: ", ")
                                     + "; occam sweep again (or --retry-failed) completes them")
                try writeFile("\(folder.temporary)/equations.json", try SweepDiscoverJob.document(outcome).encoded())
                try writeFile("\(folder.temporary)/report.html", Data(Report.sweepHTML(outcome).utf8))
            }
            try folder.commit()
            return (outcome, missing)
        } catch {
            folder.discard()
            throw error
        }
    }

    // MARK: engines

    /// A pool of `occam run` processes, `workers` at a time; each run's output goes to
    /// SWEEP/logs/run-NNN.log.
    static func runLocal(_ todo: [Int], command: (Int) -> [String], o: Options) throws -> [Failure] {
        try FileManager.default.createDirectory(atPath: "\(o.output)/logs", withIntermediateDirectories: true)
        let progress = Progress(label: "sweep runs", total: todo.count, enabled: o.showProgress)
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var list: [Failure] = []
            func add(_ f: Failure) { lock.lock(); list.append(f); lock.unlock() }
        }
        let failures = Failures()
        let slots = DispatchSemaphore(value: max(1, o.workers))
        let group = DispatchGroup()
        var launchError: Error?
        for index in todo {
            slots.wait()
            let log = "\(o.output)/logs/\(runName(index)).log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: o.executable)
            process.arguments = command(index)
            guard let handle = FileHandle(forWritingAtPath: log) else { throw LabError("\(log): cannot write") }
            process.standardOutput = handle
            process.standardError = handle
            group.enter()
            process.terminationHandler = { p in
                try? handle.close()
                if p.terminationStatus != 0 || p.terminationReason != .exit {
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    let last = text.split(separator: "\n").last.map(String.init) ?? "exit status \(p.terminationStatus)"
                    failures.add(Failure(index: index, error: p.terminationReason == .exit ? last : "killed by signal \(p.terminationStatus)"))
                }
                progress.advance()
                slots.signal()
                group.leave()
            }
            do { try process.run() } catch {
                launchError = LabError("\(o.executable): cannot start: \(error.localizedDescription)")
                slots.signal()
                group.leave()
                break
            }
        }
        group.wait()
        progress.finish()
        if let launchError { throw launchError }
        return failures.list.sorted { $0.index < $1.index }
    }

    /// The Dask driver (a small Python module) submits one task per index to the scheduler;
    /// each task calls the same `occam run` command on a worker. It prints one JSON line per
    /// finished run.
    static func runDask(_ todo: [Int], scenario: String, output: String, o: Options) throws -> [Failure] {
        guard let scheduler = o.scheduler else { throw LabError("--engine dask needs --scheduler tcp://HOST:PORT") }
        guard !todo.isEmpty else { return [] }
        let driver = try o.daskDriver ?? findDaskDriver(executable: o.executable)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", driver, "--scheduler", scheduler, "--occam", o.executable, "--scenario", scenario,
                         "--out", output, "--indices", todo.map(String.init).joined(separator: ",")]
        if !o.runArguments.isEmpty { arguments += ["--"] + o.runArguments }
        process.arguments = arguments
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let progress = Progress(label: "sweep runs (dask)", total: todo.count, enabled: o.showProgress)
        var failures: [Failure] = []
        var reported = Set<Int>()
        var buffer = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 10) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                guard let doc = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let index = doc["index"] as? Int else { continue }
                reported.insert(index)
                if (doc["status"] as? Int ?? 1) != 0 {
                    failures.append(Failure(index: index, error: doc["error"] as? String ?? "failed on a Dask worker"))
                }
                progress.advance()
            }
        }
        let stderrText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        progress.finish()
        if process.terminationStatus != 0 && reported.isEmpty {
            let last = stderrText.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw LabError("Dask driver \(driver): \(last)")
        }
        for index in todo where !reported.contains(index) {
            failures.append(Failure(index: index, error: "no result from the Dask cluster"))
        }
        return failures.sorted { $0.index < $1.index }
    }

    static func findDaskDriver(executable: String) throws -> String {
        let relative = "engines/dask/occam_dask.py"
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            candidates.append(url.path + "/" + relative)
        }
        if let env = ProcessInfo.processInfo.environment["OCCAM_DASK_DRIVER"] { candidates.insert(env, at: 0) }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw LabError("\(relative): not found (looked in the current folder and beside the executable); give --dask-driver PATH")
        }
        return found
    }

    /// An `sbatch --array` script whose tasks call `occam run --sweep … --index
    /// $SLURM_ARRAY_TASK_ID`; `occam sweep --collect` gathers the results afterwards.
    static func slurmScript(_ todo: [Int], command: (Int) -> [String], o: Options, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(o.output)/logs", withIntermediateDirectories: true)
        let output = URL(fileURLWithPath: o.output).standardizedFileURL.path
        let array = todo.isEmpty ? "" : todo.map(String.init).joined(separator: ",")
        // the index is the fifth word: run --sweep FILE --index N
        var words = command(0).map(shellQuote)
        words[4] = "\"$SLURM_ARRAY_TASK_ID\""
        let script = """
            #!/bin/bash
            # Occam sweep \(name): one array task per run; written by occam sweep --engine slurm.
            # Submit:  sbatch \(output)/sweep.sbatch
            # Then:    occam sweep --collect \(output)
            # Adjust the #SBATCH lines to your cluster (partition, account, time).
            #SBATCH --job-name=occam-\(name)
            #SBATCH --array=\(array.isEmpty ? "0-0" : array)
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=1
            #SBATCH --mem=2G
            #SBATCH --time=01:00:00
            #SBATCH --output=\(output)/logs/slurm-%A_%a.log
            set -euo pipefail
            exec \(shellQuote(o.executable)) \(words.joined(separator: " "))

            """
        let path = "\(o.output)/sweep.sbatch"
        try AtomicFile.write(path, Data(script.utf8))
        chmod(path, 0o755)
        return path
    }

    static func shellQuote(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func readFailures(_ folder: String) -> [Failure] {
        guard let data = FileManager.default.contents(atPath: "\(folder)/failures.json"),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.compactMap { item in (item["index"] as? Int).map { Failure(index: $0, error: item["error"] as? String ?? "") } }
    }

    static func writeFailures(_ folder: String, _ failures: [Failure]) throws {
        let list = failures.sorted { $0.index < $1.index }.map { ["index": $0.index, "run": runName($0.index), "error": $0.error] as [String: Any] }
        try AtomicFile.write("\(folder)/failures.json", try JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys]))
    }
}

