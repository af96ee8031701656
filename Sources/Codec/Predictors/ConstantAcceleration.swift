import Tracking

/// The `motion` level's predictor: each object continues with the velocity and acceleration of
/// its last few decoded positions (`PixelTrack.predict`). No physics, no calibration.
struct ConstantAcceleration: MotionPredictor {
    func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        track.predict(next)
    }
}
