import Codec
import Discovery
import Formulas
import Foundation
import Render

/// The pairwise law a trained pair network holds (stream version 7, `Codec.PairMessages`),
/// distilled as Cranmer et al. 2020 distilled a graph network's messages: each message — the
/// acceleration an object gets from another at distance r, along the line between them — is
/// read from the network at the distances the pair was seen at, and symbolic regression
/// searches a law g(r) for it, in the stream's units. The messages two senders give one
/// receiver at one distance are in the ratio of the senders' masses (gravity); with a mutual
/// force (Newton's third law) the messages two objects give each other are in the inverse
/// ratio of their own.
///
/// A message is reported only where the frames determine it — where its standard error
/// (`PairMessages.uncertainty`, RMS over the distances) is below a tenth of it. It is not when
/// the frames show little of the force (a brief encounter), or when the bodies' barycentre sits
/// on a static reference body: the network's terms about that body (functions of each body's
/// distance from it) then carry the same force, and the split is the ridge's, not the data's.
public struct PairDistillation: Sendable {
    /// One ordered pair's message (objects numbered from 0, as `objects`).
    public struct Message: Sendable {
        public var receiver: Int
        public var sender: Int
        /// The distilled law g(r) (stream units: r in length units, g in length/time²), nil
        /// where the message is not determined.
        public var law: Candidate?
        /// RMS(law − network)/RMS(network) at the distances searched.
        public var fitToNetwork: Double
        /// The receiver's readout against its measured accelerations (relative RMS).
        public var networkToMeasured: Double
        /// Distances searched (stream units), and the RMS standard error of the message there
        /// over its RMS.
        public var range: (Double, Double)
        public var relativeError: Double
        public var samples: Int
        /// The search's own choice (shortest description) where it is not `law`.
        public var shortestDescription: Candidate? = nil
        public var determined: Bool { law != nil }
    }

    /// Each object's last position (px, image axes), most samples first.
    public var objects: [(u: Double, v: Double)]
    public var messages: [Message]
    /// For each object after the first: m(this)/m(first) — from the messages both give a third
    /// object, else from the messages they give each other (for a mutual force); nil where
    /// those messages are not determined.
    public var massRatios: [Double?]
    /// How many moving objects the tracker followed in the same frames (nil: not known). The
    /// codec links objects over its last six frames only, so a body lost at a close pass and
    /// found again starts a new record of the pair network: more records than tracked objects
    /// means the messages of one body are split between records.
    public var trackedObjects: Int? = nil

    /// Largest relative standard error (RMS over RMS) of a message for it to be distilled.
    public static let maxRelativeError = 0.1
    /// How closely the named law must reproduce the network's message (relative RMS).
    public static let fit = 0.01

    public var summary: [String] {
        var lines = ["pair network (stream version 7): the message each object gets from another at distance r, distilled from its readout:"]
        for (k, o) in objects.enumerated() { lines.append(String(format: "  object %d: last at %.1f, %.1f px", k + 1, o.u, o.v)) }
        if let split = splitNote { lines.append("  (\(split))") }
        for m in messages {
            let pair = "object \(m.receiver + 1) ← object \(m.sender + 1)"
            if let law = m.law {
                lines.append("  \(pair): g = \(law.formula.sympyString(names: ["r"])) for r in "
                             + String(format: "%.3g…%.3g", m.range.0, m.range.1)
                             + " (reproduces the network to \(percent(m.fitToNetwork)); the network fits the measured accelerations to \(percent(m.networkToMeasured)))")
                if let s = m.shortestDescription {
                    lines.append("    (the simplest law within \(percent(Self.fit)) of the network; the shortest description: g = \(s.formula.sympyString(names: ["r"])))")
                }
            } else {
                lines.append("  \(pair): not determined — the message's standard error is \(percent(m.relativeError)) of it "
                             + "(the frames show too little of the pair's force, or the barycentre sits on the reference body, whose terms are then the pair's)")
            }
        }
        for (k, r) in massRatios.enumerated() {
            guard let r else { continue }
            lines.append(String(format: "  mass ratio m%d/m1 = %.4g (from the messages, if gravity-like: a sender's mass sets its messages)", k + 2, r))
        }
        return lines
    }

    func percent(_ x: Double) -> String { Distillation.percent(x) }

    /// Said when the network kept more records than the tracker followed objects.
    var splitNote: String? {
        guard let tracked = trackedObjects, objects.count > tracked else { return nil }
        return "the pair network kept \(objects.count) records for the \(tracked) moving objects tracked: a body lost at a close pass and "
            + "found again starts a new record in the codec, so one body's messages are split between records; "
            + "the tracker's pairwise fit (`interaction`, when every body moves) follows each body through"
    }

    /// distilled-pairs.json.
    func json() throws -> Data {
        struct Item: Encodable {
            var receiver: Int; var sender: Int; var g: String?; var r_range: [Double]; var samples: Int
            var law_vs_network: Double?; var network_vs_measured: Double?; var message_relative_error: Double?
        }
        struct Document: Encodable {
            var format = "occam-distilled-pairs"
            var version = 2
            var note = "per ordered pair (objects numbered from 1, positions in px): the pair network's message g(r), the acceleration "
                + "the receiver gets from the sender at distance r, positive away from it (stream units), and a law searched for it; "
                + "mass_ratios[k] = m(object k+2)/m(object 1) from the messages"
            var objects_px: [[Double]]
            var tracked_objects: Int?
            var split: String?
            var messages: [Item]
            var mass_ratios: [Double?]
        }
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let d = Document(objects_px: objects.map { [$0.u, $0.v] }, tracked_objects: trackedObjects, split: splitNote, messages: messages.map { m in
            Item(receiver: m.receiver + 1, sender: m.sender + 1, g: m.law?.formula.sympyString(names: ["r"]), r_range: [m.range.0, m.range.1],
                 samples: m.samples, law_vs_network: finite(m.fitToNetwork), network_vs_measured: finite(m.networkToMeasured),
                 message_relative_error: finite(m.relativeError))
        }, mass_ratios: massRatios)
        return try EquationsDocument.encoder.encode(d)
    }

    /// Distil `messages` (pixels, frames) into laws in the units of `pxPerUnit` and `dt`; nil
    /// when no pair was seen long enough.
    static func run(messages network: PairMessages, pxPerUnit s: Double, dt: Double, maxRows: Int, options: SearchOptions,
                    source: String) throws -> PairDistillation? {
        let bodies = network.bodies
        let index = Dictionary(bodies.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let toPhysical = 1 / (s * dt * dt)
        func rms(_ v: [Double]) -> Double { (v.reduce(0) { $0 + $1 * $1 } / Double(max(1, v.count))).squareRoot() }
        var messages: [Message] = []
        for (i, b) in bodies.enumerated() {
            for (k, sender) in b.senders.enumerated() {
                guard let j = index[sender], b.senderSamples[k] >= 12, !b.distances[k].isEmpty else { continue }
                let sorted = b.distances[k].sorted()
                let step = max(1, Int((Double(sorted.count) / Double(min(maxRows, 240))).rounded(.up)))
                let picked = Swift.stride(from: 0, to: sorted.count, by: step).map { sorted[$0] }
                var r: [Double] = [], g: [Double] = [], errors: [Double] = []
                for d in picked {
                    guard let m = network.message(b, sender: k, at: d), let e = network.uncertainty(b, sender: k, at: d) else { continue }
                    r.append(d / s)
                    g.append(m * toPhysical)
                    errors.append(e * toPhysical)
                }
                let relative = rms(g) > 0 ? rms(errors) / rms(g) : .infinity
                var message = Message(receiver: i, sender: j, law: nil, fitToNetwork: .nan, networkToMeasured: b.misfit,
                                      range: (sorted.first! / s, sorted.last! / s), relativeError: relative, samples: b.senderSamples[k])
                if r.count >= options.maxConstants + 2, relative <= maxRelativeError {
                    // Each answer gets a seeded error of the network's own uncertainty at that
                    // distance (as `Distillation` does), so the search does not trace its wiggles.
                    var random = SplitMix64(seed: 0xD157_222)
                    let noisy = zip(g, errors).map { $0 + $1 * random.gaussian() }
                    let found = try DiscoverJob.search(columns: [r], names: ["r"], targets: ["g"], values: [noisy], options: options, source: source)
                    // The simplest formula of the front (and its near-ties) that reproduces the
                    // network to `fit`, else the search's choice: the network's features bend its
                    // message by a few tenths of a percent at the ends of the distances it saw,
                    // and the description length pays for that bend (g = −k/(c + r²) for −k/r²).
                    func misfit(_ c: Candidate) -> Double {
                        let fitted = c.formula.evaluate([r], rows: r.count)
                        let m = rms(zip(fitted, g).map { $0 - $1 }) / rms(g)
                        return m.isFinite ? m : .infinity
                    }
                    let chosen = found.chosen[0]
                    let simplest = (found.result.front + found.result.alternatives)
                        .filter { misfit($0) <= Self.fit }
                        .min { ($0.complexity, misfit($0)) < ($1.complexity, misfit($1)) }
                    let law = simplest.map { $0.complexity < chosen.complexity ? $0 : chosen } ?? chosen
                    message.law = law
                    message.fitToNetwork = misfit(law)
                    if law.formula.sympyString(names: ["r"]) != chosen.formula.sympyString(names: ["r"]) { message.shortestDescription = chosen }
                }
                messages.append(message)
            }
        }
        guard !messages.isEmpty else { return nil }
        // The median ratio of two determined messages over the distances both were seen at.
        func ratio(_ a: (body: Int, sender: Int), _ b: (body: Int, sender: Int)) -> Double? {
            func message(_ x: (body: Int, sender: Int)) -> Message? {
                messages.first { $0.receiver == x.body && $0.sender == x.sender && $0.determined }
            }
            guard let ma = message(a), let mb = message(b) else { return nil }
            let lo = max(ma.range.0, mb.range.0) * s, hi = min(ma.range.1, mb.range.1) * s
            guard hi > lo, let ka = bodies[a.body].senders.firstIndex(of: bodies[a.sender].id),
                  let kb = bodies[b.body].senders.firstIndex(of: bodies[b.sender].id) else { return nil }
            var values: [Double] = []
            for j in 0...16 {
                let d = lo + (hi - lo) * Double(j) / 16
                if let x = network.message(bodies[a.body], sender: ka, at: d), let y = network.message(bodies[b.body], sender: kb, at: d), y != 0 {
                    values.append(x / y)
                }
            }
            values.sort()
            return values.isEmpty ? nil : values[values.count / 2]
        }
        // m_k/m_0: g(i←k)/g(i←0) for a third object i, else g(0←k)/g(k←0)
        var ratios: [Double?] = []
        for k in bodies.indices.dropFirst() {
            let third = bodies.indices.filter { $0 != 0 && $0 != k }.lazy.compactMap { i in ratio((i, k), (i, 0)) }.first
            ratios.append(third ?? ratio((0, k), (k, 0)))
        }
        return PairDistillation(objects: bodies.map(\.position), messages: messages, massRatios: ratios)
    }
}
