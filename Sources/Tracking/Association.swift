import Foundation

/// A chain of detections of one object through the frames, in image coordinates.
public struct PixelTrack: Sendable {
    public struct Point: Sendable, Equatable {
        public var frame: Int
        public var u: Double
        public var v: Double
        public var flux: Double
        public var radius: Double
        public var sigma: Double
    }
    public var id: Int
    public var points: [Point] = []
    /// Why the track ended (nil while active or when it ran to the last frame).
    public var endReason: String?
    /// Frames in which the object was hidden in a merged blob or cut by the border.
    public var hiddenFrames = 0

    /// Position predicted for `frame` from the last few points (constant acceleration when
    /// there are three or more, constant velocity with two, at rest with one).
    public func predict(_ frame: Int) -> (u: Double, v: Double) {
        let tail = points.suffix(5)
        guard let last = tail.last else { return (0, 0) }
        if tail.count < 2 { return (last.u, last.v) }
        let times = tail.map { Double($0.frame) }
        let degree = tail.count >= 3 ? 2 : 1
        guard let fit = Differentiator.fit(times: times, values: [tail.map(\.u), tail.map(\.v)],
                                           range: 0...(times.count - 1), at: Double(frame), degree: degree)
        else { return (last.u, last.v) }
        return (fit.coefficients[0][0], fit.coefficients[1][0])
    }
}

/// Links detections frame to frame by predicted position.
///
/// Rules, so that a track is never silently joined to another object:
/// - a detection whose footprint holds the predicted positions of two or more tracks is a merge
///   (a planet passing the star, two objects crossing): none of those tracks gets a point, they
///   coast on their predictions;
/// - a detection that touches the image border gives no point either (its centroid is cut);
/// - a detection within the gate of two tracks, or a track with two detections in its gate
///   whose distances are too close to tell apart, is ambiguous: the track ends;
/// - a track that finds nothing for more than `maxGap` frames ends (left the frame, too faint);
/// - a detection whose flux differs from a track's recent median by more than `fluxRatio`
///   (either way; tracks of three points or more) is not that track's: a faint star a planet
///   passed over does not take the planet when they part;
/// - a detection within the gates of two tracks goes to the one whose flux it has, when their
///   fluxes tell them apart (`byFlux`);
/// - a detection that no track claims starts a new track;
/// - afterwards, a lost or ambiguous track and the one track that starts near where it was
///   lost, within `maxGap` frames and looking alike, are joined (`stitch`: a close approach of
///   two moving bodies).
public struct Associator: Sendable {
    public struct Options: Sendable, Equatable {
        /// Gate radius in pixels for a track seen in the previous frame.
        public var gate = 4.0
        /// Gate radius for a track of one point, whose velocity is unknown.
        public var acquisitionGate = 10.0
        /// Extra gate radius per missed frame, in pixels.
        public var gateGrowth = 1.5
        /// Frames a track may go unseen before it ends.
        public var maxGap = 12
        /// Two candidates closer than this (pixels) in distance are ambiguous.
        public var ambiguity = 1.0
        /// A detection's flux and a track's recent median flux differ by at most this factor.
        public var fluxRatio = 3.0
        /// `stitch` also joins a track that ended ambiguous (two bodies that swung past each
        /// other, each then within reach of both tracks) to the one new track that looks like it.
        /// Off in the codec's associator, whose stream versions fix what it links.
        public var stitchesAmbiguous = true
        /// A detection within the gates of two tracks goes to the one it looks like when their
        /// fluxes tell them apart (`byFlux`). Off in the codec's associator.
        public var contestsByFlux = true
        public init() {}
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    public func link(_ frames: [[Detection]]) -> [PixelTrack] {
        var finished: [PixelTrack] = []
        var active: [PixelTrack] = []
        var nextID = 0
        for (f, detections) in frames.enumerated() {
            let predictions = active.map { $0.predict(f) }
            let gates = active.map {
                // A track with one point has no velocity yet: it may have moved farther.
                ($0.points.count < 2 ? options.acquisitionGate : options.gate)
                    + options.gateGrowth * Double(f - ($0.points.last?.frame ?? f) - 1)
            }
            // Which tracks' predictions fall inside each detection's footprint.
            var claimed = [Bool](repeating: false, count: detections.count)
            var hidden = [Bool](repeating: false, count: active.count)
            for (k, d) in detections.enumerated() {
                let inside = predictions.indices.filter { d.covers(u: predictions[$0].u, v: predictions[$0].v, margin: 1) }
                if inside.count >= 2 || (d.touchesEdge && !inside.isEmpty) {
                    claimed[k] = true
                    for t in inside { hidden[t] = true }
                }
                if d.touchesEdge { claimed[k] = true }
            }
            // Candidate pairs within the gate.
            var pairs: [(track: Int, detection: Int, distance: Double)] = []
            for t in active.indices where !hidden[t] {
                let flux = active[t].points.count >= 3 && options.fluxRatio.isFinite ? median(active[t].points.suffix(10).map(\.flux)) : nil
                for (k, d) in detections.enumerated() where !claimed[k] {
                    let du = d.u - predictions[t].u, dv = d.v - predictions[t].v
                    let distance = (du * du + dv * dv).squareRoot()
                    if let flux, flux > 0, d.flux > options.fluxRatio * flux || d.flux * options.fluxRatio < flux { continue }
                    if distance <= gates[t] { pairs.append((t, k, distance)) }
                }
            }
            if options.contestsByFlux { pairs = Self.byFlux(pairs, active: active, detections: detections) }
            pairs.sort { $0.distance < $1.distance }
            var trackTaken = [Bool](repeating: false, count: active.count)
            var ended = [Bool](repeating: false, count: active.count)
            for pair in pairs where !trackTaken[pair.track] && !claimed[pair.detection] {
                // Ambiguity: another free candidate for the same track or detection at nearly the same distance.
                let rival = pairs.contains { other in
                    (other.track != pair.track || other.detection != pair.detection)
                        && ((other.track == pair.track && !claimed[other.detection])
                            || (other.detection == pair.detection && !trackTaken[other.track]))
                        && other.distance - pair.distance < options.ambiguity
                }
                trackTaken[pair.track] = true
                claimed[pair.detection] = true
                if rival {
                    ended[pair.track] = true
                    active[pair.track].endReason = "ambiguous: two candidates near frame \(f)"
                    // The detection starts a new track rather than extend a possibly wrong one.
                    claimed[pair.detection] = false
                    continue
                }
                let d = detections[pair.detection]
                active[pair.track].points.append(.init(frame: f, u: d.u, v: d.v, flux: d.flux, radius: d.radius, sigma: d.sigma))
            }
            for t in active.indices where hidden[t] { active[t].hiddenFrames += 1 }
            // End tracks that are ambiguous or have been gone too long.
            var still: [PixelTrack] = []
            for t in active.indices {
                let last = active[t].points.last?.frame ?? f
                if ended[t] {
                    finished.append(active[t])
                } else if f - last > options.maxGap {
                    active[t].endReason = hidden[t] ? "hidden (merged or at the border) for more than \(options.maxGap) frames"
                                                    : "not seen for more than \(options.maxGap) frames after frame \(last)"
                    finished.append(active[t])
                } else {
                    still.append(active[t])
                }
            }
            active = still
            for (k, d) in detections.enumerated() where !claimed[k] {
                var track = PixelTrack(id: nextID)
                nextID += 1
                track.points.append(.init(frame: f, u: d.u, v: d.v, flux: d.flux, radius: d.radius, sigma: d.sigma))
                active.append(track)
            }
        }
        finished.append(contentsOf: active)
        return stitch(finished).sorted { ($0.points.first?.frame ?? 0, $0.id) < ($1.points.first?.frame ?? 0, $1.id) }
    }

    /// A detection in the gates of two or more tracks (bodies that swing past each other, whose
    /// predictions a close encounter has made wrong) keeps only its pair with the track whose
    /// flux it has, when the fluxes tell them apart (`fluxDecides`, each track's flux the
    /// median of its last ten). The nearest prediction then no longer takes another body's
    /// detection; the track without one coasts, and `stitch` joins it to the track its body
    /// starts. Tracks of fewer than three points, or fluxes too alike, keep
    /// every pair (distance and the ambiguity rule decide, as before).
    static func byFlux(_ pairs: [(track: Int, detection: Int, distance: Double)], active: [PixelTrack],
                       detections: [Detection]) -> [(track: Int, detection: Int, distance: Double)] {
        var contested = [Int: [Int]]()
        for p in pairs { contested[p.detection, default: []].append(p.track) }
        var dropped = Set<[Int]>()
        for (d, tracks) in contested where tracks.count >= 2 {
            let looks = tracks.map { fluxLook(active[$0].points.suffix(10).map(\.flux)) }
            guard let best = fluxDecides(detections[d].flux, looks) else { continue }
            for (k, t) in tracks.enumerated() where k != best { dropped.insert([t, d]) }
        }
        return pairs.filter { !dropped.contains([$0.track, $0.detection]) }
    }

    /// A track's flux and its scatter (the median of |ln(fᵢ/median)|) from at least three
    /// positive fluxes; nil otherwise.
    static func fluxLook(_ fluxes: [Double]) -> (flux: Double, scatter: Double)? {
        let m = median(fluxes)
        guard fluxes.count >= 3, m > 0, fluxes.allSatisfy({ $0 > 0 }) else { return nil }
        return (m, median(fluxes.map { abs(log($0 / m)) }))
    }

    /// Which of `looks` (fluxes with their scatter) `flux` belongs to, when they tell it: the
    /// nearest in log-flux, every other at least 8 % and six times either scatter away, and
    /// more than twice as far as the nearest; nil when any look is unknown or none is decisive.
    static func fluxDecides(_ flux: Double, _ looks: [(flux: Double, scatter: Double)?]) -> Int? {
        guard flux > 0, !looks.isEmpty, looks.allSatisfy({ $0 != nil }) else { return nil }
        let known = looks.map { $0! }
        let mismatch = known.map { abs(log(flux / $0.flux)) }
        guard let best = mismatch.indices.min(by: { mismatch[$0] < mismatch[$1] }) else { return nil }
        let decisive = known.indices.allSatisfy { k in
            k == best || (mismatch[k] > max(0.08, 6 * known[k].scatter, 6 * known[best].scatter) && mismatch[best] < mismatch[k] / 2)
        }
        return decisive ? best : nil
    }

    /// Joins a track that was lost to the track that took over its object: at a close approach
    /// two moving bodies merge into one blob, and the lighter one swings around the other
    /// faster than a constant-acceleration prediction follows, so when the blob splits its
    /// detection lands outside its gate and starts a new track. A lost track (not seen) and a
    /// track that starts within `maxGap` frames after it are one object when the new one starts
    /// within reach of where the old one was last seen (its speed times the gap, plus the gate,
    /// twice over), both look alike (flux and radius within 30 %; of several such, the one whose
    /// flux the lost track has, when the fluxes tell them apart: `fluxDecides`), and each is
    /// the other's only such candidate; anything less certain stays two tracks. A track that ended ambiguous is
    /// joined the same way (`stitchesAmbiguous`): when two bodies of different brightness or
    /// size swing past each other, each new track looks like one of the old ones only (two
    /// alike bodies stay four tracks: each old one has two candidates).
    func stitch(_ tracks: [PixelTrack]) -> [PixelTrack] {
        var tracks = tracks
        func speed(_ t: PixelTrack, atEnd: Bool) -> Double {
            let p = atEnd ? Array(t.points.suffix(3)) : Array(t.points.prefix(3))
            guard p.count >= 2, let a = p.first, let b = p.last, b.frame > a.frame else { return 0 }
            return hypot(b.u - a.u, b.v - a.v) / Double(b.frame - a.frame)
        }
        func alike(_ a: PixelTrack, _ b: PixelTrack) -> Bool {
            func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
            let fa = median(a.points.suffix(10).map(\.flux)), fb = median(b.points.prefix(10).map(\.flux))
            let ra = median(a.points.suffix(10).map(\.radius)), rb = median(b.points.prefix(10).map(\.radius))
            return fa > 0 && fb > 0 && abs(fa / fb - 1) <= 0.3 && ra > 0 && rb > 0 && abs(ra / rb - 1) <= 0.3
        }
        func candidates(_ i: Int) -> [Int] {
            guard let last = tracks[i].points.last, let reason = tracks[i].endReason,
                  reason.hasPrefix("not seen") || (options.stitchesAmbiguous && reason.hasPrefix("ambiguous")) else { return [] }
            let found = tracks.indices.filter { j in
                guard j != i, let first = tracks[j].points.first else { return false }
                let gap = first.frame - last.frame
                guard gap >= 1, gap <= options.maxGap + 1 else { return false }
                let reach = 2 * (max(speed(tracks[i], atEnd: true), speed(tracks[j], atEnd: false)) * Double(gap) + options.gate)
                return hypot(first.u - last.u, first.v - last.v) <= reach && alike(tracks[i], tracks[j])
            }
            guard found.count >= 2, let own = Self.fluxLook(tracks[i].points.suffix(10).map(\.flux)),
                  let k = Self.fluxDecides(own.flux, found.map { Self.fluxLook(tracks[$0].points.prefix(10).map(\.flux)) })
            else { return found }
            return [found[k]]
        }
        var changed = true
        while changed {
            changed = false
            for i in tracks.indices {
                let forward = candidates(i)
                guard forward.count == 1, let j = forward.first else { continue }
                let backward = tracks.indices.filter { candidates($0).contains(j) }
                guard backward == [i] else { continue }
                let gap = (tracks[j].points.first?.frame ?? 0) - (tracks[i].points.last?.frame ?? 0) - 1
                tracks[i].points += tracks[j].points
                tracks[i].hiddenFrames += tracks[j].hiddenFrames + gap
                tracks[i].endReason = tracks[j].endReason
                tracks.remove(at: j)
                changed = true
                break
            }
        }
        return tracks
    }
}
