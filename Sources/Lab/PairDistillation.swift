import Codec
import Discovery
import Formulas
import Foundation
import Render

/// The pairwise law a trained pair network holds (stream version 7, `Codec.PairMessages`),
/// distilled as Cranmer et al. 2020 distilled a graph network's messages: each object's message
/// — the acceleration it gets from another object at distance r, along the line between them —
/// is read from the network at the distances the object learned at, and symbolic regression
/// searches a law g(r) for it, in the stream's units. With a mutual force (Newton's third
/// law), two objects' messages at one distance are in the inverse ratio of their masses. With
/// three or more objects a message stands for all of an object's senders (the readout is the
/// receiver's), so it is a pairwise law only where the senders' couplings are equal.
///
/// A message is reported only where the frames determine it — where its standard error
/// (`PairMessages.uncertainty`, RMS over the distances) is below a tenth of it. It is not when
/// the frames show little of the force (a brief encounter), or when the bodies' barycentre sits
/// on a static reference body: the network's terms about that body (functions of each body's
/// distance from it) then carry the same force, and the split is the ridge's, not the data's.
public struct PairDistillation: Sendable {
    public struct Body: Sendable {
        /// Where the object was in the last frame it was seen (px, image axes).
        public var position: (u: Double, v: Double)
        /// The distilled law g(r) (stream units: r in length units, g in length/time²), nil
        /// where the message is not determined.
        public var law: Candidate?
        /// RMS(law − network)/RMS(network) at the distances searched.
        public var fitToNetwork: Double
        /// The network's readout against the object's measured accelerations (relative RMS).
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

    public var bodies: [Body]
    /// For each object after the first: the first object's message over this one's, the median
    /// over distances both learned at — m(this)/m(first) if the force is mutual (nil without a
    /// common distance, or where a message is not determined).
    public var massRatios: [Double?]

    /// Largest relative standard error (RMS over RMS) of a message for it to be distilled.
    public static let maxRelativeError = 0.1
    /// How closely the named law must reproduce the network's message (relative RMS).
    public static let fit = 0.01

    public var summary: [String] {
        var lines = ["pair network (stream version 7): each object's message from another at distance r, distilled from its readout:"]
        for (k, b) in bodies.enumerated() {
            let place = String(format: "object %d (last at %.1f, %.1f px)", k + 1, b.position.u, b.position.v)
            if let law = b.law {
                lines.append("  \(place): g = \(law.formula.sympyString(names: ["r"])) for r in "
                             + String(format: "%.3g…%.3g", b.range.0, b.range.1)
                             + " (reproduces the network to \(percent(b.fitToNetwork)); the network fits the measured accelerations to \(percent(b.networkToMeasured)))")
                if let s = b.shortestDescription {
                    lines.append("    (the simplest law within \(percent(Self.fit)) of the network; the shortest description: g = \(s.formula.sympyString(names: ["r"])))")
                }
            } else {
                lines.append("  \(place): not determined — its message's standard error is \(percent(b.relativeError)) of it "
                             + "(the frames show too little of the pair's force, or the barycentre sits on the reference body, whose terms are then the pair's)")
            }
        }
        if bodies.count > 2 {
            lines.append("  note: with \(bodies.count) objects each object's message stands for all its senders (one readout per receiver): "
                         + "where their masses differ it is an average, not a pairwise law")
        }
        for (k, r) in massRatios.enumerated() {
            guard let r else { continue }
            lines.append(String(format: "  message of object 1 over object %d at equal distances: %.4g (their mass ratio m%d/m1 if the force is mutual)", k + 2, r, k + 2))
        }
        return lines
    }

    func percent(_ x: Double) -> String {
        guard x.isFinite else { return "—" }
        if x >= 10 { return "over 1000 %" }
        return 100 * x < 10 ? String(format: "%.2g %%", 100 * x) : String(format: "%.0f %%", 100 * x)
    }

    /// distilled-pairs.json.
    func json() throws -> Data {
        struct Item: Encodable {
            var position_px: [Double]; var g: String?; var r_range: [Double]; var samples: Int
            var law_vs_network: Double?; var network_vs_measured: Double?; var message_relative_error: Double?
        }
        struct Document: Encodable {
            var format = "occam-distilled-pairs"
            var version = 1
            var note = "per object: the pair network's message g(r) (acceleration from another object at distance r, positive away from it; "
                + "stream units) and a law searched for it; mass_ratios[k] = g(first)/g(k+2) at equal distances, m(k+2)/m(first) for a mutual force"
            var objects: [Item]
            var mass_ratios: [Double?]
        }
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let d = Document(objects: bodies.map { b in
            Item(position_px: [b.position.u, b.position.v], g: b.law?.formula.sympyString(names: ["r"]), r_range: [b.range.0, b.range.1],
                 samples: b.samples, law_vs_network: finite(b.fitToNetwork), network_vs_measured: finite(b.networkToMeasured),
                 message_relative_error: finite(b.relativeError))
        }, mass_ratios: massRatios)
        return try EquationsDocument.encoder.encode(d)
    }

    /// Distil `messages` (pixels, frames) into laws in the units of `pxPerUnit` and `dt`; nil
    /// when fewer than two objects learned.
    static func run(messages: PairMessages, pxPerUnit s: Double, dt: Double, maxRows: Int, options: SearchOptions,
                    source: String) throws -> PairDistillation? {
        let learned = messages.bodies.filter { $0.samples >= 12 && !$0.distances.isEmpty }
        guard learned.count >= 2 else { return nil }
        let toPhysical = 1 / (s * dt * dt)
        var bodies: [Body] = []
        for b in learned {
            let sorted = b.distances.sorted()
            let step = max(1, Int((Double(sorted.count) / Double(min(maxRows, 240))).rounded(.up)))
            let picked = Swift.stride(from: 0, to: sorted.count, by: step).map { sorted[$0] }
            var r: [Double] = [], g: [Double] = [], errors: [Double] = []
            for d in picked {
                guard let m = messages.message(b, at: d), let e = messages.uncertainty(b, at: d) else { continue }
                r.append(d / s)
                g.append(m * toPhysical)
                errors.append(e * toPhysical)
            }
            func rms(_ v: [Double]) -> Double { (v.reduce(0) { $0 + $1 * $1 } / Double(max(1, v.count))).squareRoot() }
            let relative = rms(g) > 0 ? rms(errors) / rms(g) : .infinity
            var body = Body(position: b.position, law: nil, fitToNetwork: .nan, networkToMeasured: b.misfit,
                            range: (sorted.first! / s, sorted.last! / s), relativeError: relative, samples: b.samples)
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
                body.law = law
                body.fitToNetwork = misfit(law)
                if law.formula.sympyString(names: ["r"]) != chosen.formula.sympyString(names: ["r"]) { body.shortestDescription = chosen }
            }
            bodies.append(body)
        }
        // message ratios at distances both objects learned at
        var ratios: [Double?] = []
        for k in 1..<learned.count {
            guard bodies[0].determined, bodies[k].determined else { ratios.append(nil); continue }
            let lo = max(bodies[0].range.0, bodies[k].range.0) * s, hi = min(bodies[0].range.1, bodies[k].range.1) * s
            guard hi > lo else { ratios.append(nil); continue }
            var values: [Double] = []
            for j in 0...16 {
                let d = lo + (hi - lo) * Double(j) / 16
                if let a = messages.message(learned[0], at: d), let b = messages.message(learned[k], at: d), b != 0 { values.append(a / b) }
            }
            values.sort()
            ratios.append(values.isEmpty ? nil : values[values.count / 2])
        }
        return PairDistillation(bodies: bodies, massRatios: ratios)
    }
}
