import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

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
            formulas that are not dimensionally consistent are rejected; with \
            --dimensionless-constants too, the search also runs over dimensionless groups of the \
            inputs (Buckingham π: y = Π x^p · f(groups)). A target of one sign over more than six \
            decades is also searched as its logarithm.

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

    @OptionGroup(title: "Frames: calibration")
    var calibration: CalibrationFlags

    @Option(help: "Frames: candidate laws to code with the compressor.")
    var candidates = 10

    @Flag(help: "Frames: skip the intra and temporal ladder levels (faster).")
    var quick = false

    @Flag(help: "Frames: also distil a law from the neural level's network and compare it with the chosen law off the filmed orbits (distilled.json); with two or more moving objects, also each object's pairwise message from its pair network and their mass ratio (distilled-pairs.json).")
    var distill = false

    @Option(help: "Comma-separated input columns (default: every numeric column but the target).")
    var inputs: String?

    @Option(name: .shortAndLong, help: "Run folder to write.")
    var out: String

    @Option(help: "Column units for dimensional analysis, e.g. a=AU,T=yr or v=km/s,B=T (every input and the target).")
    var units: String?

    @Flag(help: "With --units: constants must be dimensionless (default: constants may carry units); the search then also runs over dimensionless groups of the inputs.")
    var dimensionlessConstants = false

    @OptionGroup(title: "Search")
    var search: SearchFlags

    @Flag(help: "Replace the run folder if it exists.")
    var force = false

    func run() throws {
        do {
            if !frames.isEmpty {
                guard table.isEmpty, target == nil, units == nil else {
                    throw LabError("give a frame folder or --table with --target, not both")
                }
                guard candidates >= 1 else { throw LabError("--candidates must be at least 1") }
                var options = FrameDiscoverJob.Options(frames: frames[0], output: out)
                options.force = force
                options.pxPerUnit = calibration.pxPerUnit
                options.fps = calibration.fps
                options.dt = calibration.dt
                options.candidates = candidates
                options.fullLadder = !quick
                options.distill = distill
                try search.apply(&options.search)
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
            options.search.threads = ProcessInfo.processInfo.activeProcessorCount
            try search.apply(&options.search)
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
