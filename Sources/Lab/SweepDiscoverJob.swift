import Choice
import Codec
import Discovery
import Formulas
import Foundation
import Render

/// Discovery across the runs of a sweep: `occam discover frames/sweep/run-* --out runs/sweep`.
///
/// 1. Each run is discovered on its own (`FrameDiscoverJob`): its law, coded with its constants
///    fitted online.
/// 2. One law for all runs: the laws that coded each run best are tried on every run (the
///    compressor codes each run with each law; the constants are fitted per run) and the law
///    whose streams are shortest in total is the common law. A law whose constant is a round
///    number in one run (ω = 2 written as `vy + vy`) is not comparable across runs; the common
///    law carries named constants that every run fits.
/// 3. The per-run constants of the common law against the per-run quantities that vary (from
///    each run's scene.json: masses, charges, fields, G): the same symbolic regression as for
///    any table, one search per constant; a constant that does not depend on them comes out
///    as a plain number.
///
/// Run folders are finished one at a time in a cache beside the output (`.NAME.runs/`), so an
/// interrupted job started again with the same `--out` keeps the runs it had finished; the
/// output folder appears only when everything is done.
public enum SweepDiscoverJob {
    public struct Options: Sendable {
        public var frames: [String]
        public var output: String
        public var force = false
        /// Settings for each run (its frames and output are set per run).
        public var perRun: FrameDiscoverJob.Options
        public var showProgress = true
        public init(frames: [String], output: String) {
            self.frames = frames
            self.output = output
            perRun = FrameDiscoverJob.Options(frames: "", output: "")
        }
    }

    public struct RunSummary: Sendable {
        public var name: String
        public var folder: String
        public var quantities: [String: Double]
        /// The common law's constants, fitted by the coder on this run.
        public var constants: [String: Double]
        public var streamBytes: Int
        /// The run's own choice.
        public var ownLaw: String
        public var ownBytes: Int
    }

    public struct Template: Sendable {
        public var law: String
        public var totalBytes: Int
        /// Runs where the law was not among the run's own candidates and was coded for the sweep.
        public var codedForSweep: Int
        /// Bits of every frame of every run coded with the law (nil if a run's were not kept).
        public var frameBits: [Double]? = nil
    }

    public struct Derived: Sendable {
        public var constant: String
        public var search: DiscoverJob.Outcome
        public var values: [Double]
    }

    public struct Outcome: Sendable {
        public var runs: [RunSummary]
        public var law: String
        public var templates: [Template]
        /// Per-run quantities that vary across the runs (the columns of the derived search).
        public var quantityNames: [String]
        public var derived: [Derived]
        public var notes: [String]
        /// Prefix of the links from report.html to each run's folder.
        public var runLinks = ""
        public var totalBytes: Int { runs.reduce(0) { $0 + $1.streamBytes } }
    }

    public static func run(_ o: Options) throws -> Outcome {
        guard o.frames.count >= 2 else { throw LabError("a sweep job needs at least two frame folders (got \(o.frames.count))") }
        // Every input first: folders, frame sizes.
        var size: (String, Int, Int)? = nil
        for path in o.frames {
            let folder: FrameFolder
            do { folder = try FrameFolder(path: path) } catch { throw LabError("\(error)") }
            let image: Image
            do { image = try folder.frame(0) } catch { throw LabError("\(error)") }
            if let (first, w, h) = size, w != image.width || h != image.height {
                throw LabError("\(path): frames are \(image.width)×\(image.height) px but \(first) has \(w)×\(h); the runs of one sweep must agree in size")
            }
            if size == nil { size = (path, image.width, image.height) }
        }
        var names: [String] = []
        for path in o.frames {
            let base = (path.hasSuffix("/") ? String(path.dropLast()) : path as String)
            var name = (base as NSString).lastPathComponent
            if names.contains(name) { name = "\(names.count)-\(name)" }
            names.append(name)
        }
        let folder = try OutputFolder(destination: o.output, force: o.force)
        let destination = folder.destination
        let cache = FilePath.folder(of: destination) + "/.\(FilePath.name(of: destination)).runs"
        do {
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
            var runFolders: [String] = []
            for (i, (path, name)) in zip(o.frames, names).enumerated() {
                let runFolder = "\(cache)/\(name)"
                if finished(runFolder, frames: path) {
                    say(o, "run \(i + 1) of \(o.frames.count): \(name) already discovered (kept)")
                } else {
                    say(o, "run \(i + 1) of \(o.frames.count): \(name)")
                    var options = o.perRun
                    options.keepEveryCandidate = true
                    options.frames = path
                    options.output = runFolder
                    options.force = true
                    options.showProgress = o.showProgress
                    _ = try FrameDiscoverJob.run(options)
                }
                runFolders.append(runFolder)
            }
            let outcome = try summarise(runFolders: runFolders, into: folder.temporary, search: o.perRun.search, showProgress: o.showProgress)
            for (runFolder, name) in zip(runFolders, names) {
                try FileManager.default.moveItem(atPath: runFolder, toPath: "\(folder.temporary)/\(name)")
            }
            try folder.commit()
            try? FileManager.default.removeItem(atPath: cache)
            return outcome
        } catch {
            folder.discard()  // the cache of finished runs stays for the next attempt
            throw error
        }
    }

    static func say(_ o: Options, _ message: String) {
        if o.showProgress && isatty(2) != 0 { FileHandle.standardError.write(Data("occam: \(message)\n".utf8)) }
    }

    /// A run folder that a finished discovery wrote for these frames.
    public static func finished(_ runFolder: String, frames: String) -> Bool {
        guard let doc = try? EquationsDocument.read("\(runFolder)/equations.json"), let source = doc.framesPath else { return false }
        return source == URL(fileURLWithPath: frames).standardizedFileURL.path
            && FileManager.default.fileExists(atPath: "\(runFolder)/report.html")
    }

    struct RunInfo {
        var name: String
        var folder: String
        var frames: String
        var scene: Data?
        var quantities: [String: Double]
        /// law → (bytes, constants) as coded in the run (own candidates, later the sweep's).
        var coded: [String: (bytes: Int, constants: [String: Double], frameBits: [Double]?)]
        /// law → its template (exact factors named)
        var templates: [String: String]
        var own: String
    }

    /// Cross-run step over finished run folders: the common law, its constants per run and the
    /// laws relating them to the per-run quantities. Writes equations.json, constants.csv,
    /// templates.csv, derived/<constant>/ and report.html into `dir`.
    /// `links`: how report.html reaches each run folder ("" when the runs end up inside `dir`,
    /// "../" when they sit beside it).
    public static func summarise(runFolders: [String], into dir: String, search: SearchOptions, showProgress: Bool,
                                 links: String = "") throws -> Outcome {
        var runs: [RunInfo] = []
        for folder in runFolders {
            let path = "\(folder)/equations.json"
            guard FileManager.default.fileExists(atPath: path) else {
                throw LabError("\(path): missing; is \(folder) a finished frame-discovery run?")
            }
            let doc = try EquationsDocument.read(path)
            guard let frames = doc.framesPath, let candidates = doc.candidates, let own = doc.law, let calibration = doc.calibration else {
                throw LabError("\(path): not written by occam discover on frames (no frames_path, law, candidates or calibration)")
            }
            var coded: [String: (bytes: Int, constants: [String: Double], frameBits: [Double]?)] = [:]
            var templates: [String: String] = [:]
            for c in candidates {
                guard let bytes = c.streamBytes else { continue }
                coded[c.law] = (bytes, c.constants, c.frameBits)
                if c.template != c.law { templates[c.law] = c.template }
            }
            let scene = try FrameDiscoverJob.flagScene(frames: frames, pxPerUnit: calibration.pxPerUnit, dt: calibration.frameInterval,
                                                       startTime: calibration.startTime, source: calibration.source)
            runs.append(RunInfo(name: (folder as NSString).lastPathComponent, folder: folder, frames: frames, scene: scene,
                                quantities: quantities(sceneAt: (frames as NSString).appendingPathComponent("scene.json")),
                                coded: coded, templates: templates, own: own))
        }
        guard runs.count >= 2 else { throw LabError("a sweep summary needs at least two runs (got \(runs.count))") }

        // Candidate common laws (Choice.CommonLaw): each run's shortest, templates first; the
        // ones not coded on a run are coded now; of the laws the frames cannot tell from the
        // shortest total, the one with the fewest constants wins.
        let pool = CommonLaw.pool(runs.map { CommonLaw.Run(coded: $0.coded.mapValues(\.bytes), templates: $0.templates) })
        var templates: [Template] = []
        for (k, law) in pool.enumerated() {
            var coded = 0
            for i in runs.indices where runs[i].coded[law] == nil {
                if showProgress && isatty(2) != 0 {
                    FileHandle.standardError.write(Data("occam: common law \(k + 1) of \(pool.count) on \(runs[i].name): \(law)\n".utf8))
                }
                let file = "\(dir)/.sweep-law.occ"
                defer { try? FileManager.default.removeItem(atPath: file) }
                guard let value = try? Law(text: law),
                      let r = try? CompressJob.compress(frames: runs[i].frames, output: file, model: .law, force: true, law: value,
                                                        scene: runs[i].scene, showProgress: false, reduced: true) else { continue }
                runs[i].coded[law] = (r.bytes, r.lawConstants, r.frameBits)
                coded += 1
            }
            guard runs.allSatisfy({ $0.coded[law] != nil }) else { continue }
            // every run's frame bits in turn (nil if a run lacks them)
            let bits = runs.allSatisfy({ $0.coded[law]!.frameBits != nil }) ? runs.flatMap { $0.coded[law]!.frameBits! } : nil
            templates.append(Template(law: law, totalBytes: runs.reduce(0) { $0 + $1.coded[law]!.bytes }, codedForSweep: coded, frameBits: bits))
        }
        guard let chosen = CommonLaw.choose(templates.map { ($0.law, $0.totalBytes, $0.frameBits) }) else {
            throw LabError("no law could code every run of the sweep")
        }
        let best = templates[chosen]
        templates.sort { $0.totalBytes < $1.totalBytes }
        let law = best.law
        // every template was coded, so it reads
        let constantNames = (try? Law(text: law))?.names ?? []
        var notes: [String] = []

        // Per-run quantities that vary.
        let varying = CommonLaw.varying(runs.map(\.quantities))
        if varying.isEmpty { notes.append("no per-run quantity (from scene.json) varies across the runs; the constants are not related to anything") }
        if constantNames.isEmpty { notes.append("the common law has no fitted constant; every run follows the same law with the same numbers") }

        var table = "run," + (varying + constantNames).joined(separator: ",") + ",stream_bytes\n"
        for run in runs {
            let constants = run.coded[law]!.constants
            table += run.name + "," + varying.map { "\(run.quantities[$0]!)" }.joined(separator: ",")
            table += (varying.isEmpty ? "" : ",") + constantNames.map { "\(constants[$0] ?? .nan)" }.joined(separator: ",")
            table += (constantNames.isEmpty ? "" : ",") + "\(run.coded[law]!.bytes)\n"
        }
        try writeFile("\(dir)/constants.csv", Data(table.utf8))

        var derived: [Derived] = []
        if !varying.isEmpty {
            for name in constantNames {
                let values = runs.map { $0.coded[law]!.constants[name] ?? .nan }
                guard values.allSatisfy(\.isFinite) else {
                    notes.append("\(name): not fitted in every run; not related to the quantities")
                    continue
                }
                if values.allSatisfy({ $0 == values[0] }) {
                    notes.append("\(name) = \(values[0]) in every run")
                    continue
                }
                var options = DiscoverJob.Options(table: "\(dir)/constants.csv", target: name, output: "\(dir)/derived/\(name)")
                options.inputs = varying
                options.search = search
                options.search.maxConstants = min(search.maxConstants, max(1, runs.count - 2))
                options.search.maxEvolvedConstants = min(search.maxEvolvedConstants, max(1, runs.count - 2))
                options.search.maxSize = min(search.maxSize, 12)
                if showProgress && isatty(2) != 0 {
                    FileHandle.standardError.write(Data("occam: searching \(name) over \(varying.joined(separator: ", "))\n".utf8))
                }
                do {
                    derived.append(Derived(constant: name, search: try DiscoverJob.run(options), values: values))
                } catch let e as LabError {
                    notes.append("\(name): \(e.message)")
                }
            }
        }
        let summaries = runs.map { run in
            RunSummary(name: run.name, folder: run.folder, quantities: run.quantities, constants: run.coded[law]!.constants,
                       streamBytes: run.coded[law]!.bytes, ownLaw: run.own, ownBytes: run.coded[run.own]?.bytes ?? 0)
        }
        var outcome = Outcome(runs: summaries, law: law, templates: templates, quantityNames: varying, derived: derived, notes: notes)
        outcome.runLinks = links
        try writeFile("\(dir)/equations.json", try document(outcome).encoded())
        var csv = "common,total_stream_bytes,coded_for_sweep,law\n"
        for t in templates { csv += "\(t.law == law ? 1 : 0),\(t.totalBytes),\(t.codedForSweep),\"\(t.law)\"\n" }
        try writeFile("\(dir)/templates.csv", Data(csv.utf8))
        try writeFile("\(dir)/report.html", Data(Report.sweepHTML(outcome).utf8))
        return outcome
    }

    /// Scalars of a scene that a sweep may vary: G, the reference star's mass M, each moving
    /// body's mass m and charge q (suffixed _name when several), fields E and B by component.
    static func quantities(sceneAt path: String) -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var out: [String: Double] = [:]
        if let g = doc["G"] as? Double { out["G"] = g }
        let bodies = (doc["bodies"] as? [[String: Any]]) ?? []
        let moving = bodies.filter { ($0["role"] as? String) != "star" }
        for body in bodies {
            let name = (body["name"] as? String) ?? "body"
            if (body["role"] as? String) == "star" {
                if let m = body["mass"] as? Double { out["M"] = m }
                continue
            }
            let suffix = moving.count > 1 ? "_\(name)" : ""
            if let m = body["mass"] as? Double { out["m\(suffix)"] = m }
            if let q = body["charge"] as? Double { out["q\(suffix)"] = q }
        }
        if let fields = doc["fields"] as? [String: Any] {
            for (field, value) in fields {
                guard let v = value as? [Double], v.count == 3 else { continue }
                for (axis, x) in zip(["x", "y", "z"], v) { out["\(field)\(axis)"] = x }
            }
        }
        return out
    }

    static func document(_ o: Outcome) -> EquationsDocument {
        let equations = o.derived.map { d in
            var e = EquationsDocument.Entry(d.search.chosen[0], names: d.search.inputNames, target: d.constant)
            e.source = "constants.csv: the common law's constant \(d.constant), fitted per run, against the per-run quantities"
            return e
        }
        var doc = EquationsDocument(source: nil, variables: o.quantityNames,
                                    selection: "common law: the fewest constants among the laws whose streams, every run coded with them (constants fitted per run), "
                                        + "the frames cannot tell from the shortest total; "
                                        + "derived laws: minimum description length over the per-run quantities",
                                    equations: equations)
        doc.kind = "sweep"
        doc.law = o.law
        doc.totalStreamBytes = o.totalBytes
        doc.runs = o.runs.map {
            EquationsDocument.Run(run: $0.name, quantities: $0.quantities, constants: $0.constants.filter { $0.value.isFinite },
                                  streamBytes: $0.streamBytes, ownLaw: $0.ownLaw, ownStreamBytes: $0.ownBytes)
        }
        doc.lawsTried = o.templates.map { EquationsDocument.LawTried(law: $0.law, totalStreamBytes: $0.totalBytes) }
        doc.notes = o.notes
        return doc
    }
}
