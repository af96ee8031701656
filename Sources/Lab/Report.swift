import Codec
import Discovery
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

    static func html(_ o: FrameDiscoverJob.Outcome, frames: String) -> String {
        let law = o.laws[o.chosen]
        let names = FrameDiscoverJob.variables
        var body = ""
        body += "<h1>Occam discovery report</h1>\n"
        body += "<p>Frames: <code>\(escape(frames))</code> — \(o.tracks.frameCount) frames of \(o.tracks.imageSize.width)×\(o.tracks.imageSize.height) px; "
        body += "\(o.tracks.moving.count) moving object(s), \(o.tracks.reference == nil ? "no reference body" : "a reference body at rest"); "
        body += "origin: \(escape(o.tracks.originDescription)).</p>\n"
        body += "<h2>Chosen law</h2>\n<p class=eq>a<sub>x</sub> = \(escape(law.ax.formula.sympyString(names: names)))<br>"
        body += "a<sub>y</sub> = \(escape(law.ay.formula.sympyString(names: names)))</p>\n"
        body += "<p>LaTeX: <code>a_x = \(escape(law.ax.formula.latex(names: names)))</code>, <code>a_y = \(escape(law.ay.formula.latex(names: names)))</code></p>\n"
        body += "<p>It gives the shortest whole description: \(law.streamBytes) bytes (\(f(law.totalBits, 6)) bits) for the law's text and every frame coded given the law. "
        body += "Variables are in physical units (\(escape(o.tracks.calibration.lengthUnit.isEmpty ? "L" : o.tracks.calibration.lengthUnit)), \(escape(o.tracks.calibration.timeUnit.isEmpty ? "T" : o.tracks.calibration.timeUnit))), y up, r = √(x² + y²).</p>\n"
        body += "<h2>Trajectories</h2>\n" + trajectorySVG(o.tracks) + "\n"
        body += "<h2>Compression ladder</h2>\n<p>Bytes of the whole stream with each model; fewer bytes = more of the video explained.</p>\n" + ladderSVG(o.ladder) + "\n"
        body += "<h2>Laws tried in the compressor</h2>\n<table><tr><th></th><th>law (constants fitted while coding)</th><th>stream bytes</th><th>SR bits</th></tr>\n"
        for (i, l) in o.laws.enumerated() {
            body += "<tr\(i == o.chosen ? " class=chosen" : "")><td>\(i == o.chosen ? "★" : "")</td><td><code>\(escape(l.text))</code></td><td>\(l.streamBytes)</td><td>\(f(l.equationBits))</td></tr>\n"
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
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Occam report</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 900px; margin: 2em auto; color: #222; }
            code { font-size: 0.9em; } .eq { font-size: 1.2em; font-family: serif; }
            table { border-collapse: collapse; margin: 0.5em 0; } td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
            tr.chosen { background: #fff3c4; } svg { background: #fafafa; border: 1px solid #ddd; }
            </style></head><body>
            \(body)</body></html>

            """
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
