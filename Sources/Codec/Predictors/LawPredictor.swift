import Formulas
import Tracking

/// The `law` level's predictor: a given acceleration law (`Law`), its named constants fitted
/// online (`LawFit`) to the accelerations of the decoded objects, stepped forward by Störmer's
/// method (`StormerStep`). Until the constants are overdetermined, and for an object with a gap
/// in its track, it falls back to constant acceleration.
struct LawPredictor: MotionPredictor {
    var fit: LawFit
    let calibration: StreamCalibration
    /// Windows the step's trajectory may be fitted through (0: the last four points, as stream
    /// version 3; see `smooth(over:)`), and each one's recent squared error.
    var windows = [0]
    var windowErrors = [0.0]
    /// Whether the windows' path velocities are corrected by the accelerations (`profiles-3`).
    var correctedVelocities = false

    init(_ law: Law, calibration: StreamCalibration, window: Int = 4096, iterations: Int = 4) {
        fit = LawFit(law, window: window, iterations: iterations)
        self.calibration = calibration
    }

    var constants: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fit.names, fit.values)) }
    var uncertainties: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fit.names, fit.uncertainties())) }

    /// Record the track's measured state and acceleration for the constants, and predict its
    /// next position by a Störmer step (`StormerStep`, in physical units) — from the window of
    /// past positions that predicted the objects' last positions best so far.
    mutating func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        let stepper = StormerStep(calibration: calibration)
        if windows.count > 1, fit.ready, let last = track.points.last {
            // Each window's prediction of the last point from the points before it; the error
            // decays by half in about seven frames (the constants sharpen as samples come in,
            // and longer windows with them).
            var before = track
            before.points.removeLast()
            for (k, w) in windows.enumerated() {
                guard let q = stepper.step(before, decoded: decoded - 1, origin: origin, model: &fit, record: false, smoothing: w,
                                           correctedVelocities: correctedVelocities)
                else { continue }
                let e = (q.u - last.u) * (q.u - last.u) + (q.v - last.v) * (q.v - last.v)
                windowErrors[k] = 0.9 * windowErrors[k] + 0.1 * min(e, 1)
            }
        }
        let best = windowErrors.indices.min(by: { windowErrors[$0] < windowErrors[$1] }) ?? 0
        return stepper.step(track, decoded: decoded, origin: origin, model: &fit, smoothing: windows[best],
                            correctedVelocities: correctedVelocities) ?? track.predict(next)
    }

    /// Let the step fit the law's trajectory through the last 8, 16 or 32 positions (up to
    /// `frames`), whichever predicted best: with many frames a well-fitted law averages the
    /// positions' measurement error down; a constant known to 0.1 % bends a long window.
    mutating func smooth(over frames: Int, correctedVelocities: Bool) {
        windows = [0] + [8, 16, 32].filter { $0 <= frames }
        windowErrors = Array(repeating: 0, count: windows.count)
        self.correctedVelocities = correctedVelocities
    }

    /// Refit the constants every frame while they are young, then every fourth frame: with
    /// thousands of samples one more frame hardly moves them, and the fit over the whole window
    /// was a tenth of the coding time on noisy streams.
    mutating func endFrame(decoded: Int) {
        if fit.sampleCount < 256 || decoded % 4 == 0 { fit.fit() }
    }
}
