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
    ///
    /// With `smoothing` ≥ 8 and that many consecutive points, the step starts instead from the
    /// trajectory of the model through all of them (`smoothedStep`): each measured position's
    /// error no longer enters the prediction twice over.
    func step<M: AccelerationModel>(_ track: PixelTrack, decoded: Int, origin: (u: Double, v: Double), model: inout M,
                                    record: Bool = true, smoothing: Int = 0, correctedVelocities: Bool = false) -> (u: Double, v: Double)? {
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
        if smoothing >= 8, n >= smoothing, p[n - 1].frame == p[n - smoothing].frame + smoothing - 1,
           let next = smoothedStep(Array(p.suffix(smoothing)), now: now, origin: origin, model: model,
                                   correctedVelocities: correctedVelocities) {
            return next
        }
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

    /// The next position of the model's trajectory that passes closest (least squares) to the
    /// consecutive points `q` (px, image axes; the last is frame `now`). The model's
    /// accelerations along the path, summed twice (Numerov's rule; Störmer's explicit step for
    /// the next frame), give its curve s up to a straight line; the line p + w·j that, added,
    /// fits the points best is the path's position and velocity. Twice: the accelerations are
    /// evaluated first at the measured points and their finite-difference velocities, then on
    /// the fitted path and its next point (so a velocity-dependent law does not sum the
    /// measurement noise) — with `correctedVelocities`, the path's velocities are its central
    /// differences less (a(j+1) − a(j−1))/12 (the first pass's accelerations; O(Δt⁴), against
    /// O(Δt²) at the window's ends for plain differences). Nil where the model gives no finite
    /// acceleration.
    func smoothedStep<M: AccelerationModel>(_ q: [PixelTrack.Point], now: Double, origin: (u: Double, v: Double),
                                            model: M, correctedVelocities: Bool = false) -> (u: Double, v: Double)? {
        let n = q.count, s = calibration.pxPerUnit, dt = calibration.dt
        var pu = q.map(\.u), pv = q.map(\.v)
        var next = (u: 0.0, v: 0.0)
        // Velocity at path point j from the points 0..<count: five-point central differences
        // inside, three-point one-sided ones at the ends (errors O(Δt⁴), O(Δt²)).
        func velocity(_ p: [Double], _ j: Int, _ count: Int) -> Double {
            if j >= 2 && j + 2 < count { return (-p[j + 2] + 8 * p[j + 1] - 8 * p[j - 1] + p[j - 2]) / 12 }
            if j >= 1 && j + 1 < count { return (p[j + 1] - p[j - 1]) / 2 }
            if j == 0 { return (-3 * p[0] + 4 * p[1] - p[2]) / 2 }
            return (3 * p[j] - 4 * p[j - 1] + p[j - 2]) / 2
        }
        // On the fitted path p (with its next point p[n]) whose accelerations were a: Taylor's
        // series with a's differences for the third derivative.
        func pathVelocity(_ p: [Double], _ a: [Double], _ j: Int) -> Double {
            if j == 0 { return p[1] - p[0] - a[0] / 3 - a[1] / 6 }
            if j == n - 1 { return (p[n] - p[n - 2]) / 2 - (a[n - 1] - a[n - 2]) / 6 }
            return (p[j + 1] - p[j - 1]) / 2 - (a[j + 1] - a[j - 1]) / 12
        }
        var known = n
        var au = [Double](repeating: 0, count: n), av = au
        for pass in 0..<2 {
            // Accelerations (px/frame², image axes) at the path's points.
            let (previousU, previousV) = (au, av)
            for j in 0..<n {
                let corrected = correctedVelocities && pass == 1
                let vu = corrected ? pathVelocity(pu, previousU, j) : velocity(pu, j, known)
                let vv = corrected ? pathVelocity(pv, previousV, j) : velocity(pv, j, known)
                let (x, y) = physical(pu[j], pv[j], origin)
                guard let acc = model.acceleration(t: calibration.startTime + (now - Double(n - 1 - j)) * dt, x: x, y: y,
                                                   vx: vu / (s * dt), vy: -vv / (s * dt)) else { return nil }
                au[j] = acc.ax * s * dt * dt
                av[j] = -acc.ay * s * dt * dt
            }
            // The curve: s(0) = s(1) = 0, Numerov's rule inside, Störmer's step to j = n.
            func curve(_ a: [Double]) -> [Double] {
                var c = [Double](repeating: 0, count: n + 1)
                for j in 1..<(n - 1) { c[j + 1] = 2 * c[j] - c[j - 1] + (a[j + 1] + 10 * a[j] + a[j - 1]) / 12 }
                c[n] = 2 * c[n - 1] - c[n - 2] + (13 * a[n - 1] - 2 * a[n - 2] + a[n - 3]) / 12
                return c
            }
            let cu = curve(au), cv = curve(av)
            // Least-squares line through the points minus the curve, over j = 0…n−1.
            let mean = Double(n - 1) / 2
            var sjj = 0.0
            for j in 0..<n { sjj += (Double(j) - mean) * (Double(j) - mean) }
            func line(_ r: [Double]) -> (Double, Double) {
                var m = 0.0, sjr = 0.0
                for j in 0..<n { m += r[j] }
                m /= Double(n)
                for j in 0..<n { sjr += (Double(j) - mean) * (r[j] - m) }
                let w = sjr / sjj
                return (m - w * mean, w)
            }
            let (bu, wu) = line((0..<n).map { q[$0].u - cu[$0] }), (bv, wv) = line((0..<n).map { q[$0].v - cv[$0] })
            // The fitted path, with its next point (velocities at the last point are then central).
            next = (bu + wu * Double(n) + cu[n], bv + wv * Double(n) + cv[n])
            pu = (0..<n).map { bu + wu * Double($0) + cu[$0] } + [next.u]
            pv = (0..<n).map { bv + wv * Double($0) + cv[$0] } + [next.v]
            known = n + 1
        }
        guard next.u.isFinite, next.v.isFinite else { return nil }
        return next
    }
}
