import Foundation

/// Advance a Keplerian orbit (any eccentricity) by a time step in universal variables.
///
/// Order: exact to round-off; used as the drift of the Wisdom–Holman map, where steps may be
/// negative. Solves the universal Kepler equation for χ with Newton's method (Laguerre–Conway
/// fallback) and applies Gauss's f and g functions.
/// Reference: Danby, *Fundamentals of Celestial Mechanics* (1988), §6.9; Curtis, *Orbital
/// Mechanics for Engineering Students*, §3.7.
public enum KeplerDrift {
    /// Stumpff functions C(z) = (1 − cos√z)/z and S(z) = (√z − sin√z)/√z³, with series near 0.
    @inlinable static func stumpff(_ z: Double) -> (c: Double, s: Double) {
        if abs(z) < 1e-3 {
            // Series to z⁴: truncation error < 1e-16 relative for |z| < 1e-3.
            let c = 1.0 / 2 - z / 24 + z * z / 720 - z * z * z / 40320 + z * z * z * z / 3628800
            let s = 1.0 / 6 - z / 120 + z * z / 5040 - z * z * z / 362880 + z * z * z * z / 39916800
            return (c, s)
        }
        if z > 0 {
            let r = z.squareRoot()
            return ((1 - cos(r)) / z, (r - sin(r)) / (r * r * r))
        }
        let r = (-z).squareRoot()
        return ((cosh(r) - 1) / (-z), (sinh(r) - r) / (r * r * r))
    }

    /// Propagate relative position `r0` and velocity `v0` about a mass with G·M = `mu` by `dt`.
    public static func advance(position r0: Vector3, velocity v0: Vector3, mu: Double, dt: Double)
        -> (position: Vector3, velocity: Vector3)
    {
        if dt == 0 { return (r0, v0) }
        let sqrtMu = mu.squareRoot()
        let r0n = r0.length
        let vr0 = r0.dot(v0) / r0n
        let alpha = 2 / r0n - v0.squaredLength / mu  // 1/a
        var t = dt
        // On a bound orbit, remove whole periods so χ stays small and accurate.
        if alpha > 0 {
            let period = 2 * Double.pi / (sqrtMu * alpha * alpha.squareRoot())
            t = remainder(dt, period)
        }
        var chi = sqrtMu * abs(alpha) * t
        if alpha <= 0 || chi == 0 { chi = sqrtMu * t / r0n }
        let k1 = r0n * vr0 / sqrtMu
        let k2 = 1 - alpha * r0n
        var converged = false
        for _ in 0..<50 {
            let z = alpha * chi * chi
            let (c, s) = stumpff(z)
            let f = k1 * chi * chi * c + k2 * chi * chi * chi * s + r0n * chi - sqrtMu * t
            let fp = k1 * chi * (1 - z * s) + k2 * chi * chi * c + r0n
            let step = f / fp
            chi -= step
            if abs(step) <= 1e-15 * max(1, abs(chi)) { converged = true; break }
        }
        if !converged {
            // Laguerre–Conway iteration: robust where Newton oscillates.
            for _ in 0..<200 {
                let z = alpha * chi * chi
                let (c, s) = stumpff(z)
                let f = k1 * chi * chi * c + k2 * chi * chi * chi * s + r0n * chi - sqrtMu * t
                let fp = k1 * chi * (1 - z * s) + k2 * chi * chi * c + r0n
                let fpp = k1 * (1 - z * c) + k2 * chi * (1 - z * s)
                let n = 5.0
                let disc = max(0, (n - 1) * (n - 1) * fp * fp - n * (n - 1) * f * fpp)
                let denom = fp + (fp >= 0 ? 1 : -1) * disc.squareRoot()
                let step = n * f / denom
                chi -= step
                if abs(step) <= 1e-15 * max(1, abs(chi)) { break }
            }
        }
        let z = alpha * chi * chi
        let (c, s) = stumpff(z)
        let f = 1 - chi * chi / r0n * c
        let g = t - chi * chi * chi / sqrtMu * s
        let r = f * r0 + g * v0
        let rn = r.length
        let fdot = sqrtMu / (rn * r0n) * (z * s - 1) * chi
        let gdot = 1 - chi * chi / rn * c
        return (r, fdot * r0 + gdot * v0)
    }
}
