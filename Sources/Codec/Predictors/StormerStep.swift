import Tracking

/// An acceleration field a(t, x, y, vx, vy) learned online from the decoded objects' measured
/// accelerations — a law with fitted constants (`LawFit`) or a network (`NeuralDynamics`).
/// `StormerStep` records its samples and steps objects with it.
protocol AccelerationModel {
    /// Add a measured acceleration at a state (the stepper's units).
    mutating func add(t: Double, x: Double, y: Double, vx: Double, vy: Double, ax: Double, ay: Double)
    /// Whether the model has learned enough to predict.
    var ready: Bool { get }
    /// The acceleration at a state; nil where it is not finite.
    func acceleration(t: Double, x: Double, y: Double, vx: Double, vy: Double) -> (ax: Double, ay: Double)?
}

/// Measures each decoded object's acceleration for an `AccelerationModel` and steps the object
/// to the next frame with the model's acceleration (Störmer's method). Its arithmetic is part
/// of the stream format of the levels that use it (golden streams check it).
struct StormerStep: Sendable {
    /// Pixels per unit, time per frame and the time of frame 0 (1, 1, 0: pixels and frames).
    let calibration: StreamCalibration

    /// Image coordinates → the model's (y up, origin given).
    func physical(_ u: Double, _ v: Double, _ origin: (u: Double, v: Double)) -> (x: Double, y: Double) {
        ((u - origin.u) / calibration.pxPerUnit, -(v - origin.v) / calibration.pxPerUnit)
    }

    /// Record the track's measured state and acceleration in `model` (when `record`), and
    /// predict its next position by a Störmer step (fourth order with four points, else
    /// Verlet's p(t+1) = 2p(t) − p(t−1) + a(state(t))·Δt²); nil until the model is ready, and
    /// for a track with a gap at its end.
    /// The samples use five-point central differences (errors O(Δt⁴)): with three points a
    /// rotation by θ per frame would fit ω·2tan(θ/2)/θ, 0.3 % too high at θ = 0.2, and the
    /// constants would not be the physical ones.
    func step<M: AccelerationModel>(_ track: PixelTrack, decoded: Int, origin: (u: Double, v: Double), model: inout M,
                                    record: Bool = true) -> (u: Double, v: Double)? {
        let p = track.points
        let n = p.count
        guard n >= 2, p[n - 1].frame == p[n - 2].frame + 1 else { return nil }
        let s = calibration.pxPerUnit, dt = calibration.dt
        let now = Double(decoded)
        let threeConsecutive = n >= 3 && p[n - 2].frame == p[n - 3].frame + 1
        if record && n >= 5 && p[n - 1].frame == p[n - 5].frame + 4 {
            let (x, y) = physical(p[n - 3].u, p[n - 3].v, origin)
            func velocity(_ q: (PixelTrack.Point) -> Double) -> Double {
                (-q(p[n - 1]) + 8 * q(p[n - 2]) - 8 * q(p[n - 4]) + q(p[n - 5])) / (12 * s * dt)
            }
            func acceleration(_ q: (PixelTrack.Point) -> Double) -> Double {
                (-q(p[n - 1]) + 16 * q(p[n - 2]) - 30 * q(p[n - 3]) + 16 * q(p[n - 4]) - q(p[n - 5])) / (12 * s * dt * dt)
            }
            model.add(t: calibration.startTime + (now - 2) * dt, x: x, y: y, vx: velocity(\.u), vy: -velocity(\.v),
                      ax: acceleration(\.u), ay: -acceleration(\.v))
        }
        guard model.ready else { return nil }
        // Velocity at the last point: second-order backward difference when possible.
        let vu = threeConsecutive ? (3 * p[n - 1].u - 4 * p[n - 2].u + p[n - 3].u) / 2 : p[n - 1].u - p[n - 2].u
        let vv = threeConsecutive ? (3 * p[n - 1].v - 4 * p[n - 2].v + p[n - 3].v) / 2 : p[n - 1].v - p[n - 2].v
        // The model's acceleration in px/frame² (image axes) at point p[n−1−back] with velocity
        // (vu, vv) in px/frame.
        let m = model
        func acceleration(back: Int, _ vu: Double, _ vv: Double) -> (u: Double, v: Double)? {
            let q = p[n - 1 - back]
            let (x, y) = physical(q.u, q.v, origin)
            guard let a = m.acceleration(t: calibration.startTime + (now - Double(back)) * dt, x: x, y: y,
                                         vx: vu / (s * dt), vy: -vv / (s * dt)) else { return nil }
            return (a.ax * s * dt * dt, -a.ay * s * dt * dt)
        }
        guard let a0 = acceleration(back: 0, vu, vv) else { return nil }
        // With four consecutive points: Störmer's explicit fourth-order step,
        // p(n+1) = 2p(n) − p(n−1) + Δt²·(13a(n) − 2a(n−1) + a(n−2))/12, the model evaluated at
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
}
