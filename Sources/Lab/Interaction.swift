import Choice
import Discovery
import Foundation
import Tracking

/// Bodies that act on each other, measured from a video's tracks: when two or more objects
/// move and no reference body sits still (a binary, scattering charges), every frame in which
/// all of them were tracked becomes a snapshot, and `PairwiseLaws` finds the pairwise law, the
/// objects' strengths and mass ratios, and whether they attract.
///
/// Candidates come from the tracked accelerations and are refitted and scored on the tracked
/// positions (`PairwiseTrajectories`); the compressor's law level still codes each object with
/// a one-object law (stepping the objects jointly is not built yet), so the stream does not yet
/// choose among pairwise laws.
public struct Interaction: Sendable {
    /// The shortest law, and the others scored (shortest first).
    public var best: PairwiseLaws.Fitted
    public var alternatives: [PairwiseLaws.Fitted]
    /// Laws the video cannot tell from `best` (same class; `best` has the shortest description).
    public var equivalent: [PairwiseLaws.Fitted]
    /// The objects, in tracks.csv order.
    public var objects: [String]
    public var snapshots: Int
    /// Newton's third law on the measured accelerations: RMS over frames and axes of Σ m_i·a_i
    /// divided by its uncertainty (from the tracker's σ of each a_i), masses from the law; about
    /// 1 when the law's masses balance the measured forces (nil without an interaction).
    public var momentumCheck: Double?
    public var noInteractionBits: Double?

    /// Objects the pairwise search takes at most (its position fit grows as their square).
    public static let maxObjects = 10

    /// nil when fewer than two objects move (or more than `maxObjects`), a reference body is present (the one-object law
    /// about it is the law), or fewer than 12 frames show every object.
    public static func measure(_ set: TrackSet, alphabet: Int) -> Interaction? {
        let tracks = set.moving
        guard tracks.count >= 2, tracks.count <= maxObjects, set.reference == nil else { return nil }
        var byFrame: [[Int: Track.Sample]] = tracks.map { t in
            Dictionary(t.samples.filter { [$0.x, $0.y, $0.vx, $0.vy, $0.ax, $0.ay].allSatisfy(\.isFinite) }.map { ($0.frame, $0) },
                       uniquingKeysWith: { a, _ in a })
        }
        let frames = Set(byFrame[0].keys).filter { f in byFrame.allSatisfy { $0[f] != nil } }.sorted()
        guard frames.count >= 12 else { return nil }
        // each frame once: its accelerations (for the candidates) and positions (for the refit)
        var snapshots: [PairwiseLaws.Snapshot] = [], positions: [PairwiseTrajectories.Frame] = []
        for f in frames {
            let s = byFrame.map { $0[f]! }
            snapshots.append(PairwiseLaws.Snapshot(t: s[0].t, x: s.map(\.x), y: s.map(\.y), vx: s.map(\.vx), vy: s.map(\.vy),
                                                   ax: s.map(\.ax), ay: s.map(\.ay), sigmaAX: s.map(\.sigmaAX), sigmaAY: s.map(\.sigmaAY)))
            positions.append(PairwiseTrajectories.Frame(t: s[0].t, x: s.map(\.x), y: s.map(\.y), vx: s.map(\.vx), vy: s.map(\.vy),
                                                        sigma: s.map { max($0.sigmaX, $0.sigmaY) }))
        }
        byFrame = []
        // Candidates from the accelerations, then each refitted on the positions (where the
        // frames measured; derivatives flatten the peaks of a close approach) and scored there,
        // every law's residuals counted with one correlation time (the most flexible law's).
        let fromAccelerations = PairwiseLaws.search(snapshots, alphabet: alphabet)
        var laws = fromAccelerations
        func flexibility(_ l: PairwiseLaws.Fitted) -> (Int, Int, Int) {
            (l.coupling == .pairs ? 2 : 1, l.field == .perObject ? 2 : l.field == .uniform ? 1 : 0, l.exponentSnapped ? 0 : 1)
        }
        let flexible = fromAccelerations.filter { $0.coupling != .none }.max { flexibility($0) < flexibility($1) }
        if let flexible, let first = PairwiseTrajectories.refine(flexible, frames: positions, alphabet: alphabet) {
            var refined = [first]
            for law in fromAccelerations {
                if law.coupling == flexible.coupling && law.field == flexible.field && law.exponentSnapped == flexible.exponentSnapped { continue }
                if let r = PairwiseTrajectories.refine(law, frames: positions, alphabet: alphabet, tau: first.correlationTime,
                                                       outliers: first.positionOutliers) { refined.append(r) }
            }
            // A law that cannot be integrated over the frames (its fit diverged) is not a
            // candidate; the rest are compared on the positions, where they were all scored.
            if refined.contains(where: { $0.coupling == .none }) { laws = refined.sorted { $0.bits < $1.bits } }
        }
        guard var best = laws.first else { return nil }
        // The laws whose frames cost no more than the shortest's beyond the frames' own scatter
        // (the paired test of `StreamChoice`) are one class on this video: the shortest
        // description (structure and constants) wins it — an exponent of exactly −3 over a
        // fitted −3.016 ± 0.006 — and the rest are reported as ambiguous.
        var equivalent: [PairwiseLaws.Fitted] = []
        if let reference = best.frameBits {
            let members = laws.filter { l in l.frameBits.map { StreamChoice.indistinguishable($0, from: reference, floor: 0) } ?? false }
            if let shortest = members.min(by: { $0.descriptionBits < $1.descriptionBits }) {
                best = shortest
                equivalent = members.filter { $0.text != shortest.text || $0.exponent != shortest.exponent }
            }
        }
        laws = [best] + laws.filter { $0.text != best.text || $0.exponent != best.exponent || $0.exponentSnapped != best.exponentSnapped }
        // Newton's third law on the measurements: Σ m_i·a_i against its own uncertainty
        // (the tracker's σ of each a_i), per frame and axis; about 1 when it holds.
        var check: Double? = nil
        if best.coupling != .none {
            let masses = best.massRatios.map(\.ratio)
            var sum = 0.0, count = 0.0
            // the fields' part of each measured acceleration is not a force between the objects
            var fieldOnly = best
            fieldOnly.coupling = .none
            for s in snapshots {
                guard let sx = s.sigmaAX, let sy = s.sigmaAY else { continue }
                let external = fieldOnly.accelerations(x: s.x, y: s.y, vx: s.vx, vy: s.vy)
                let ax = zip(s.ax, external).map { $0 - $1.0 }, ay = zip(s.ay, external).map { $0 - $1.1 }
                for (a, sigma) in [(ax, sx), (ay, sy)] {
                    var total = 0.0, variance = 0.0
                    for i in masses.indices { total += masses[i] * a[i]; variance += masses[i] * masses[i] * sigma[i] * sigma[i] }
                    if variance > 0 { sum += total * total / variance; count += 1 }
                }
            }
            if count > 0 { check = (sum / count).squareRoot() }
        }
        return Interaction(best: best, alternatives: Array(laws.dropFirst().prefix(5)), equivalent: equivalent, objects: tracks.map(\.name),
                           snapshots: snapshots.count, momentumCheck: check,
                           noInteractionBits: laws.first(where: { $0.coupling == .none })?.bits)
    }

    /// One line for the terminal.
    public var summary: String {
        guard best.coupling != .none else {
            return "interaction: none measurable between \(objects.joined(separator: ", ")) (no pairwise law is shorter than \(best.text))"
        }
        let ratios = zip(objects, best.massRatios).dropFirst().map { String(format: "m(%@)/m(%@) = %.4g ± %.2g", $0.0, objects[0], $0.1.ratio, $0.1.sigma) }
        return "interaction: \(best.text) — \(best.attractive == true ? "attractive" : best.attractive == false ? "repulsive" : "mixed signs"); "
            + ratios.joined(separator: ", ") + (equivalent.isEmpty ? "" : "; as short: " + equivalent.map(\.text).joined(separator: ", "))
    }

    /// The note stored with it.
    public static let note = "candidates found from the tracked accelerations of every object in the frames that show them all, "
        + "then each refitted on the tracked positions (segments of \(PairwiseTrajectories.segmentLength) frames integrated under the law, the law's constants "
        + "shared) and scored there; the stream still codes each object with the one-object law (the law level does not yet step "
        + "the objects jointly), so the compressor does not yet choose among pairwise laws"
}
