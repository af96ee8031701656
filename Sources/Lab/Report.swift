import Codec
import Discovery
import Formulas
import Foundation
import Tracking

/// `report.html`: one self-contained page (inline SVG, no scripts, no network) that explains a
/// discovery run — the trajectories over the frame, the compression ladder, the Pareto fronts
/// with bits, the laws tried in the compressor, and the chosen equations.
enum Report {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)g", x) }

    /// `lhs = rhs` typeset as a MathML block (browsers render it with no script or network);
    /// `rhs` is MathML, `lhs` a name such as `ax` (shown as a subscript).
    static func equation(_ lhs: String, _ rhs: String) -> String {
        let name = lhs.count == 2 && lhs.first == "a" ? "<msub><mi>a</mi><mi>\(lhs.dropFirst())</mi></msub>" : "<mi>\(escape(lhs))</mi>"
        return "<math display=\"block\"><mrow>\(name)<mo>=</mo>\(rhs)</mrow></math>"
    }

    static func html(_ o: FrameDiscoverJob.Outcome, frames: String) -> String {
        let law = o.laws[o.chosen]
        let names = FrameDiscoverJob.variables
        var body = ""
        body += "<h1>Occam discovery report</h1>\n"
        body += "<p>Frames: <code>\(escape(frames))</code> — \(o.tracks.frameCount) frames of \(o.tracks.imageSize.width)×\(o.tracks.imageSize.height) px; "
        body += "\(o.tracks.moving.count) moving object(s), \(o.tracks.reference == nil ? "no reference body" : "a reference body at rest"); "
        body += "origin: \(escape(o.tracks.originDescription)).</p>\n"
        let pairwise = o.interaction.map { $0.best.coupling != .none } ?? false
        if pairwise, let i = o.interaction { body += interactionSection(i) }
        body += pairwise ? "<h2>Law the stream coded (each object on its own)</h2>\n<p>The objects act on each other (above); the compressor's law level does not yet step them jointly, so the stream codes each with the law below, which is not a law of this system.</p>\n" : "<h2>Chosen law</h2>\n"
        for (component, c) in zip(Law.components, [law.ax, law.ay]) {
            body += equation(component, c.formula.mathML(names: names)) + "\n"
        }
        body += "<p>As text: <code>a_x = \(escape(law.ax.formula.sympyString(names: names)))</code>, <code>a_y = \(escape(law.ay.formula.sympyString(names: names)))</code></p>\n"
        body += "<p>Whole stream: \(law.streamBytes) bytes (\(f(law.totalBits, 6)) bits) for the law's text and every frame coded given the law; "
            + "of the laws whose streams are as short within coding noise, it has the shortest description (\(f(law.descriptionBits, 3)) bits of structure and constants). "
        body += "Variables are in physical units (\(escape(o.tracks.calibration.lengthUnit.isEmpty ? "L" : o.tracks.calibration.lengthUnit)), \(escape(o.tracks.calibration.timeUnit.isEmpty ? "T" : o.tracks.calibration.timeUnit))), y up, r = √(x² + y²).</p>\n"
        if let a = o.ambiguity {
            body += "<h2>What remains ambiguous\(pairwise ? " about the stream's one-object law" : "")</h2>\n<p>\(escape(a.why)). What would separate them: \(escape(a.separateBy)).</p>\n"
            body += "<table><tr><th>law the frames cannot tell from the chosen one</th><th>difference off the filmed states</th></tr>\n"
            for m in a.members {
                body += "<tr><td><code>\(escape(m.law))</code></td><td>\(m.offOrbitDifference.map { "\(f(100 * $0, 3)) %" } ?? "undefined at some states")</td></tr>\n"
            }
            body += "</table>\n"
        }
        if !pairwise, let i = o.interaction { body += interactionSection(i) }
        if !o.orbits.isEmpty || !o.orbitNotes.isEmpty { body += orbitSection(o) }
        body += "<h2>Trajectories</h2>\n" + trajectorySVG(o.tracks) + "\n"
        body += "<h2>Compression ladder</h2>\n<p>Bytes of the whole stream with each model; fewer bytes = more of the video explained.</p>\n" + ladderSVG(o.ladder) + "\n"
        body += "<h2>Laws tried in the compressor</h2>\n<p>★ chosen; = its stream is as short within coding noise (the same class). Law bits: the law's own description (structure and constants); SR bits: the same plus the tracked accelerations' residuals.</p>\n<table><tr><th></th><th>law (constants fitted while coding)</th><th>form</th><th>stream bytes</th><th>law bits</th><th>SR bits</th></tr>\n"
        for (i, l) in o.laws.enumerated() {
            body += "<tr\(i == o.chosen ? " class=chosen" : "")><td>\(i == o.chosen ? "★" : l.equivalent ? "=" : "")</td><td><code>\(escape(l.text))</code></td><td>\(l.form)</td><td>\(l.finished ? "" : "≥ ")\(l.streamBytes)</td><td>\(f(l.descriptionBits))</td><td>\(f(l.equationBits))</td></tr>\n"
        }
        body += "</table>\n<h2>Pareto fronts (symbolic regression on the tracked accelerations)</h2>\n"
        for (k, r) in o.search.results.enumerated() {
            let target = o.search.targets[k]
            body += "<h3>\(escape(target))</h3>\n" + paretoSVG(r.front) + "\n<table><tr><th>size</th><th>bits</th><th>mse</th><th>expression</th></tr>\n"
            for c in r.front {
                body += "<tr><td>\(c.complexity)</td><td>\(f(c.bits.total))</td><td>\(f(c.mse, 3))</td><td><code>\(escape(c.formula.sympyString(names: names)))</code></td></tr>\n"
            }
            body += "</table>\n"
        }
        body += "<h2>Time</h2>\n<p>" + o.stageSeconds.map { "\($0.0) \(f($0.1, 3)) s" }.joined(separator: " · ") + "</p>\n"
        return page(title: "Occam report", body: body)
    }

    /// Bodies that act on each other: the pairwise law, the pairs, the strengths and mass ratios.
    static func interactionSection(_ i: Interaction) -> String {
        let b = i.best
        var out = "<h2>Bodies acting on each other</h2>\n"
        guard b.coupling != .none else {
            return out + "<p>No pairwise law between \(escape(i.objects.joined(separator: ", "))) is shorter than no interaction at all (<code>\(escape(b.text))</code>), over \(i.snapshots) frames that show every object.</p>\n"
        }
        out += "<p><code>\(escape(b.text))</code> — \(b.attractive == true ? "attractive" : b.attractive == false ? "repulsive" : "attractive for some pairs, repulsive for others"), "
        out += "p = \(f(b.exponent, 6))\(b.exponentSnapped ? " (exact)" : " ± \(f(b.exponentSigma, 2))"); \(f(b.bits)) bits against \(f(i.noInteractionBits ?? .nan)) bits for no interaction; "
        out += "residual \(f(100 * b.misfit, 3)) % of the RMS acceleration, over \(i.snapshots) frames that show every object.</p>\n"
        let pairs = (0..<i.objects.count).flatMap { a in ((a + 1)..<i.objects.count).map { "\(i.objects[a]) ↔ \(i.objects[$0])" } }
        out += "<p>Pairs: \(escape(pairs.joined(separator: ", "))).</p>\n"
        out += "<table><tr><th>object</th><th>strength s<sub>j</sub></th><th>mass relative to \(escape(i.objects[0]))</th></tr>\n"
        for (j, (name, ratio)) in zip(i.objects, b.massRatios).enumerated() {
            let strength = b.coupling == .sources ? "\(f(b.constants[j], 6)) ± \(f(b.sigmas[j], 2))" : "(per pair)"
            out += "<tr><td>\(escape(name))</td><td>\(strength)</td><td>\(f(ratio.ratio, 5)) ± \(f(ratio.sigma, 2))</td></tr>\n"
        }
        out += "</table>\n"
        switch b.field {
        case .none: break
        case .uniform:
            out += "<p>Besides each other, every object feels one uniform field g = (\(f(b.fieldConstants[0], 5)), \(f(b.fieldConstants[1], 5))).</p>\n"
        case .perObject:
            out += "<p>Besides each other, each object feels its own uniform field e<sub>i</sub> and gyration ω<sub>i</sub>·(v<sub>i</sub> × ẑ) (charges in E and B): "
                + i.objects.indices.map { k in "\(escape(i.objects[k])): e = (\(f(b.fieldConstants[3 * k], 4)), \(f(b.fieldConstants[3 * k + 1], 4))), ω = \(f(b.fieldConstants[3 * k + 2], 5))" }.joined(separator: "; ") + ".</p>\n"
        }
        if let m = i.momentumCheck {
            out += "<p>Newton's third law with these masses on the measured accelerations: Σ m<sub>i</sub>a<sub>i</sub> is \(f(m, 3)) times its uncertainty (RMS over frames; about 1 when it holds).</p>\n"
        }
        if !i.equivalent.isEmpty {
            out += "<p>What remains ambiguous: the frames cost as much under \(i.equivalent.map { "<code>\(escape($0.text))</code> (p = \(f($0.exponent, 5)))" }.joined(separator: ", ")); the law above has the shorter description. A longer film or closer approaches would separate them.</p>\n"
        }
        out += "<p>\(escape(Interaction.note)).</p>\n"
        return out
    }

    static func page(title: String, body: String) -> String {
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 900px; margin: 2em auto; color: #222; }
            code { font-size: 0.9em; } .eq { font-size: 1.2em; font-family: serif; } math[display=block] { font-size: 1.35em; margin: 0.3em 0; }
            table { border-collapse: collapse; margin: 0.5em 0; } td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
            tr.chosen { background: #fff3c4; } svg { background: #fafafa; border: 1px solid #ddd; }
            </style></head><body>
            \(body)</body></html>

            """
    }

    /// The report of a sweep: one law for every run, its constants per run, and the laws that
    /// relate them to the quantities the sweep varied.
    static func sweepHTML(_ o: SweepDiscoverJob.Outcome) -> String {
        var body = "<h1>Occam sweep report</h1>\n"
        body += "<p>\(o.runs.count) runs; per-run quantities that vary: \(o.quantityNames.isEmpty ? "none" : escape(o.quantityNames.joined(separator: ", "))).</p>\n"
        body += "<h2>Common law</h2>\n<p class=eq><code>\(escape(o.law))</code></p>\n"
        body += "<p>Every run coded with this law (its constants fitted per run while coding) gives \(o.totalBytes) bytes in total, the fewest of the laws tried.</p>\n"
        for d in o.derived {
            let c = d.search.chosen[0]
            body += "<h2>\(escape(d.constant)) across the runs</h2>\n" + equation(d.constant, c.formula.mathML(names: d.search.inputNames)) + "\n"
            body += "<p>As text: <code>\(escape(d.constant)) = \(escape(c.formula.sympyString(names: d.search.inputNames)))</code> — \(f(c.bits.total)) bits, "
            body += "chosen from \(d.search.result.front.count) Pareto members (derived/\(escape(d.constant))/pareto.csv).</p>\n"
            let columns = d.search.inputNames.map { name in o.runs.map { $0.quantities[name] ?? .nan } }
            body += paritySVG(measured: d.values, predicted: c.formula.evaluate(columns, rows: o.runs.count), labels: o.runs.map(\.name),
                              quantity: d.constant) + "\n"
            body += "<h3>Pareto front</h3>\n" + paretoSVG(d.search.result.front) + "\n"
        }
        for note in o.notes { body += "<p>Note: \(escape(note))</p>\n" }
        let constants = o.runs.first.map { run in run.constants.keys.sorted() } ?? []
        body += "<h2>Runs</h2>\n<table><tr><th>run</th>" + o.quantityNames.map { "<th>\(escape($0))</th>" }.joined()
        body += constants.map { "<th>\(escape($0))</th>" }.joined() + "<th>bytes</th><th>the run's own law</th></tr>\n"
        for run in o.runs {
            body += "<tr><td><a href=\"\(escape(o.runLinks + run.name))/report.html\">\(escape(run.name))</a></td>"
            body += o.quantityNames.map { "<td>\(f(run.quantities[$0] ?? .nan, 5))</td>" }.joined()
            body += constants.map { "<td>\(f(run.constants[$0] ?? .nan, 6))</td>" }.joined()
            body += "<td>\(run.streamBytes)</td><td><code>\(escape(run.ownLaw))</code> (\(run.ownBytes) B)</td></tr>\n"
        }
        body += "</table>\n<h2>Laws tried on every run</h2>\n<table><tr><th>law</th><th>total bytes</th></tr>\n"
        for t in o.templates {
            body += "<tr\(t.law == o.law ? " class=chosen" : "")><td><code>\(escape(t.law))</code></td><td>\(t.totalBytes)</td></tr>\n"
        }
        body += "</table>\n"
        return page(title: "Occam sweep report", body: body)
    }

    /// The orbits measured from the tracks and the law found between their periods and axes.
    static func orbitSection(_ o: FrameDiscoverJob.Outcome) -> String {
        var body = "<h2>Orbits</h2>\n<p>Each moving object's semi-major axis a (ellipse fitted to its positions) and period T "
        body += "(time to sweep the same angle again, or the areal rate with less than a turn), measured from the track alone.</p>\n"
        body += "<table><tr><th>track</th><th>a</th><th>e</th><th>T</th><th>turns</th><th>period from</th></tr>\n"
        for orbit in o.orbits {
            body += "<tr><td>\(escape(orbit.track))</td><td>\(f(orbit.semiMajorAxis, 6))</td><td>\(f(orbit.eccentricity, 3))</td>"
            body += "<td>\(f(orbit.period, 6))</td><td>\(f(orbit.turns, 3))</td><td>\(orbit.method)</td></tr>\n"
        }
        body += "</table>\n"
        for note in o.orbitNotes { body += "<p>Note: \(escape(note))</p>\n" }
        if let law = o.orbitLaw {
            let c = law.chosen[0]
            body += equation("T", c.formula.mathML(names: law.inputNames)) + "\n"
            body += "<p>As text: <code>T = \(escape(c.formula.sympyString(names: law.inputNames)))</code> — shortest description among "
            body += "\(law.result.front.count) Pareto members (\(f(c.bits.total)) bits); orbits/ holds its equations.json and pareto.csv.</p>\n"
            let a = o.orbits.map(\.semiMajorAxis)
            let predicted = c.formula.evaluate([a], rows: a.count)
            body += paritySVG(measured: o.orbits.map(\.period), predicted: predicted, labels: o.orbits.map(\.track), quantity: "T") + "\n"
        }
        return body
    }

    /// Measured (x) against a law's prediction (y), with the diagonal: points on the line are
    /// explained by the law.
    static func paritySVG(measured: [Double], predicted: [Double], labels: [String], quantity: String) -> String {
        let all = (measured + predicted).filter(\.isFinite)
        guard var lo = all.min(), var hi = all.max() else { return "" }
        let margin = max(hi - lo, abs(hi) * 1e-6, 1e-12) * 0.08
        lo -= margin
        hi += margin
        let w = 360.0, pad = 44.0
        func p(_ v: Double) -> Double { (v - lo) / (hi - lo) * (w - 2 * pad) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(w))\">"
        s += "<line x1=\"\(pad)\" y1=\"\(w - pad)\" x2=\"\(w - pad)\" y2=\"\(pad)\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>"
        s += "<line x1=\"\(pad)\" y1=\"\(w - pad)\" x2=\"\(w - pad)\" y2=\"\(w - pad)\" stroke=\"#888\"/><line x1=\"\(pad)\" y1=\"\(pad)\" x2=\"\(pad)\" y2=\"\(w - pad)\" stroke=\"#888\"/>"
        s += "<text x=\"\(pad)\" y=\"\(w - 10)\" font-size=\"12\">measured \(escape(quantity)) (\(f(lo + margin, 3)) … \(f(hi - margin, 3)))</text>"
        s += "<text x=\"4\" y=\"\(pad - 14)\" font-size=\"12\">law's \(escape(quantity))</text>"
        for (i, (m, q)) in zip(measured, predicted).enumerated() where m.isFinite && q.isFinite {
            let x = pad + p(m), y = w - pad - p(q)
            s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"#1e88e5\"/>"
            if i < labels.count { s += "<text x=\"\(f(x + 6))\" y=\"\(f(y + 4))\" font-size=\"10\">\(escape(labels[i]))</text>" }
        }
        return s + "</svg>"
    }

    /// Tracks in pixel coordinates over the frame's outline.
    static func trajectorySVG(_ t: TrackSet) -> String {
        let w = Double(t.imageSize.width), h = Double(t.imageSize.height)
        let scale = 480 / max(w, h)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w * scale))\" height=\"\(Int(h * scale))\" viewBox=\"0 0 \(w) \(h)\">"
        s += "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#111\"/>"
        let colours = ["#4fc3f7", "#ffb74d", "#81c784", "#e57373", "#ba68c8", "#fff176"]
        for (i, track) in t.moving.enumerated() {
            let points = track.samples.map { "\(f($0.u, 6)),\(f($0.v, 6))" }.joined(separator: " ")
            s += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(colours[i % colours.count])\" stroke-width=\"\(f(1.2 / scale))\"/>"
        }
        if let r = t.reference, let p = r.samples.first {
            s += "<circle cx=\"\(f(p.u, 6))\" cy=\"\(f(p.v, 6))\" r=\"\(f(max(2, r.radiusPx)))\" fill=\"#fff59d\"/>"
        }
        return s + "</svg>"
    }

    static func ladderSVG(_ ladder: [CompressJob.Result]) -> String {
        let maxBytes = Double(ladder.map(\.bytes).max() ?? 1)
        let rowHeight = 26.0, width = 640.0
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(rowHeight * Double(ladder.count) + 10))\">"
        for (i, r) in ladder.enumerated() {
            let y = 5 + Double(i) * rowHeight
            let bar = max(1, (width - 260) * Double(r.bytes) / maxBytes)
            s += "<text x=\"4\" y=\"\(f(y + 17))\" font-size=\"13\">\(r.model.rawValue)</text>"
            s += "<rect x=\"80\" y=\"\(f(y + 4))\" width=\"\(f(bar))\" height=\"\(f(rowHeight - 8))\" fill=\"\(r.model == .law ? "#f9a825" : "#90a4ae")\"/>"
            s += "<text x=\"\(f(86 + bar))\" y=\"\(f(y + 17))\" font-size=\"12\">\(r.bytes) B, \(f(r.bitsPerFrame, 3)) bits/frame</text>"
        }
        return s + "</svg>"
    }

    /// Complexity (x) against bits (y) for a front.
    static func paretoSVG(_ front: [Candidate]) -> String {
        guard let lo = front.map(\.bits.total).min(), let hi = front.map(\.bits.total).max(),
              let maxSize = front.map(\.complexity).max() else { return "" }
        let w = 640.0, h = 220.0, pad = 40.0
        func x(_ c: Int) -> Double { pad + (w - 2 * pad) * Double(c) / Double(max(maxSize, 1)) }
        func y(_ b: Double) -> Double { h - pad - (h - 2 * pad) * (hi > lo ? (b - lo) / (hi - lo) : 0.5) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\">"
        s += "<line x1=\"\(pad)\" y1=\"\(h - pad)\" x2=\"\(w - pad)\" y2=\"\(h - pad)\" stroke=\"#888\"/><line x1=\"\(pad)\" y1=\"\(pad)\" x2=\"\(pad)\" y2=\"\(h - pad)\" stroke=\"#888\"/>"
        s += "<text x=\"\(w / 2)\" y=\"\(h - 8)\" font-size=\"12\">size (nodes)</text><text x=\"4\" y=\"\(pad - 10)\" font-size=\"12\">description length, bits (\(f(lo)) … \(f(hi)))</text>"
        let points = front.map { "\(f(x($0.complexity))),\(f(y($0.bits.total)))" }.joined(separator: " ")
        s += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"#1e88e5\"/>"
        let best = front.min { $0.bits.total < $1.bits.total }
        for c in front {
            let chosen = c.formula == best?.formula
            s += "<circle cx=\"\(f(x(c.complexity)))\" cy=\"\(f(y(c.bits.total)))\" r=\"\(chosen ? 6 : 3.5)\" fill=\"\(chosen ? "#f9a825" : "#1e88e5")\"/>"
            s += "<text x=\"\(f(x(c.complexity) + 5))\" y=\"\(f(y(c.bits.total) - 6))\" font-size=\"10\">\(c.complexity)</text>"
        }
        return s + "</svg>"
    }
}
