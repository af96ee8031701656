import Tracking

/// Where a tracked object will be in the next frame, from the decoded past — the dynamics half
/// of the object levels (the scene and appearance model, `MotionModel`, draws what it predicts).
///
/// Predictors are to the codec what integrators are to an N-body code: small, one file each,
/// chosen by the level (`Levels.swift`), none of them knowing how pixels are coded. Encoder and
/// decoder run the same predictor on the same decoded positions, so whatever it learns is never
/// stored; its arithmetic is therefore part of the stream format (golden streams check it).
protocol MotionPredictor: Sendable {
    /// Next position (px, image axes) of the object whose decoded, disc-fitted positions are
    /// `track` (frame numbers local to the recent history), for frame `next` of that numbering.
    /// `decoded` is how many frames were decoded before this one (the stream's clock) and
    /// `origin` the pixel position of the physical origin (the reference body, else the frame
    /// centre). A predictor may record what it learns from the track here.
    mutating func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double)

    /// Called once per decoded frame, after every object's prediction; `decoded` as above.
    mutating func endFrame(decoded: Int)

    /// The moving objects' tracks of this frame, as `nextPosition` will get them, given before
    /// any of them is predicted, and whether `origin` will be a reference body (else the frame's
    /// centre) — for a predictor whose objects act on each other (the neural level's pair
    /// network, stream version 7); by default ignored.
    mutating func observe(_ objects: [PixelTrack], referenceBody: Bool)

    /// Predict from the trajectory through the last `frames` positions where the predictor has
    /// a model of the whole path (a law), not from the last few alone. The object levels ask
    /// for it with the `profiles-2` appearance, whose clean-frame positions are measured
    /// independently of the prediction; by default ignored. `correctedVelocities`: the path's
    /// velocities corrected by its accelerations (`profiles-3`), else plain differences.
    mutating func smooth(over frames: Int, correctedVelocities: Bool)

    /// Fitted constants by name and their 1σ (empty for a predictor without constants).
    var constants: [String: Double] { get }
    var uncertainties: [String: Double] { get }
}

extension MotionPredictor {
    mutating func endFrame(decoded: Int) {}
    mutating func observe(_ objects: [PixelTrack], referenceBody: Bool) {}
    mutating func smooth(over frames: Int, correctedVelocities: Bool) {}
    var constants: [String: Double] { [:] }
    var uncertainties: [String: Double] { [:] }
}
