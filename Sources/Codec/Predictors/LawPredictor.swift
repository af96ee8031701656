import Formulas
import Tracking

/// The `law` level's predictor: a given acceleration law (`Law`), its named constants fitted
/// online (`LawFit`) to the accelerations of the decoded objects, stepped forward by Störmer's
/// method. Until the constants are overdetermined, and for an object with a gap in its track,
/// it falls back to constant acceleration.
struct LawPredictor: MotionPredictor {
    var fit: LawFit
    let calibration: StreamCalibration

    init(_ law: Law, calibration: StreamCalibration, window: Int = 4096, iterations: Int = 4) {
        fit = LawFit(law, window: window, iterations: iterations)
        self.calibration = calibration
    }

    var constants: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fit.names, fit.values)) }
    var uncertainties: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fit.names, fit.uncertainties())) }

    /// Image coordinates → physical (y up, origin given).
    func physical(_ u: Double, _ v: Double, _ origin: (u: Double, v: Double)) -> (x: Double, y: Double) {
        ((u - origin.u) / calibration.pxPerUnit, -(v - origin.v) / calibration.pxPerUnit)
    }

    /// Record the track's measured state and acceleration for the constants, and predict its
    /// next position by a Störmer step (fourth order with four points, else Verlet's
    /// p(t+1) = 2p(t) − p(t−1) + a(state(t))·Δt²).
    /// The samples use five-point central differences (errors O(Δt⁴)): with three points a
    /// rotation by θ per frame would fit ω·2tan(θ/2)/θ, 0.3 % too high at θ = 0.2, and the
    /// constants would not be the physical ones.
    mutating func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        lawStep(track, decoded: decoded, origin: origin) ?? track.predict(next)
    }

    mutating func lawStep(_ track: PixelTrack, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double)? {
        let p = track.points
        let n = p.count
        guard n >= 2, p[n - 1].frame == p[n - 2].frame + 1 else { return nil }
        let s = calibration.pxPerUnit, dt = calibration.dt
        let now = Double(decoded)
        let threeConsecutive = n >= 3 && p[n - 2].frame == p[n - 3].frame + 1
        if n >= 5 && p[n - 1].frame == p[n - 5].frame + 4 {
            let (x, y) = physical(p[n - 3].u, p[n - 3].v, origin)
            func velocity(_ q: (PixelTrack.Point) -> Double) -> Double {
                (-q(p[n - 1]) + 8 * q(p[n - 2]) - 8 * q(p[n - 4]) + q(p[n - 5])) / (12 * s * dt)
            }
            func acceleration(_ q: (PixelTrack.Point) -> Double) -> Double {
                (-q(p[n - 1]) + 16 * q(p[n - 2]) - 30 * q(p[n - 3]) + 16 * q(p[n - 4]) - q(p[n - 5])) / (12 * s * dt * dt)
            }
            fit.add(t: calibration.startTime + (now - 2) * dt, x: x, y: y, vx: velocity(\.u), vy: -velocity(\.v),
                    ax: acceleration(\.u), ay: -acceleration(\.v))
        }
        // Predict only once the constants are overdetermined (two samples per constant).
        guard fit.sampleCount >= max(1, 2 * fit.names.count) else { return nil }
        // Velocity at the last point: second-order backward difference when possible.
        let vu = threeConsecutive ? (3 * p[n - 1].u - 4 * p[n - 2].u + p[n - 3].u) / 2 : p[n - 1].u - p[n - 2].u
        let vv = threeConsecutive ? (3 * p[n - 1].v - 4 * p[n - 2].v + p[n - 3].v) / 2 : p[n - 1].v - p[n - 2].v
        // The law's acceleration in px/frame² (image axes) at point p[n−1−back] with velocity
        // (vu, vv) in px/frame.
        func acceleration(back: Int, _ vu: Double, _ vv: Double) -> (u: Double, v: Double)? {
            let q = p[n - 1 - back]
            let (x, y) = physical(q.u, q.v, origin)
            let columns = [[calibration.startTime + (now - Double(back)) * dt], [x], [y], [vu / (s * dt)], [-vv / (s * dt)],
                           [(x * x + y * y).squareRoot()]]
            let a = fit.acceleration(columns, rows: 1)
            guard a.ax[0].isFinite, a.ay[0].isFinite else { return nil }
            return (a.ax[0] * s * dt * dt, -a.ay[0] * s * dt * dt)
        }
        guard let a0 = acceleration(back: 0, vu, vv) else { return nil }
        // With four consecutive points: Störmer's explicit fourth-order step,
        // p(n+1) = 2p(n) − p(n−1) + Δt²·(13a(n) − 2a(n−1) + a(n−2))/12, the law evaluated at
        // the two earlier frames too (velocities there by central differences). Its error is
        // O(Δt⁶) against Verlet's O(Δt⁴): a law that is right predicts to the fit's precision,
        // instead of leaving an integration error that a wrong law's bias can happen to cancel.
        if n >= 4 && p[n - 1].frame == p[n - 4].frame + 3,
           let a1 = acceleration(back: 1, (p[n - 1].u - p[n - 3].u) / 2, (p[n - 1].v - p[n - 3].v) / 2),
           let a2 = acceleration(back: 2, (p[n - 2].u - p[n - 4].u) / 2, (p[n - 2].v - p[n - 4].v) / 2) {
            return (2 * p[n - 1].u - p[n - 2].u + (13 * a0.u - 2 * a1.u + a2.u) / 12,
                    2 * p[n - 1].v - p[n - 2].v + (13 * a0.v - 2 * a1.v + a2.v) / 12)
        }
        return (2 * p[n - 1].u - p[n - 2].u + a0.u, 2 * p[n - 1].v - p[n - 2].v + a0.v)
    }

    /// Refit the constants every frame while they are young, then every fourth frame: with
    /// thousands of samples one more frame hardly moves them, and the fit over the whole window
    /// was a tenth of the coding time on noisy streams.
    mutating func endFrame(decoded: Int) {
        if fit.sampleCount < 256 || decoded % 4 == 0 { fit.fit() }
    }
}
