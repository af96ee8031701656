import Formulas
import Tracking

/// The `law` level's predictor: a given acceleration law (`Law`), its named constants fitted
/// online (`LawFit`) to the accelerations of the decoded objects, stepped forward by Störmer's
/// method (`StormerStep`). Until the constants are overdetermined, and for an object with a gap
/// in its track, it falls back to constant acceleration.
struct LawPredictor: MotionPredictor {
    var fit: LawFit
    let calibration: StreamCalibration

    init(_ law: Law, calibration: StreamCalibration, window: Int = 4096, iterations: Int = 4) {
        fit = LawFit(law, window: window, iterations: iterations)
        self.calibration = calibration
    }

    var constants: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fit.names, fit.values)) }
    var uncertainties: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fit.names, fit.uncertainties())) }

    /// Record the track's measured state and acceleration for the constants, and predict its
    /// next position by a Störmer step (`StormerStep`, in physical units).
    mutating func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        StormerStep(calibration: calibration).step(track, decoded: decoded, origin: origin, model: &fit) ?? track.predict(next)
    }

    /// Refit the constants every frame while they are young, then every fourth frame: with
    /// thousands of samples one more frame hardly moves them, and the fit over the whole window
    /// was a tenth of the coding time on noisy streams.
    mutating func endFrame(decoded: Int) {
        if fit.sampleCount < 256 || decoded % 4 == 0 { fit.fit() }
    }
}
