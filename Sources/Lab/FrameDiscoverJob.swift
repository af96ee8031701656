import Choice
import Codec
import Discovery
import Formulas
import Foundation
import Render
import Tracking

/// `occam discover <frames>`: from a video to the law that compresses it best.
///
/// 1. Track every object (calibration from scene.json or flags; truth.csv is never read).
/// 2. Symbolic regression of the measured accelerations a_x, a_y of the moving objects as
///    functions of the state t, x, y, v_x, v_y and r = √(x² + y²) (physical units, y up, origin
///    at the reference body when one is found), both targets together so shared constants are
///    fitted once.
/// 3. Candidate laws go into the compressor's `law` level, with their constants named so the
///    coder fits them online: pairs from the two Pareto fronts, isotropic mirrors, and vector
///    laws (`VectorLaws`: rotation-equivariant terms, a uniform field's components charged as
///    such). The stream holds the law's text and the frames coded given the law.
/// 4. The choice (`StreamChoice`): among the laws that fit the tracked accelerations about as
///    well as the best, the shortest stream and every law whose frames code no longer beyond
///    coding noise form a class; the law with the shortest description (structure and
///    constants) wins it, and the others are reported as what the video leaves ambiguous
///    (`Ambiguity`). The ladder's lower levels are coded too, to show how much each explains.
///
/// Nothing here knows about Kepler or Lorentz: the operators, inputs and the selection are the
/// same for any frames.
public enum FrameDiscoverJob {
    public struct Options: Sendable {
        public var frames: String
        public var output: String
        public var force = false
        public var pxPerUnit: Double?
        public var fps: Double?
        public var dt: Double?
        public var search = SearchOptions()
        public var tracker = Tracker.Options()
        /// Rows (samples of the moving objects) given to the search, evenly spaced.
        public var maxRows = 240
        /// Candidate laws put into the compressor.
        public var candidates = 10
        /// Also code the stream with the intra and temporal levels (slow on long streams).
        public var fullLadder = true
        /// Code every candidate law to the end, and keep laws that are the same function. A sweep
        /// sets it: its cross-run step compares every law, and each law's template, across the
        /// runs by exact bytes. Otherwise a law is abandoned once it provably codes longer than a
        /// finished one, and equal laws are coded once (the choice is the same).
        public var keepEveryCandidate = false
        public var showProgress = true
        /// Distil a law from the neural level's network (`Distillation`): a second search.
        public var distill = false
        public init(frames: String, output: String) {
            self.frames = frames
            self.output = output
            // the two components are searched side by side (the result does not depend on it)
            search.threads = ProcessInfo.processInfo.activeProcessorCount
        }
    }

    public struct Outcome: Sendable {
        public var tracks: TrackSet
        public var search: DiscoverJob.Outcome
        public var ladder: [CompressJob.Result]
        public var laws: [LawCandidate]
        public var chosen: Int
        public var rows: Int
        public var stageSeconds: [(String, Double)]
        /// Closed orbits measured from the tracks (several objects about a reference body).
        public var orbits: [Orbit] = []
        /// Tracks whose orbit could not be measured, and why.
        public var orbitNotes: [String] = []
        /// The law between the orbits' measured periods and semi-major axes, T(a), when at
        /// least three orbits were measured.
        public var orbitLaw: DiscoverJob.Outcome? = nil
        /// The laws the stream cannot tell from the chosen one, and what would separate them.
        public var ambiguity: Ambiguity? = nil
        /// The pairwise law between objects that all move (no reference body).
        public var interaction: Interaction? = nil
        /// The network's implicit law, when asked for (`Options.distill`).
        public var distillation: Distillation? = nil
        /// Why there is none, when one was asked for.
        public var distillationNote: String? = nil
        /// The pair network's messages distilled (`Options.distill`, two or more moving objects).
        public var pairDistillation: PairDistillation? = nil
    }

    static let variables = Law.variables  // t, x, y, vx, vy, r

    public static func run(_ o: Options) throws -> Outcome {
        var stages: [(String, Double)] = []
        var clock = Date()
        func lap(_ name: String) {
            stages.append((name, Date().timeIntervalSince(clock)))
            clock = Date()
        }
        let say: (String) -> Void = { message in
            if o.showProgress && isatty(2) != 0 { FileHandle.standardError.write(Data("occam: \(message)\n".utf8)) }
        }
        // Inputs first: the folder, its frames, the calibration; then the output.
        let frameFolder: FrameFolder
        do { frameFolder = try FrameFolder(path: o.frames) } catch { throw LabError("\(error)") }
        if o.showProgress, let what = PNGFile.reduction(frameFolder.files[0]) {
            FileHandle.standardError.write(Data("occam: note: \(frameFolder.files[0]): PNG with \(what); tracking and the stream use the 8-bit frames\n".utf8))
        }
        let calibration = try TrackJob.calibration(folder: o.frames, pxPerUnit: o.pxPerUnit, fps: o.fps, dt: o.dt,
                                                   origin: nil, startTime: nil)
        let folder = try OutputFolder(destination: o.output, force: o.force)
        // the ladder is coded on another thread while the search runs; a failure stops it
        let stopLadder = StopFlag()
        do {
            // The frames are decoded once, here, when they fit in memory; tracking and coding
            // both use them (larger videos are read again, block by block, for coding).
            let frames = try FrameStore.load(frameFolder, showProgress: o.showProgress)
            let first = try frames?.first ?? FrameStore.frame(frameFolder, 0)
            let rawBytes = first.pixels.count * frameFolder.count
            lap("read")
            let set = try TrackJob.trackFolder(o.frames, calibration: calibration, options: o.tracker, showProgress: o.showProgress,
                                               frames: frames)
            lap("track")
            guard !set.moving.isEmpty else { throw LabError("\(o.frames): no moving object was tracked; nothing to explain") }
            try writeFile("\(folder.temporary)/tracks.csv", Data(set.csv.utf8))

            // The table: every moving object's samples, evenly thinned to maxRows.
            var samples: [Track.Sample] = []
            for track in set.moving {
                samples += track.samples.filter { [$0.x, $0.y, $0.vx, $0.vy, $0.ax, $0.ay].allSatisfy(\.isFinite) }
            }
            guard samples.count >= 12 else {
                throw LabError("\(o.frames): only \(samples.count) usable samples of moving objects; need at least 12")
            }
            let stride = max(1, Int((Double(samples.count) / Double(o.maxRows)).rounded(.up)))
            let rows = Swift.stride(from: 0, to: samples.count, by: stride).map { samples[$0] }
            var csv = "t,x,y,vx,vy,r,ax,ay\n"
            for s in rows {
                csv += "\(s.t),\(s.x),\(s.y),\(s.vx),\(s.vy),\((s.x * s.x + s.y * s.y).squareRoot()),\(s.ax),\(s.ay)\n"
            }
            try writeFile("\(folder.temporary)/accelerations.csv", Data(csv.utf8))

            // Frames calibrated by flags: the stream carries that calibration, so the law level
            // works in the same units as the search (and a decoder gets them back).
            let scene = try flagScene(frames: o.frames, pxPerUnit: calibration.pxPerUnit, dt: calibration.dt,
                                      startTime: calibration.startTime, source: calibration.source)
            let sceneBytes = scene ?? FileManager.default.contents(atPath: (o.frames as NSString).appendingPathComponent("scene.json")) ?? Data()
            // The ladder needs no law: it is coded while the search runs (one reading of the frames).
            let levels: [ModelKind] = o.fullLadder ? [.intra, .temporal, .motion, .learned, .neural] : [.motion, .learned, .neural]
            let ladderJob = Background {
                try CompressJob.codeAll(frameFolder, frames: frames, scene: sceneBytes, requests: levels.map { Codings.Request(model: $0) },
                                        label: "coding the ladder", showProgress: false, stop: stopLadder)
            }

            say("searching laws for ax, ay over \(rows.count) samples (coding the ladder meanwhile)")
            let columns: [[Double]] = [rows.map(\.t), rows.map(\.x), rows.map(\.y), rows.map(\.vx), rows.map(\.vy),
                                       rows.map { ($0.x * $0.x + $0.y * $0.y).squareRoot() }]
            let targets = [rows.map(\.ax), rows.map(\.ay)]
            let found = try DiscoverJob.search(columns: columns, names: variables, targets: Law.components, values: targets,
                                               options: o.search, source: "\(o.frames): accelerations")
            lap("search")

            // Laws to try (Choice.Proposals): the searches' choices and plausible front pairs,
            // isotropic and snapped variants, one per function.
            let searched = Proposals.Searched(
                chosen: found.chosen, fronts: found.results.map { $0.front + $0.alternatives }, shared: found.joint?.shared ?? [],
                columns: columns, targets: targets, alphabet: o.search.alphabet(variables: columns.count), centred: set.reference != nil)
            var laws = Proposals.laws(searched, limit: o.candidates, distinct: !o.keepEveryCandidate)

            // Every candidate law, coded side by side in memory; a law is abandoned once it
            // provably codes longer than one that finished (see the choice below: it could not
            // be chosen); only the chosen law's stream is written.
            say("coding the stream with \(laws.count) candidate laws")
            let ranks = StreamChoice.ranks(laws)
            let coded = try CompressJob.codeAll(frameFolder, frames: frames, scene: sceneBytes,
                                                requests: laws.indices.map { Codings.Request(model: .law, law: laws[$0].law, rank: o.keepEveryCandidate ? nil : ranks[$0]) },
                                                label: "coding \(laws.count) laws", showProgress: o.showProgress)
            lap("laws")
            let ladderCodings = try ladderJob.value()
            var ladder: [CompressJob.Result] = ladderCodings.map { CompressJob.Result($0, rawBytes: rawBytes) }
            lap("ladder")
            // the shortest stream among the laws that fit (Choice.StreamChoice)
            guard var best = StreamChoice.choose(&laws, coded: coded) else {
                throw LabError("\(o.frames): no candidate law could be put into the compressor")
            }
            // In hindsight: the chosen law against a simpler one that fits, both coded again
            // with their constants held at the coder's final values (StreamChoice.challenger).
            if let rival = StreamChoice.challenger(laws, chosen: best),
               let a = laws[best].law.holding(coded[best].lawConstants), let b = laws[rival].law.holding(coded[rival].lawConstants) {
                say("holding the constants: \(laws[best].text) against \(laws[rival].text)")
                let held = try CompressJob.codeAll(frameFolder, frames: frames, scene: sceneBytes,
                                                   requests: [a, b].map { Codings.Request(model: .law, law: $0) },
                                                   label: "coding 2 laws with constants held", showProgress: o.showProgress)
                if held.count == 2, held.allSatisfy(\.finished) {
                    best = StreamChoice.settle(&laws, chosen: best, challenger: rival, held: (held[0].frameBits, held[1].frameBits))
                }
                lap("hindsight")
            }
            ladder.append(CompressJob.Result(coded[best], rawBytes: rawBytes))
            try writeFile("\(folder.temporary)/stream.occ", Data(coded[best].stream))
            lap("choose")

            var outcome = Outcome(tracks: set, search: found, ladder: ladder, laws: laws, chosen: best, rows: rows.count,
                                  stageSeconds: stages)
            outcome.ambiguity = Ambiguity.of(laws, chosen: best, columns: columns, objects: set.moving.count, centred: set.reference != nil)
            outcome.interaction = Interaction.measure(set, alphabet: o.search.alphabet(variables: columns.count))
            if outcome.interaction != nil { lap("interaction"); outcome.stageSeconds = stages }
            if o.distill {
                guard let field = ladderCodings.first(where: { $0.request.model == .neural })?.neuralField else {
                    throw LabError("--distill: the neural level was not coded")
                }
                say("distilling a law from the neural level's network")
                let explicit = laws[best].law.holding(coded[best].lawConstants)
                outcome.distillation = try Distillation.run(field: field, pxPerUnit: calibration.pxPerUnit, dt: calibration.dt,
                                                            startTime: calibration.startTime, explicit: explicit, maxRows: o.maxRows,
                                                            options: o.search, source: "\(o.frames): the network's accelerations")
                if let d = outcome.distillation {
                    try writeFile("\(folder.temporary)/distilled.json", try d.json())
                } else {
                    outcome.distillationNote = "no law was distilled from the neural level's network (it had not learned enough, or no proposed law fit its answers)"
                }
                if let messages = ladderCodings.first(where: { $0.request.model == .neural })?.pairMessages {
                    say("distilling the pairwise law from the neural level's pair network")
                    outcome.pairDistillation = try PairDistillation.run(messages: messages, pxPerUnit: calibration.pxPerUnit, dt: calibration.dt,
                                                                        maxRows: o.maxRows, options: o.search,
                                                                        source: "\(o.frames): the pair network's messages")
                    outcome.pairDistillation?.trackedObjects = set.moving.count
                    if let p = outcome.pairDistillation { try writeFile("\(folder.temporary)/distilled-pairs.json", try p.json()) }
                }
                lap("distill")
                outcome.stageSeconds = stages
            }
            if set.reference != nil && set.moving.count >= 3 {
                say("measuring orbits and searching T(a)")
                try derivedOrbitLaw(&outcome, folder: folder.temporary, search: o.search)
                lap("orbits")
                outcome.stageSeconds = stages
            }
            try writeFile("\(folder.temporary)/ladder.json", try CompressJob.ladderJSON(ladder, frames: o.frames))
            let document = document(outcome, frames: o.frames)
            try writeFile("\(folder.temporary)/equations.json", try document.encoded())
            try writeFile("\(folder.temporary)/pareto.csv", DiscoverJob.paretoCSV(found))
            try writeFile("\(folder.temporary)/laws.csv", lawsCSV(outcome))
            let equations = try ExportJob.equations(document, path: "equations.json")
            try writeFile("\(folder.temporary)/equations.tex", Data((try ExportJob.render(equations, format: .latex) + "\n").utf8))
            try writeFile("\(folder.temporary)/equations.py", Data((try ExportJob.render(equations, format: .python, document: document) + "\n").utf8))
            try writeFile("\(folder.temporary)/report.html", Data(Report.html(outcome, frames: o.frames).utf8))
            try folder.commit()
            return outcome
        } catch {
            stopLadder.stop()
            folder.discard()
            throw error
        }
    }

    /// For frames without scene.json: the calibration the flags gave, as the scene the stream
    /// carries (nil when the folder has its own scene.json).
    static func flagScene(frames: String, pxPerUnit: Double, dt: Double, startTime: Double, source: String) throws -> Data? {
        guard !FileManager.default.fileExists(atPath: (frames as NSString).appendingPathComponent("scene.json")) else { return nil }
        let object: [String: Any] = ["calibration": ["px_per_unit": pxPerUnit, "source": source],
                                     "frame_interval": dt, "start_time": startTime]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Kepler's third law, if the frames hold it: each moving object's semi-major axis and
    /// period measured from its positions (`Orbit`), then the same symbolic regression as for
    /// any table, T as a function of a (with the calibration's units when it names them).
    /// Writes orbits.csv and orbits/ (equations.json, pareto.csv of T(a)).
    static func derivedOrbitLaw(_ outcome: inout Outcome, folder: String, search: SearchOptions) throws {
        for track in outcome.tracks.moving {
            switch Orbit.measure(track) {
            case .success(let orbit): outcome.orbits.append(orbit)
            case .failure(let why): outcome.orbitNotes.append("\(track.name): \(why)")
            }
        }
        var csv = "track,a,b,e,T,turns,method\n"
        for o in outcome.orbits {
            csv += "\(o.track),\(o.semiMajorAxis),\(o.semiMinorAxis),\(o.eccentricity),\(o.period),\(o.turns),\(o.method)\n"
        }
        try writeFile("\(folder)/orbits.csv", Data(csv.utf8))
        guard outcome.orbits.count >= 3 else {
            outcome.orbitNotes.append("\(outcome.orbits.count) orbit(s) measured; T(a) needs at least 3")
            return
        }
        var options = DiscoverJob.Options(table: "\(folder)/orbits.csv", target: "T", output: "\(folder)/orbits")
        options.inputs = ["a"]
        options.search = search
        options.search.maxConstants = min(search.maxConstants, outcome.orbits.count - 2)
        options.search.maxEvolvedConstants = min(search.maxEvolvedConstants, outcome.orbits.count - 2)
        options.search.maxSize = min(search.maxSize, 12)
        let c = outcome.tracks.calibration
        if !c.lengthUnit.isEmpty, !c.timeUnit.isEmpty, (try? PhysicalDimension(unit: c.lengthUnit)) != nil,
           (try? PhysicalDimension(unit: c.timeUnit)) != nil {
            options.units = ["a": c.lengthUnit, "T": c.timeUnit]
        }
        outcome.orbitLaw = try DiscoverJob.run(options)
    }

    static func document(_ o: Outcome, frames: String) -> EquationsDocument {
        let law = o.laws[o.chosen]
        let names = variables
        func entry(_ c: Candidate, _ target: String) -> EquationsDocument.Entry {
            var e = EquationsDocument.Entry(c, names: names, target: target)
            e.lawText = law.text
            return e
        }
        let calibration = o.tracks.calibration
        var doc = EquationsDocument(source: .one(frames), variables: names,
                                    selection: "among the laws that fit the tracked accelerations, those whose frames code no longer than the shortest "
                                        + "stream's beyond coding noise (one class); of these, the shortest description of the law (structure and constants); "
                                        + "then, against the simpler law with the shortest stream, the frames coded again with each law's constants held at "
                                        + "their final values: if the simpler law's frames then cost no more beyond coding noise, it joins the class and is chosen",
                                    equations: [entry(law.ax, "ax"), entry(law.ay, "ay")])
        doc.variablesNote = "physical units (\(calibration.lengthUnit.isEmpty ? "L" : calibration.lengthUnit), "
            + "\(calibration.timeUnit.isEmpty ? "T" : calibration.timeUnit)), y up; r = sqrt(x**2 + y**2)"
        doc.origin = o.tracks.originDescription
        doc.law = law.text
        doc.lawConstantsFittedByCoder = law.constants
        doc.streamBytes = law.streamBytes
        doc.totalBits = law.totalBits
        doc.equationBits = law.equationBits
        doc.candidates = o.laws.map { l in
            // an abandoned law's size is a lower bound (the sweep codes it again if needed)
            EquationsDocument.LawCandidate(law: l.text, equationBits: l.equationBits, template: l.template,
                                           constants: l.constants.filter { $0.value.isFinite },
                                           streamBytes: l.finished ? l.streamBytes : nil, totalBits: l.finished ? l.totalBits : nil,
                                           streamBytesAtLeast: l.finished ? nil : l.streamBytes, form: l.form,
                                           descriptionBits: l.descriptionBits, equivalent: l.equivalent,
                                           frameBitsConstantsHeld: l.heldFrameBits.map { ($0 * 100).rounded() / 100 },
                                           frameBits: l.finished ? l.frameBitsPerFrame.map { ($0 * 100).rounded() / 100 } : nil)
        }
        doc.framesPath = URL(fileURLWithPath: frames).standardizedFileURL.path
        doc.calibration = EquationsDocument.Calibration(pxPerUnit: calibration.pxPerUnit, frameInterval: calibration.dt,
                                                        startTime: calibration.startTime, source: calibration.source)
        doc.samples = o.rows
        doc.movingObjects = o.tracks.moving.count
        doc.formulasEvaluated = o.search.results.reduce(0) { $0 + $1.evaluated }
        if let a = o.ambiguity {
            doc.ambiguity = EquationsDocument.Ambiguity(
                laws: a.members.map { EquationsDocument.Ambiguity.Member(law: $0.law, offOrbitDifference: $0.offOrbitDifference) },
                why: a.why, separateBy: a.separateBy)
        }
        if let i = o.interaction {
            doc.interaction = interactionEntry(i)
            if i.best.coupling != .none {
                doc.notes = ["the objects act on each other: their law is 'interaction'; 'law' and 'equations' are what the stream "
                             + "coded for each object on its own state (the law level does not yet step objects jointly)"]
            }
        }
        if let derived = o.orbitLaw {
            var e = EquationsDocument.Entry(derived.chosen[0], names: derived.inputNames, target: "T")
            e.source = "orbits.csv: each moving object's semi-major axis a and period T, measured from its track"
            doc.derived = [e]
        }
        if !o.orbits.isEmpty || !o.orbitNotes.isEmpty {
            doc.orbits = o.orbits.map {
                EquationsDocument.Orbit(track: $0.track, a: $0.semiMajorAxis, e: $0.eccentricity, T: $0.period, turns: $0.turns,
                                        method: $0.method)
            }
            doc.orbitNotes = o.orbitNotes
        }
        return doc
    }

    static func interactionEntry(_ i: Interaction) -> EquationsDocument.Interaction {
        let b = i.best
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let ratios = b.massRatios
        let strengths: [EquationsDocument.Interaction.Strength] = b.coupling == .none ? [] : i.objects.indices.map { j in
            EquationsDocument.Interaction.Strength(
                object: i.objects[j], value: b.coupling == .sources ? b.constants[j] : nil,
                uncertainty: b.coupling == .sources ? finite(b.sigmas[j]) : nil,
                massRatio: ratios[j].ratio, massRatioUncertainty: finite(ratios[j].sigma))
        }
        let n = b.objects
        func rows(_ v: [Double]) -> [[Double]]? {
            switch b.field {
            case .none: return nil
            case .uniform: return [v]
            case .perObject: return (0..<n).map { Array(v[(3 * $0)..<(3 * $0 + 3)]) }
            }
        }
        var entry = EquationsDocument.Interaction(
            law: b.text, coupling: b.coupling.rawValue, exponent: b.exponent, exponentUncertainty: b.exponentSnapped ? nil : finite(b.exponentSigma),
            exponentExact: b.exponentSnapped, objects: i.objects, strengths: strengths,
            pairConstants: b.coupling == .pairs ? (0..<n).map { r in Array(b.constants[(r * n)..<(r * n + n)]) } : nil,
            attractive: b.attractive, momentumCheck: i.momentumCheck, snapshots: i.snapshots, bits: b.bits,
            descriptionBits: b.descriptionBits, noInteractionBits: i.noInteractionBits, misfit: b.misfit,
            alternatives: i.alternatives.map { .init(law: $0.text, coupling: $0.coupling.rawValue, exponent: $0.exponent, bits: $0.bits) },
            equivalent: i.equivalent.map { .init(law: $0.text, coupling: $0.coupling.rawValue, exponent: $0.exponent, bits: $0.bits) },
            fittedOn: b.fittedOnPositions ? "positions" : "accelerations", note: Interaction.note)
        entry.field = b.field.rawValue
        entry.fieldConstants = rows(b.fieldConstants)
        entry.fieldUncertainties = rows(b.fieldSigmas.map { $0.isFinite ? $0 : 0 })
        return entry
    }

    static func lawsCSV(_ o: Outcome) -> Data {
        var out = "chosen,stream_bytes,finished,total_bits,equation_bits,law\n"
        for (i, l) in o.laws.enumerated() {
            out += "\(i == o.chosen ? 1 : 0),\(l.streamBytes),\(l.finished ? 1 : 0),\(l.totalBits),\(l.equationBits),\"\(l.text)\"\n"
        }
        return Data(out.utf8)
    }
}
