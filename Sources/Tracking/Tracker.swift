import Foundation
import Render

/// One object's trajectory in physical units.
public struct Track: Sendable {
    public enum Role: String, Sendable {
        /// The brightest static object: the origin of coordinates (a star).
        case reference
        /// Another object that does not move.
        case `static`
        case moving
    }

    public struct Sample: Sendable, Equatable {
        public var frame: Int
        public var t: Double
        /// Measured centroid, in length units relative to the origin (y up).
        public var x: Double, y: Double
        public var vx: Double, vy: Double
        public var ax: Double, ay: Double
        /// One-sigma uncertainties.
        public var sigmaX: Double, sigmaY: Double
        public var sigmaVX: Double, sigmaVY: Double
        public var sigmaAX: Double, sigmaAY: Double
        /// Measured centroid in image coordinates.
        public var u: Double, v: Double
        public var flux: Double
    }

    public var name: String
    public var role: Role
    public var samples: [Sample]
    /// Why the track ended early, if it did.
    public var endReason: String?
    /// Frames in which the object was hidden in a merged blob or cut by the border (no point).
    public var hiddenFrames = 0
    /// Position noise estimated from the track, in pixels.
    public var noisePx: Double
    /// Mean radius in pixels and mean flux (grey levels).
    public var radiusPx: Double
    public var flux: Double
}

/// All trajectories from one frame stream, with the origin they are measured from.
public struct TrackSet: Sendable {
    public var tracks: [Track]
    public var calibration: Calibration
    /// Image coordinates of the origin of x, y.
    public var originPx: (u: Double, v: Double)
    /// Which origin: "reference body <name>", "scene origin (scene.json)", "--origin", "frame centre".
    public var originDescription: String
    public var frameCount: Int
    public var imageSize: (width: Int, height: Int)
    /// Background level and noise, medians over the frames.
    public var background: Background
    /// Short tracks (fewer than the minimum points) that were dropped as noise.
    public var droppedShortTracks: Int
    /// RMS shift (pixels) by which the frames were registered on the stars; 0 when they were
    /// not (`Tracker.register`).
    public var registrationShiftPx = 0.0

    public var reference: Track? { tracks.first { $0.role == .reference } }
    public var moving: [Track] { tracks.filter { $0.role == .moving } }
}

/// Frames → detections → tracks → calibrated trajectories with derivatives.
public struct Tracker: Sendable {
    public struct Options: Sendable {
        public var detector = Detector.Options()
        public var associator = Associator.Options()
        public var differentiator = Differentiator.Options()
        /// Tracks with fewer points are dropped.
        public var minimumPoints = 8
        /// A track is static if its positions scatter by less than this (pixels; see `isStatic`).
        public var staticTolerance = 0.5
        /// Worker threads for reading and detecting frames.
        public var threads = ProcessInfo.processInfo.activeProcessorCount
        public init() {}
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Track the frames of a folder. `frame` is called concurrently from several threads.
    public func track(frameCount: Int, calibration: Calibration, progress: (@Sendable (Int) -> Void)? = nil,
                      frame: @Sendable (Int) throws -> Image) throws -> TrackSet {
        guard frameCount > 0 else { throw TrackingError("no frames to track") }
        let first = try frame(0)
        let size = (first.width, first.height)
        let detector = Detector(options: options.detector)
        let box = ResultBox(count: frameCount)
        let threads = max(1, min(options.threads, frameCount))
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            var index = worker
            while index < frameCount {
                if box.failed { return }
                do {
                    let image = index == 0 ? first : try frame(index)
                    guard image.width == size.0, image.height == size.1 else {
                        throw TrackingError("frame \(index) is \(image.width)x\(image.height); frame 0 is \(size.0)x\(size.1)")
                    }
                    let (detections, background) = detector.detect(image)
                    box.store(index, detections, background)
                    progress?(done.increment())
                } catch {
                    box.fail(error)
                    return
                }
                index += threads
            }
        }
        if let error = box.error { throw error }
        let frames = box.detections
        guard frames.contains(where: { !$0.isEmpty }) else {
            let bg = median(box.backgrounds.map(\.level)), noise = median(box.backgrounds.map(\.sigma))
            throw TrackingError(String(format: "no objects found in any frame (background %.1f, noise σ %.2f grey levels)", bg, noise))
        }
        let background = Background(level: median(box.backgrounds.map(\.level)), sigma: median(box.backgrounds.map(\.sigma)))
        return assemble(Associator(options: options.associator).link(frames), calibration: calibration,
                        frameCount: frameCount, imageSize: size, background: background)
    }

    /// Whether a track stays put: its positions scatter about their mean by less than
    /// `tolerance` (RMS), or — a faint star's noisy centroids, a star a passing body merges
    /// with for a few frames — 80 % of them lie within max(tolerance, 3 × their median 1σ) of
    /// it. A body that moves during more than a fifth of the frames is not static.
    static func isStatic(_ t: PixelTrack, tolerance: Double) -> Bool {
        let mu = mean(t.points.map(\.u)), mv = mean(t.points.map(\.v))
        let rms = mean(t.points.map { ($0.u - mu) * ($0.u - mu) + ($0.v - mv) * ($0.v - mv) }).squareRoot()
        if rms < tolerance { return true }
        return settled(t).reach80 < max(tolerance, 3 * median(t.points.map(\.sigma)))
    }

    /// A track's median position and the distance from it within which 80 % of its points lie.
    static func settled(_ t: PixelTrack) -> (u: Double, v: Double, reach80: Double) {
        let cu = median(t.points.map(\.u)), cv = median(t.points.map(\.v))
        let distances = t.points.map { (($0.u - cu) * ($0.u - cu) + ($0.v - cv) * ($0.v - cv)).squareRoot() }.sorted()
        return (cu, cv, distances[min(distances.count - 1, Int(0.8 * Double(distances.count)))])
    }

    /// Frame registration on the stars: with three or more tracks that stay within `reach`
    /// pixels of their median position for 80 % of their points (stars under seeing jitter or a
    /// shaking camera), each frame's shift is the median of their offsets from those positions
    /// (three or more in the frame). When the shifts stand out of the noise of such medians
    /// (their mean square above four times the expected one), every track's points are moved
    /// back by their frame's shift; otherwise nothing changes. Returns the registered tracks and
    /// the RMS shift applied (0 when none).
    static func register(_ tracks: [PixelTrack], frameCount: Int, reach: Double = 2) -> (tracks: [PixelTrack], shift: Double) {
        var anchors: [(track: Int, u: Double, v: Double)] = []
        for (k, t) in tracks.enumerated() {
            let c = settled(t)
            if c.reach80 < reach { anchors.append((k, c.u, c.v)) }
        }
        guard anchors.count >= 3 else { return (tracks, 0) }
        var du = [[Double]](repeating: [], count: frameCount), dv = du, variance = [[Double]](repeating: [], count: frameCount)
        for a in anchors {
            for p in tracks[a.track].points where p.frame >= 0 && p.frame < frameCount {
                du[p.frame].append(p.u - a.u); dv[p.frame].append(p.v - a.v); variance[p.frame].append(p.sigma * p.sigma)
            }
        }
        var shifts = [(u: Double, v: Double)?](repeating: nil, count: frameCount)
        var observed = 0.0, expected = 0.0, frames = 0
        for f in 0..<frameCount where du[f].count >= 3 {
            let s = (median(du[f]), median(dv[f]))
            shifts[f] = s
            observed += s.0 * s.0 + s.1 * s.1
            // a median of n offsets: about π/2 times the variance of their mean, per axis
            expected += 2 * (Double.pi / 2) * mean(variance[f]) / Double(du[f].count)
            frames += 1
        }
        guard frames > 0, observed > 4 * expected else { return (tracks, 0) }
        var out = tracks
        for k in out.indices {
            for i in out[k].points.indices {
                let f = out[k].points[i].frame
                guard f >= 0, f < frameCount, let s = shifts[f] else { continue }
                out[k].points[i].u -= s.u
                out[k].points[i].v -= s.v
            }
        }
        return (out, (observed / Double(frames)).squareRoot())
    }

    /// Calibrate linked tracks, register the frames on the stars, pick the reference body and
    /// differentiate.
    public func assemble(_ linked: [PixelTrack], calibration: Calibration, frameCount: Int,
                         imageSize: (width: Int, height: Int), background: Background) -> TrackSet {
        let (kept, registration) = Self.register(linked.filter { $0.points.count >= options.minimumPoints }, frameCount: frameCount)
        var roles = [Track.Role](repeating: .moving, count: kept.count)
        var staticCandidates: [(index: Int, flux: Double)] = []
        for (k, t) in kept.enumerated() where Self.isStatic(t, tolerance: options.staticTolerance) {
            roles[k] = .static
            staticCandidates.append((k, median(t.points.map(\.flux))))
        }
        let origin: (u: Double, v: Double)
        let originDescription: String
        var names = kept.indices.map { "object\($0 + 1)" }
        if let ref = staticCandidates.max(by: { $0.flux < $1.flux }) {
            roles[ref.index] = .reference
            let points = kept[ref.index].points
            origin = (mean(points.map(\.u)), mean(points.map(\.v)))
            names[ref.index] = "reference"
            var number = 0
            for k in kept.indices where k != ref.index {
                number += 1
                names[k] = "object\(number)"
            }
            originDescription = String(format: "reference body at mean pixel (%.3f, %.3f)", origin.u, origin.v)
        } else if let o = calibration.originPx {
            origin = o
            originDescription = String(format: "%@ origin at pixel (%.3f, %.3f)", calibration.source, o.u, o.v)
        } else {
            origin = (Double(imageSize.width) / 2, Double(imageSize.height) / 2)
            originDescription = String(format: "frame centre, pixel (%.3f, %.3f)", origin.u, origin.v)
        }
        let differentiator = Differentiator(options: options.differentiator)
        let s = calibration.pxPerUnit, dt = calibration.dt
        var tracks: [Track] = []
        for (k, t) in kept.enumerated() {
            let frames = t.points.map { Double($0.frame) }
            let us = t.points.map(\.u), vs = t.points.map(\.v)
            let d = differentiator.differentiate(times: frames, coordinates: [us, vs])
            var samples: [Track.Sample] = []
            for (i, p) in t.points.enumerated() {
                let ex = max(p.sigma, 0) / s
                samples.append(Track.Sample(
                    frame: p.frame, t: calibration.time(frame: Double(p.frame)),
                    x: (p.u - origin.u) / s, y: -(p.v - origin.v) / s,
                    vx: d[0].velocity[i].value / s / dt, vy: -d[1].velocity[i].value / s / dt,
                    ax: d[0].acceleration[i].value / s / (dt * dt), ay: -d[1].acceleration[i].value / s / (dt * dt),
                    sigmaX: ex, sigmaY: ex,
                    sigmaVX: d[0].velocity[i].sigma / s / dt, sigmaVY: d[1].velocity[i].sigma / s / dt,
                    sigmaAX: d[0].acceleration[i].sigma / s / (dt * dt), sigmaAY: d[1].acceleration[i].sigma / s / (dt * dt),
                    u: p.u, v: p.v, flux: p.flux))
            }
            tracks.append(Track(name: names[k], role: roles[k], samples: samples, endReason: t.endReason, hiddenFrames: t.hiddenFrames,
                                noisePx: d[0].noise, radiusPx: mean(t.points.map(\.radius)), flux: mean(t.points.map(\.flux))))
        }
        var set = TrackSet(tracks: tracks, calibration: calibration, originPx: origin, originDescription: originDescription,
                        frameCount: frameCount, imageSize: imageSize, background: background,
                        droppedShortTracks: linked.count - kept.count)
        set.registrationShiftPx = registration
        return set
    }
}

func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

/// The median (the mean of the middle two for an even count); NaN when empty.
public func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
}

/// Per-frame results written by worker threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    var detections: [[Detection]]
    var backgrounds: [Background]
    private(set) var error: Error?
    init(count: Int) {
        detections = Array(repeating: [], count: count)
        backgrounds = Array(repeating: Background(level: 0, sigma: 0), count: count)
    }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    func store(_ index: Int, _ d: [Detection], _ b: Background) {
        lock.lock(); detections[index] = d; backgrounds[index] = b; lock.unlock()
    }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
