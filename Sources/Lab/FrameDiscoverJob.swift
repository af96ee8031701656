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
/// 3. Every candidate law from the two Pareto fronts goes into the compressor's `law` level,
///    with its constants named so the coder fits them online; the stream then holds the law's
///    text (the equation) and the frames coded given the law.
/// 4. The chosen law is the one with the shortest total: equation plus stream, i.e. the whole
///    `.occ` file, among the laws that fit the tracked accelerations within 100× of the best
///    candidate's mean square error. The ladder's lower levels are coded too, to show how much each explains.
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
        public init(frames: String, output: String) {
            self.frames = frames
            self.output = output
            // the two components are searched side by side (the result does not depend on it)
            search.threads = ProcessInfo.processInfo.activeProcessorCount
        }
    }

    /// One law tried in the compressor.
    public struct LawCandidate: Sendable {
        public var ax: Candidate
        public var ay: Candidate
        /// The law as given to the coder (constants named, fitted online).
        public var law: Law
        /// The law as text (`ax = …; ay = …`), as the stream stores it.
        public var text: String { law.text }
        /// Symbolic-regression bits of the two equations (structure + constants + residuals of
        /// the measured accelerations) — for reference; the choice uses the stream.
        public var equationBits: Double
        /// Whole `.occ` file: header, scene.json, the law text, the frames given the law.
        public var streamBytes: Int
        /// False when the compressor abandoned the law: `streamBytes` is then the size its
        /// stream would at least have had, already more than a finished law's.
        public var finished = true
        public var frameBits: Double
        public var constants: [String: Double]
        public var totalBits: Double { Double(streamBytes * 8) }
        /// Distinct named constants the coder fits.
        public var namedConstants: Int { law.names.count }
        /// The law with exact factors named too (`(6/5)*vy` → `k1*vy`; exponents stay exact):
        /// the form that can follow a constant across the runs of a sweep.
        public var template = ""
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
            let levels: [ModelKind] = o.fullLadder ? [.intra, .temporal, .motion, .learned] : [.motion, .learned]
            let ladderJob = Background {
                try CompressJob.codeAll(frameFolder, frames: frames, scene: sceneBytes, requests: levels.map { Codings.Request(model: $0) },
                                        label: "coding the ladder", showProgress: false)
            }

            say("searching laws for ax, ay over \(rows.count) samples (coding the ladder meanwhile)")
            let columns: [[Double]] = [rows.map(\.t), rows.map(\.x), rows.map(\.y), rows.map(\.vx), rows.map(\.vy),
                                       rows.map { ($0.x * $0.x + $0.y * $0.y).squareRoot() }]
            let targets = [rows.map(\.ax), rows.map(\.ay)]
            let found = try DiscoverJob.search(columns: columns, names: variables, targets: Law.components, values: targets,
                                               options: o.search, source: "\(o.frames): accelerations")
            lap("search")

            // Laws to try: the joint choice, then, from the simplest up, a_x front members that
            // fit within 100× of the best error, each paired with the a_y member of nearest size.
            // The compressor decides between them: its stream includes the law's text, so a
            // longer law must pay for itself in frame bits.
            var pairs: [(Candidate, Candidate)] = [(found.chosen[0], found.chosen[1])]
            let fx = found.results[0].front + found.results[0].alternatives, fy = found.results[1].front + found.results[1].alternatives
            func plausible(_ front: [Candidate]) -> [Candidate] {
                let best = front.map(\.mse).min() ?? 0
                return front.filter { $0.mse <= 100 * best && $0.complexity <= 12 }.sorted { $0.complexity < $1.complexity }
            }
            func nearest(_ c: Candidate, in front: [Candidate]) -> Candidate? {
                front.min { abs($0.complexity - c.complexity) < abs($1.complexity - c.complexity) }
            }
            let px = plausible(fx), py = plausible(fy)
            for c in px { if let d = nearest(c, in: py) { pairs.append((c, d)) } }
            for d in py { if let c = nearest(d, in: px) { pairs.append((c, d)) } }
            // (columns and targets also score the proposed formulas on either component)
            func score(_ f: Formula, target: Int) -> Candidate? {
                DescriptionLength.score(f, columns: columns, target: targets[target], weights: Search.weights(targets[target]),
                                        alphabet: o.search.alphabet(variables: columns.count), starts: [f.constants], iterations: 100)
            }
            var seen = Set<String>()
            var laws: [LawCandidate] = []
            let shared = found.joint?.shared ?? []
            let alphabet = o.search.alphabet(variables: columns.count)
            func propose(_ ax: Candidate, _ ay: Candidate, shared groups: [[Joint.SharedConstant]] = [], sameConstants: Bool = false,
                         sharing: Bool = false) {
                let value = makeLaw(ax: ax, ay: ay, shared: groups, sameConstants: sameConstants)
                // the stream stores the law as text: it must read back
                let text = value.text
                guard seen.insert(text).inserted, (try? Law(text: text)) != nil else { return }
                // The search's bits for the pair as the law states it: constants shared between
                // the axes are fitted once, to both components together.
                var bits = ax.bits.total + ay.bits.total
                if sharing {
                    let groups = (0..<min(ax.formula.constantCount, ay.formula.constantCount))
                        .filter { !ax.formula.fixedConstants.contains($0) }
                        .map { [Joint.SharedConstant(target: 0, constant: $0), Joint.SharedConstant(target: 1, constant: $0)] }
                    if let joint = try? Joint.fitJointly([ax, ay], groups: groups, inputs: columns, targets: targets, alphabet: alphabet),
                       let separate = try? Joint.fitJointly([ax, ay], groups: [], inputs: columns, targets: targets, alphabet: alphabet) {
                        bits += joint.bits - separate.bits
                    }
                }
                var candidate = LawCandidate(ax: ax, ay: ay, law: value, equationBits: bits, streamBytes: 0, frameBits: 0, constants: [:])
                candidate.template = makeLaw(ax: ax, ay: ay, shared: groups, sameConstants: sameConstants, freeFactors: true).text
                laws.append(candidate)
            }
            // The simplest plausible pair of each side is always coded (below): when the
            // acceleration moves an object by a few thousandths of a pixel per frame, the stream
            // hardly tells laws apart, and the cut by constants would drop a plain
            // (k1, k2) for a one-constant law that only fits this one trajectory.
            let simplest = Set([px.first.flatMap { c in nearest(c, in: py).map { (c, $0) } },
                                py.first.flatMap { d in nearest(d, in: px).map { ($0, d) } }]
                .compactMap { $0 }.map { makeLaw(ax: $0.0, ay: $0.1, shared: []).text })
            for (k, (ax, ay)) in pairs.enumerated() {
                propose(ax, ay, shared: k == 0 ? shared : [])
                // The isotropic proposal: each component's formula mirrored (x ↔ y, vx ↔ vy) for
                // the other, with the same constants — one law for both axes, if the frames
                // agree. Exponents also as the nearest fraction, fixed.
                for (c, mirroredIsY) in [(ax, true), (ay, false)] where c.complexity <= 12 && ExpressionTree(c.formula)?.hasVariable == true {
                    guard let m = score(mirror(c.formula, toY: mirroredIsY), target: mirroredIsY ? 1 : 0) else { continue }
                    let (first, second) = mirroredIsY ? (c, m) : (m, c)
                    propose(first, second, sameConstants: true, sharing: true)
                    // the same structure with each axis's own constants (an offset such as a
                    // uniform field's (q/m)·E differs between the axes)
                    propose(first, second)
                    if snap(first.formula) != first.formula, let a = score(snap(first.formula), target: 0),
                       let b = score(snap(second.formula), target: 1) {
                        propose(a, b, sameConstants: true, sharing: true)
                    }
                }
            }

            // The search's own choice, then the laws with the fewest constants (cheap in the
            // stream), among those the best fits to both components' accelerations; the
            // compressor has the last word.
            if laws.count > o.candidates {
                func rank(_ l: LawCandidate) -> (Int, Double) { (l.namedConstants, l.equationBits) }
                // two thirds by fewest constants, the rest by the search's bits alone (those
                // fit the tracker's systematic errors too, so they are the minority)
                let byConstants = laws.dropFirst().sorted { rank($0) < rank($1) }
                let byBits = laws.dropFirst().sorted { $0.equationBits < $1.equationBits }
                var kept = [laws[0]]
                var texts: Set<String> = [laws[0].text]
                for l in laws.dropFirst() where simplest.contains(l.text) && texts.insert(l.text).inserted { kept.append(l) }
                for l in byConstants.prefix((2 * (o.candidates - 1) + 2) / 3) where texts.insert(l.text).inserted { kept.append(l) }
                for l in byBits where kept.count < o.candidates && texts.insert(l.text).inserted { kept.append(l) }
                laws = kept
            }
            // The same law written differently (r**(-3)*x, (r**2)**(-3/2)*x, (1/r)**3*x) makes the
            // same predictions: its streams differ only by the text and by rounding. One is
            // coded — the one with the shortest text.
            if !o.keepEveryCandidate {
                laws = distinctFunctions(laws, columns: columns, rows: rows.count,
                                         scale: targets.flatMap { $0 }.filter(\.isFinite).map(abs).max() ?? 0)
            }

            // Every candidate law, coded side by side in memory; a law is abandoned once it
            // provably codes longer than one that finished (see the choice below: it could not
            // be chosen); only the chosen law's stream is written.
            let bestX = laws.map(\.ax.mse).filter(\.isFinite).min() ?? .infinity
            let bestY = laws.map(\.ay.mse).filter(\.isFinite).min() ?? .infinity
            func fits(_ l: LawCandidate) -> Bool { l.ax.mse <= 100 * bestX && l.ay.mse <= 100 * bestY }
            say("coding the stream with \(laws.count) candidate laws")
            let coded = try CompressJob.codeAll(frameFolder, frames: frames, scene: sceneBytes,
                                                requests: laws.map { Codings.Request(model: .law, law: $0.law, rank: o.keepEveryCandidate ? nil : (fits($0) ? 0 : 1)) },
                                                label: "coding \(laws.count) laws", showProgress: o.showProgress)
            lap("laws")
            var ladder: [CompressJob.Result] = try ladderJob.value().map { CompressJob.Result($0, rawBytes: rawBytes) }
            lap("ladder")
            var best = -1
            for (i, c) in coded.enumerated() {
                let r = CompressJob.Result(c, rawBytes: rawBytes)
                laws[i].streamBytes = r.bytes
                laws[i].finished = c.finished
                laws[i].frameBits = r.frameBits.reduce(0, +)
                laws[i].constants = r.lawConstants
                // Report each named constant's best estimate, one value for a shared name: the
                // coder's (fitted to the frames' five-point accelerations) or the search's (fitted
                // to the tracker's smoothed accelerations), whichever has the smaller 1σ — at
                // high frame rates finite differences are noisy, at low ones smoothing is biased.
                let components = [laws[i].ax, laws[i].ay]
                let names = laws[i].law.constantNames
                var estimate: [String: (value: Double, sigma: Double)] = [:]
                for (name, v) in r.lawConstants where v.isFinite {
                    estimate[name] = (v, r.lawUncertainties[name] ?? .infinity)
                }
                for k in 0..<2 where names[k].count == components[k].formula.constants.count {
                    for (j, name) in names[k].enumerated() {
                        guard let name, j < components[k].bits.uncertainties.count else { continue }
                        let sigma = components[k].bits.uncertainties[j]
                        if sigma.isFinite, sigma < (estimate[name]?.sigma ?? .infinity) { estimate[name] = (components[k].formula.constants[j], sigma) }
                    }
                }
                for k in 0..<2 where names[k].count == components[k].formula.constants.count {  // literals parsed differently: keep
                    var c = components[k]
                    for (j, name) in names[k].enumerated() {
                        guard let name, let b = estimate[name], b.value.isFinite else { continue }
                        c.formula.constants[j] = b.value
                        if j < c.bits.uncertainties.count { c.bits.uncertainties[j] = b.sigma }
                    }
                    if k == 0 { laws[i].ax = c } else { laws[i].ay = c }
                }
                // Shortest stream among the laws that fit the measured accelerations: a law
                // whose mean square error on either component is more than 100× the best
                // candidate's (the bar the proposals already pass) is admitted only if no law
                // fits; the best candidate is often an overfit one, so the bar is wide. When an acceleration moves an object by a few
                // thousandths of a pixel per frame (a field's push at 50 fps, a slow throw) the
                // stream hardly tells laws apart, while the tracked accelerations, smoothed over
                // many frames, plainly do. A tie (the same whole bytes) goes to the law with
                // fewer constants, then to fewer frame bits: on one orbit a = −k·r and a
                // velocity law may predict equally well, and the plainer law is the better bet.
                // (An abandoned law's bytes are a lower bound above a finished law's of its rank,
                // so it is never chosen.)
                func key(_ l: LawCandidate) -> (Int, Int, Int, Double) {
                    (fits(l) ? 0 : 1, l.streamBytes, l.namedConstants, l.frameBits)
                }
                if best < 0 || key(laws[i]) < key(laws[best]) {
                    best = i
                    ladder.removeAll { $0.model == .law }
                    ladder.append(r)
                }
            }
            guard best >= 0 else { throw LabError("\(o.frames): no candidate law could be put into the compressor") }
            try writeFile("\(folder.temporary)/stream.occ", Data(coded[best].stream))
            lap("choose")

            var outcome = Outcome(tracks: set, search: found, ladder: ladder, laws: laws, chosen: best, rows: rows.count,
                                  stageSeconds: stages)
            if set.reference != nil && set.moving.count >= 3 {
                say("measuring orbits and searching T(a)")
                try derivedOrbitLaw(&outcome, folder: folder.temporary, search: o.search)
                lap("orbits")
                outcome.stageSeconds = stages
            }
            try writeFile("\(folder.temporary)/ladder.json", CompressJob.ladderJSON(ladder, frames: o.frames))
            let document = document(outcome, frames: o.frames)
            try writeFile("\(folder.temporary)/equations.json", try document.encoded())
            try writeFile("\(folder.temporary)/pareto.csv", DiscoverJob.paretoCSV(found))
            try writeFile("\(folder.temporary)/laws.csv", lawsCSV(outcome))
            let equations = try ExportJob.equations(document, path: "equations.json")
            try writeFile("\(folder.temporary)/equations.tex", Data((try ExportJob.render(equations, format: .latex) + "\n").utf8))
            try writeFile("\(folder.temporary)/equations.py", Data((try ExportJob.render(equations, format: .python) + "\n").utf8))
            try writeFile("\(folder.temporary)/report.html", Data(Report.html(outcome, frames: o.frames).utf8))
            try folder.commit()
            return outcome
        } catch {
            folder.discard()
            throw error
        }
    }

    /// One law of each group of laws that are the same function with as many constants: equal
    /// (within 1e-9 of `scale`, the measured accelerations' largest magnitude, each law with the
    /// search's values of its named constants, a shared name one value) at the sampled states *and* at
    /// states off them — t, x, y, v_x, v_y drawn independently over their observed ranges, r from
    /// x and y. Laws that only agree along the filmed motion (on a throw v_x is constant, so any
    /// function of v_x is a constant there) are different laws, left for the compressor and the
    /// equation bits to tell apart. Kept of a group: fewest named constants, then shortest text.
    static func distinctFunctions(_ laws: [LawCandidate], columns: [[Double]], rows: Int, scale: Double) -> [LawCandidate] {
        var random = SplitMix64(seed: 0x0CCA_5EED)
        let offRows = 256
        func span(_ values: [Double]) -> (Double, Double) { (values.min() ?? 0, values.max() ?? 0) }
        let times = span(columns[0]), distances = span(columns[5])
        let speeds = span(zip(columns[3], columns[4]).map { ($0 * $0 + $1 * $1).squareRoot() })
        var off = [[Double]](repeating: [], count: 6)
        for _ in 0..<offRows {
            let r = distances.0 + (distances.1 - distances.0) * random.nextUnit(), a = 2 * Double.pi * random.nextUnit()
            let v = speeds.0 + (speeds.1 - speeds.0) * random.nextUnit(), b = 2 * Double.pi * random.nextUnit()
            let row = [times.0 + (times.1 - times.0) * random.nextUnit(), r * cos(a), r * sin(a), v * cos(b), v * sin(b)]
            for k in 0..<5 { off[k].append(row[k]) }
            off[5].append((row[1] * row[1] + row[2] * row[2]).squareRoot())
        }
        let states = zip(columns, off).map { $0 + $1 }
        // each law as the coder runs it: a shared name is one constant (its first slot's value)
        let values = laws.map { l in l.law.acceleration(states, rows: rows + offRows, values: l.law.values).flatMap { $0 } }
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            zip(a, b).allSatisfy { $0.isFinite && $1.isFinite && abs($0 - $1) <= 1e-9 * max(scale, abs($0)) }
        }
        var kept: [Int] = []
        for i in laws.indices {
            if let k = kept.firstIndex(where: { laws[$0].namedConstants == laws[i].namedConstants && same(values[$0], values[i]) }) {
                if laws[i].text.utf8.count < laws[kept[k]].text.utf8.count { kept[k] = i }
            } else {
                kept.append(i)
            }
        }
        return kept.sorted().map { laws[$0] }
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

    /// The other component's formula if the law is isotropic: a rotation by 90° maps states to
    /// states and accelerations to accelerations, a(R·s) = R·a(s), so a_y(x, y, vx, vy) =
    /// a_x(y, −x, vy, −vx) and a_x(x, y, vx, vy) = a_y(−y, x, −vy, vx). Central forces
    /// (−k·x/r³ ↦ −k·y/r³) and magnetic ones (ω·v_y ↦ −ω·v_x) alike; t and r stay.
    static func mirror(_ f: Formula, toY: Bool) -> Formula {
        // variable index → (new index, negated); indices: t 0, x 1, y 2, vx 3, vy 4, r 5
        let map: [Int: (Int, Bool)] = toY ? [1: (2, false), 2: (1, true), 3: (4, false), 4: (3, true)]
                                          : [1: (2, true), 2: (1, false), 3: (4, true), 4: (3, false)]
        var g = f
        g.tokens = f.tokens.flatMap { t -> [Token] in
            guard t.op == .variable, let (j, negated) = map[t.index] else { return [t] }
            return negated ? [Token(.variable, j), Token(.neg)] : [Token(.variable, j)]
        }
        return g
    }

    /// Exponents (constants right before `pow`) fixed at the nearest fraction p/q, q ≤ 6.
    static func snap(_ f: Formula) -> Formula {
        var g = f
        for (k, t) in f.tokens.enumerated() where t.op == .pow && k > 0 && f.tokens[k - 1].op == .constant {
            let i = f.tokens[k - 1].index
            g.constants[i] = Units.nearestFraction(f.constants[i])
            if !g.fixedConstants.contains(i) { g.fixedConstants.append(i) }
        }
        return g
    }

    /// The law of a pair of candidates with every fitted constant named (k1, k2, …; a shared
    /// constant keeps one name) so the coder fits them online; exact fractions stay literal.
    static func makeLaw(ax: Candidate, ay: Candidate, shared: [[Joint.SharedConstant]], sameConstants: Bool = false,
                        freeFactors: Bool = false) -> Law {
        var ax = ax, ay = ay
        if freeFactors {
            // exact constants that are not exponents become fitted ones
            for k in 0..<2 {
                var f = k == 0 ? ax.formula : ay.formula
                let exponents = Set(f.tokens.indices.filter { $0 > 0 && f.tokens[$0].op == .pow && f.tokens[$0 - 1].op == .constant }
                    .map { f.tokens[$0 - 1].index })
                f.fixedConstants.removeAll { !exponents.contains($0) }
                if k == 0 { ax.formula = f } else { ay.formula = f }
            }
        }
        var names: [[String?]] = [ax, ay].map { c in [String?](repeating: nil, count: c.formula.constantCount) }
        if sameConstants {
            // a mirrored pair: constant i is the same constant in both
            for i in 0..<ax.formula.constantCount where !ax.formula.fixedConstants.contains(i) {
                names[0][i] = "k\(i + 1)"
                if i < names[1].count { names[1][i] = "k\(i + 1)" }
            }
        }
        var next = (names.flatMap { $0 }.compactMap { $0 }.count) + 1
        for group in shared {
            for m in group where m.target < 2 && m.constant < names[m.target].count { names[m.target][m.constant] = "k\(next)" }
            next += 1
        }
        for (t, c) in [ax, ay].enumerated() {
            for i in 0..<c.formula.constantCount where names[t][i] == nil && !c.formula.fixedConstants.contains(i) {
                names[t][i] = "k\(next)"
                next += 1
            }
        }
        return Law(formulas: [ax.formula, ay.formula], constantNames: names)
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
                                    selection: "shortest whole stream: the law's text plus the frames coded given the law (the .occ file)",
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
                                           streamBytesAtLeast: l.finished ? nil : l.streamBytes)
        }
        doc.framesPath = URL(fileURLWithPath: frames).standardizedFileURL.path
        doc.calibration = EquationsDocument.Calibration(pxPerUnit: calibration.pxPerUnit, frameInterval: calibration.dt,
                                                        startTime: calibration.startTime, source: calibration.source)
        doc.samples = o.rows
        doc.movingObjects = o.tracks.moving.count
        doc.formulasEvaluated = o.search.results.reduce(0) { $0 + $1.evaluated }
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

    static func lawsCSV(_ o: Outcome) -> Data {
        var out = "chosen,stream_bytes,finished,total_bits,equation_bits,law\n"
        for (i, l) in o.laws.enumerated() {
            out += "\(i == o.chosen ? 1 : 0),\(l.streamBytes),\(l.finished ? 1 : 0),\(l.totalBits),\(l.equationBits),\"\(l.text)\"\n"
        }
        return Data(out.utf8)
    }
}
