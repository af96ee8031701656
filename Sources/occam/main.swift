import ArgumentParser
import Foundation
import Codec
import Formulas
import Lab
import Render
import Tracking

/// The `occam` command line: parses arguments and calls the libraries, nothing more.
@main
struct Occam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "occam",
        abstract: "Discover physical laws from video by compression.",
        discussion: """
            Simulate a scenario into PNG frames, track the objects, compress the frames with a \
            ladder of models and discover the law whose stream is shortest.

            Examples:
              occam run
              occam discover frames/kepler --out runs/kepler
              occam simulate simulations/kepler.yaml --out frames/kepler
              occam video frames/kepler --format apng --out kepler.png
              occam track frames/kepler --out kepler-tracks.csv
            """,
        subcommands: [Run.self, Sweep.self, Simulate.self, Video.self, Track.self, Compress.self, Decompress.self, Discover.self, Export.self])
}

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

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a scenario and render its frames, scene.json and truth.csv.",
        discussion: """
            Writes frame_00000.png, frame_00001.png, … plus scene.json (calibration and the \
            quantities an experimenter knows) and truth.csv (true states, for validation only) \
            into the output folder. A sweep scenario writes one sub-folder per run (run-000, …) \
            and sweep.json. The folder appears only when complete.

            Examples:
              occam simulate simulations/kepler.yaml --out frames/kepler
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

struct Video: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a folder of frames into an animation (APNG, GIF or MP4).",
        discussion: """
            APNG is written by Occam itself; GIF and MP4 need ffmpeg on PATH. The frame rate \
            defaults to 30 frames per second.

            Examples:
              occam video frames/kepler --format apng --out kepler.png
              occam video frames/kepler --format mp4 --out kepler.mp4 --fps 60
            """)

    @Argument(help: "Folder of frame_NNNNN.png files.")
    var frames: String

    @Option(help: "apng, gif or mp4 (default: from the --out extension, else apng).")
    var format: String?

    @Option(name: .shortAndLong, help: "Output file.")
    var out: String

    @Option(help: "Playback frames per second.")
    var fps: Double = 30

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            let chosen: VideoFormat
            if let format {
                guard let f = VideoFormat(rawValue: format.lowercased()) else {
                    throw LabError("--format: unknown format '\(format)' (expected apng, gif or mp4)")
                }
                chosen = f
            } else {
                switch (out as NSString).pathExtension.lowercased() {
                case "gif": chosen = .gif
                case "mp4": chosen = .mp4
                default: chosen = .apng
                }
            }
            guard fps > 0, fps <= 1000 else { throw LabError("--fps must be in (0, 1000] (got \(fps))") }
            if FileManager.default.fileExists(atPath: out) && !force {
                throw LabError("\(out): already exists; pass --force to replace it")
            }
            let folder = try FrameFolder(path: frames)
            let progress = Progress(label: "video", total: folder.count)
            try VideoExport.write(frames: folder, format: chosen, output: out, framesPerSecond: fps) { progress.set(done: $0) }
            progress.finish()
            let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            print(String(format: "wrote %@ (%@, %d frames, %.1f MB)", out, chosen.rawValue, folder.count, Double(size) / 1e6))
        } catch {
            fail(error)
        }
    }
}

struct Track: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Track the objects in a frame folder: positions, velocities, accelerations in physical units.",
        discussion: """
            Finds objects in every frame (adaptive threshold over the estimated background and \
            noise, sub-pixel centroids), links them by predicted position, and differentiates each \
            track by local polynomial fits whose window is chosen from the data. A static bright \
            object becomes the reference body and the origin of coordinates. The calibration comes \
            from the folder's scene.json, or from --px-per-unit and --fps (or --dt) for frames made \
            elsewhere; flags override scene.json. Writes a CSV with '#' comment lines (origin, \
            units) before the header; read it with pandas.read_csv(path, comment="#").

            Examples:
              occam track frames/kepler --out kepler-tracks.csv
              occam track my-frames/ --px-per-unit 55 --fps 50 --out tracks.csv
              occam track my-frames/ --px-per-unit 55 --dt 0.01 --origin 128,128 --out tracks.csv
            """)

    @Argument(help: "Folder of frame_00000.png, frame_00001.png, …")
    var frames: String

    @Option(name: .shortAndLong, help: "CSV file to write.")
    var out: String

    @Option(help: "Pixels per length unit (required without scene.json).")
    var pxPerUnit: Double?

    @Option(help: "Frames per second; time is then in seconds.")
    var fps: Double?

    @Option(help: "Time between frames, in your time unit (instead of --fps).")
    var dt: Double?

    @Option(help: "Pixel coordinates u,v of the physical origin, used when no static reference body is found (default: frame centre).")
    var origin: String?

    @Option(help: "Name of the length unit for the CSV header, e.g. m (with --px-per-unit).")
    var lengthUnit: String?

    @Option(help: "Name of the time unit for the CSV header (with --dt; --fps means seconds).")
    var timeUnit: String?

    @Option(help: "Worker threads for reading and detecting frames (default: all cores).")
    var threads: Int?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            var options = TrackJob.Options(frames: frames, output: out)
            options.lengthUnit = lengthUnit
            options.timeUnit = timeUnit
            options.force = force
            options.pxPerUnit = pxPerUnit
            options.fps = fps
            options.dt = dt
            if let origin {
                let parts = origin.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let u = parts[0], let v = parts[1] else {
                    throw LabError("--origin: expected two numbers u,v in pixels (got '\(origin)')")
                }
                options.origin = (u, v)
            }
            if let threads {
                guard threads >= 1 else { throw LabError("--threads must be at least 1") }
                options.tracker.threads = threads
            }
            let set = try TrackJob.run(options)
            print("\(set.tracks.count) track(s) over \(set.frameCount) frames; origin: \(set.originDescription)")
            for t in set.tracks {
                let ended = t.endReason.map { "; ended: \($0)" } ?? ""
                print(String(format: "  %@  %@  %d points, frames %d-%d, radius %.2f px, noise %.4f px",
                             t.name, t.role.rawValue, t.samples.count, t.samples.first?.frame ?? 0,
                             t.samples.last?.frame ?? 0, t.radiusPx, t.noisePx) + ended)
            }
            if set.droppedShortTracks > 0 {
                print("  (\(set.droppedShortTracks) short track(s) of fewer than \(options.tracker.minimumPoints) points dropped)")
            }
            print("wrote \(out)")
        } catch {
            fail(error)
        }
    }
}

struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compress a frame folder losslessly into an .occ stream, or measure the model ladder.",
        discussion: """
            Codes every pixel with an adaptive binary range coder driven by a pixel model: \
            intra (neighbours in the frame), temporal (adds the previous frame), motion (a \
            predicted frame: the static scene averaged over decoded frames plus moving objects \
            found, fitted as discs and extrapolated), learned (object motion from a dynamics \
            model learned while coding) or law (object motion from the acceleration law given \
            with --law). The decoder runs the same models on the same decoded pixels, so \
            nothing learned is stored. --ladder codes the stream with \
            every level and reports bits per frame for each.

            Examples:
              occam compress frames/kepler --out kepler.occ
              occam compress frames/kepler --model temporal --out kepler-temporal.occ
              occam compress frames/kepler --ladder --json ladder.json
              occam compress frames/kepler --model law --law 'ax = -k*x/r^3; ay = -k*y/r^3' --out k.occ
            """)

    @Argument(help: "Folder of frame_00000.png, frame_00001.png, … (scene.json is stored too).")
    var frames: String

    @Option(name: .shortAndLong, help: "Stream file to write (.occ).")
    var out: String?

    @Option(help: "Model level: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "motion"

    @Flag(help: "Code the frames with every model level and report each.")
    var ladder = false

    @Option(help: "For --model law (and the ladder): the acceleration law, e.g. 'ax = -k*x/r^3; ay = -k*y/r^3', over t, x, y, vx, vy, r in the scene's units; other names are constants fitted while coding.")
    var law: String?

    @Option(help: "With --ladder: write the ladder (bits per frame, per level) as JSON here.")
    var json: String?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        do {
            let raw: Int
            // the law is text only here, at the command line
            let law = try self.law.map { text in
                do { return try Law(text: text) } catch let e as FormulaError { throw LabError("--\(e.message)") }
            }
            if ladder {
                let scratch = NSTemporaryDirectory() + "occam-ladder-\(getpid())"
                try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                let results = try CompressJob.ladder(frames: frames, scratch: scratch, law: law)
                raw = results.first?.rawBytes ?? 0
                print("\(frames): \(results.first?.frameBits.count ?? 0) frames, \(raw) raw bytes")
                print("model        bytes   bits/frame   ratio to raw   seconds")
                for r in results {
                    let name = r.model.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                    print(name + String(format: " %8d %12.1f %14.1f %9.2f", r.bytes, r.bitsPerFrame, r.ratio, r.seconds))
                }
                if let json {
                    let lab = try LabFiles.write(json, CompressJob.ladderJSON(results, frames: frames), force: force)
                    print("wrote \(lab)")
                }
                return
            }
            guard let out else { throw LabError("--out: give the stream file to write (or --ladder)") }
            guard json == nil else { throw LabError("--json goes with --ladder") }
            guard let kind = ModelKind(rawValue: model.lowercased()) else {
                throw LabError("--model: unknown model '\(model)' (expected \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let r = try CompressJob.compress(frames: frames, output: out, model: kind, force: force, law: law)
            print(String(format: "wrote %@: %d bytes, %.1f bits/frame, %.1fx smaller than raw (%d bytes), %.2f s (coding %.1f MB/s)",
                         out, r.bytes, r.bitsPerFrame, r.ratio, r.rawBytes, r.seconds, Double(r.rawBytes) / 1e6 / max(r.codingSeconds, 1e-9)))
            if kind == .learned {
                print("learned \(r.lawConstants.count) weights of the dynamics model while coding (none stored)")
            } else if !r.lawConstants.isEmpty {
                print("law constants fitted while coding: " + r.lawConstants.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", "))
            }
        } catch {
            fail(error)
        }
    }
}

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

struct Discover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the law behind a frame folder, or the equation behind a table (symbolic regression).",
        discussion: """
            On frames (occam discover frames/kepler --out runs/kepler): tracks the objects, searches \
            the accelerations ax, ay as functions of t, x, y, vx, vy and r = sqrt(x²+y²), puts \
            each candidate law into the compressor's law level and keeps the one whose whole \
            stream (law text + frames) is shortest among those that fit the tracked \
            accelerations (within 100× of the best candidate's mean square error). Writes equations.json/.tex/.py, tracks.csv, \
            ladder.json, pareto.csv, laws.csv, stream.occ and report.html. Frames without a \
            scene.json need --px-per-unit and --fps (or --dt). With several objects orbiting a \
            reference body, each orbit's semi-major axis and period are measured from its track \
            and T(a) is searched too (orbits.csv, orbits/).

            On several frame folders (the runs of a sweep): discovers each run, then finds one law \
            for all runs (the law whose streams are shortest in total, constants fitted per run) \
            and searches each of its constants as a function of the per-run quantities that vary \
            (masses, charges, fields, G from each scene.json). Writes one run folder per run plus \
            equations.json, constants.csv, templates.csv, derived/ and report.html. Started again \
            with the same --out after an interruption, it keeps the runs it had finished.

            On a table: reads a CSV or TSV with a header row, searches formulas up to --max-size nodes \
            (constants by Levenberg–Marquardt) and keeps the Pareto front of complexity against \
            error. The chosen equation has the shortest description length in bits. Writes \
            equations.json and pareto.csv into --out. Label columns (non-numeric) are left out.

            The search enumerates all small formulas, then evolves larger ones (regularised \
            evolution over several populations, deterministic for a given --seed). With --units, \
            formulas that are not dimensionally consistent are rejected.

            Several targets (--target ax,ay) are searched one by one, then refitted together with \
            constants that agree merged into one where that shortens the description.

            Examples:
              occam discover frames/kepler --out runs/kepler
              occam discover my-frames/ --px-per-unit 55 --fps 50 --out runs/mine
              occam discover frames/cyclotron-sweep/run-* --out runs/cyclotron-sweep
              occam discover --table planets.csv --target T --out runs/planets
              occam discover --table data.tsv --target omega --inputs q,B,m --out runs/omega
              occam discover --table planets.csv --target T --units a=AU,T=yr --out runs/planets
              occam discover --table tracks.csv --target ax,ay --inputs x,y --out runs/gravity
              occam discover --table sun.csv --table alphacen.csv --target T --out runs/two-stars
            """)

    @Argument(help: "Frame folder (PNG frames, with scene.json or calibration flags); several for a sweep.")
    var frames: [String] = []

    @Option(help: "CSV or TSV file with a header row (instead of frames). Repeat for several datasets of the same columns: one law for all, constants per table.")
    var table: [String] = []

    @Option(help: "With --table: column to explain, or several separated by commas (fitted with shared constants).")
    var target: String?

    @Option(help: "Frames: pixels per length unit (overrides scene.json).")
    var pxPerUnit: Double?

    @Option(help: "Frames: frames per second (overrides scene.json).")
    var fps: Double?

    @Option(help: "Frames: seconds (time units) between frames.")
    var dt: Double?

    @Option(help: "Frames: candidate laws to code with the compressor.")
    var candidates = 10

    @Flag(help: "Frames: skip the intra and temporal ladder levels (faster).")
    var quick = false

    @Option(help: "Comma-separated input columns (default: every numeric column but the target).")
    var inputs: String?

    @Option(name: .shortAndLong, help: "Run folder to write.")
    var out: String

    @Option(help: "Column units for dimensional analysis, e.g. a=AU,T=yr or v=km/s,B=T (every input and the target).")
    var units: String?

    @Flag(help: "With --units: constants must be dimensionless (default: constants may carry units).")
    var dimensionlessConstants = false

    @Option(help: "Largest formula size in nodes.")
    var maxSize = 20

    @Option(help: "Formulas up to this size are enumerated exhaustively before the evolution (default: 7 for one input, fewer for more).")
    var enumerate: Int?

    @Option(help: "Seed of the evolutionary search: the same seed gives the same result.")
    var seed: UInt64 = 1

    @Option(help: "Evolution epochs at most (0: enumeration only).")
    var epochs = 60

    @Option(help: "Threads for the search (default: all cores; the result does not depend on it).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace the run folder if it exists.")
    var force = false

    func run() throws {
        do {
            guard (1...40).contains(maxSize) else { throw LabError("--max-size must be in 1…40 (got \(maxSize))") }
            if let e = enumerate, !(1...9).contains(e) { throw LabError("--enumerate must be in 1…9 (got \(e))") }
            guard epochs >= 0 else { throw LabError("--epochs must be 0 or more") }
            guard threads >= 1 else { throw LabError("--threads must be at least 1") }
            if !frames.isEmpty {
                guard table.isEmpty, target == nil, units == nil else {
                    throw LabError("give a frame folder or --table with --target, not both")
                }
                guard candidates >= 1 else { throw LabError("--candidates must be at least 1") }
                var options = FrameDiscoverJob.Options(frames: frames[0], output: out)
                options.force = force
                options.pxPerUnit = pxPerUnit
                options.fps = fps
                options.dt = dt
                options.candidates = candidates
                options.fullLadder = !quick
                options.search.maxSize = maxSize
                options.search.enumerationSize = enumerate
                options.search.seed = seed
                options.search.epochs = epochs
                options.search.threads = threads
                if frames.count > 1 {
                    var sweep = SweepDiscoverJob.Options(frames: frames, output: out)
                    sweep.force = force
                    sweep.perRun = options
                    printSweep(try SweepDiscoverJob.run(sweep), out: out)
                    return
                }
                printOutcome(try FrameDiscoverJob.run(options), out: out)
                return
            }
            guard let first = table.first, let target else {
                throw LabError("give a frame folder (occam discover frames/kepler --out runs/kepler) or --table and --target")
            }
            var options = DiscoverJob.Options(table: first, target: target, output: out)
            options.moreTables = Array(table.dropFirst())
            options.inputs = inputs?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            options.force = force
            options.units = try units.map(DiscoverJob.parseUnits)
            options.dimensionlessConstants = dimensionlessConstants
            if dimensionlessConstants && units == nil { throw LabError("--dimensionless-constants needs --units") }
            options.search.maxSize = maxSize
            options.search.enumerationSize = enumerate
            options.search.seed = seed
            options.search.epochs = epochs
            options.search.threads = threads
            let outcome = try DiscoverJob.run(options)
            for n in outcome.notices { FileHandle.standardError.write(Data("occam: note: \(n)\n".utf8)) }
            let names = outcome.inputNames
            for (k, result) in outcome.results.enumerated() {
                let target = outcome.targets[k] + (outcome.tables.isEmpty ? "" : " (\(outcome.tables[k]))")
                print("\(target): evaluated \(result.evaluated) formulas; Pareto front:")
                for c in result.front {
                    let mark = c.formula.program == outcome.chosen[k].formula.program ? "*" : " "
                    print(String(format: "%@ %2d  %10.4g bits  mse %.4g  ", mark, c.complexity, c.bits.total, c.mse)
                          + "\(target) = \(c.formula.sympyString(names: names))")
                }
            }
            if let j = outcome.joint {
                let groups = j.shared.map { g in g.map { "\(outcome.targets[$0.target]).c\($0.constant)" }.joined(separator: " = ") }
                print(String(format: "joint: %.1f bits (%.1f without sharing)", j.bits, j.bitsWithoutSharing)
                      + (groups.isEmpty ? "; no shared constants" : "; shared: " + groups.joined(separator: ", ")))
            }
            if let d = outcome.datasets {
                print(String(format: "one law for %d tables: %.1f bits (each table its own best: %.1f); %d structures compared",
                             outcome.tables.count, d.bits, d.bitsSeparate, d.compared))
                for (i, a) in d.agreement.enumerated() where !outcome.chosen[0].formula.fixedConstants.contains(i) {
                    print("  c\(i): " + (a.agree ? String(format: "agrees across tables, %.6g ± %.2g", a.mean, a.sigma)
                                                 : "differs between tables (see each equation)"))
                }
            }
            for (k, c) in outcome.chosen.enumerated() {
                let label = outcome.tables.isEmpty ? "" : " (\(outcome.tables[k]))"
                print("chosen: \(outcome.targets[k])\(label) = \(c.formula.sympyString(names: names))")
            }
            print("written to \(out)")
        } catch {
            fail(error)
        }
    }
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
    let law = o.laws[o.chosen]
    print("chosen: ax = \(law.ax.formula.sympyString(names: names))")
    print("        ay = \(law.ay.formula.sympyString(names: names))")
    if !o.orbits.isEmpty {
        print("orbits: " + o.orbits.map { String(format: "%@ a=%.5g T=%.5g", $0.track, $0.semiMajorAxis, $0.period) }.joined(separator: ", "))
    }
    for note in o.orbitNotes { print("note: \(note)") }
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

/// Settings of each run's discovery, shared by occam run and occam sweep (which passes them on).
struct RunSettings: ParsableArguments {
    @Option(help: "Seed of the symbolic-regression search.")
    var seed: UInt64 = 1

    @Flag(help: "Skip the intra and temporal ladder levels (faster).")
    var quick = false

    @Option(help: "Evolution epochs at most per search (default 60).")
    var epochs: Int?

    @Option(help: "Largest formula size in nodes (default 20).")
    var maxSize: Int?

    @Option(help: "Candidate laws to code with the compressor (default 10).")
    var candidates: Int?

    func apply(_ o: inout FrameDiscoverJob.Options) throws {
        o.fullLadder = !quick
        o.search.seed = seed
        if let epochs {
            guard epochs >= 0 else { throw LabError("--epochs must be 0 or more") }
            o.search.epochs = epochs
            o.search.minEpochs = min(o.search.minEpochs, epochs)
        }
        if let maxSize {
            guard (1...40).contains(maxSize) else { throw LabError("--max-size must be in 1…40 (got \(maxSize))") }
            o.search.maxSize = maxSize
        }
        if let candidates {
            guard candidates >= 1 else { throw LabError("--candidates must be at least 1") }
            o.candidates = candidates
        }
    }

    /// The same settings as command-line words, for the runs a sweep starts.
    var arguments: [String] {
        var out = ["--seed", "\(seed)"]
        if quick { out.append("--quick") }
        if let epochs { out += ["--epochs", "\(epochs)"] }
        if let maxSize { out += ["--max-size", "\(maxSize)"] }
        if let candidates { out += ["--candidates", "\(candidates)"] }
        return out
    }
}

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
