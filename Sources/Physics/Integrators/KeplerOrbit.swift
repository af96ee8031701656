import Foundation

/// Exact two-body motion on an elliptic orbit, from classical elements.
///
/// Order: exact (to round-off). The position at any time is found by solving Kepler's equation
/// M = E − e·sin E for the eccentric anomaly E with Newton's method (Danby's starting value),
/// so no error accumulates with time. Planar: the orbit lies in the x–y plane.
/// Reference: Murray & Dermott, *Solar System Dynamics* (1999), §2.4–2.5.
public struct KeplerOrbit: Sendable, Equatable {
    /// Semi-major axis (length unit).
    public var semiMajorAxis: Double
    /// Eccentricity, 0 ≤ e < 1.
    public var eccentricity: Double
    /// Argument of periapsis ω (radians), measured from +x towards +y.
    public var argumentOfPeriapsis: Double
    /// Mean anomaly at t = 0 (radians).
    public var meanAnomalyAtEpoch: Double
    /// G·(M + m) of the relative orbit (length³/time²).
    public var mu: Double

    public init(semiMajorAxis: Double, eccentricity: Double, argumentOfPeriapsis: Double = 0,
                meanAnomalyAtEpoch: Double = 0, mu: Double) throws {
        guard semiMajorAxis > 0, semiMajorAxis.isFinite else {
            throw PhysicsError.invalidParameter("semi-major axis must be positive and finite (got \(semiMajorAxis))")
        }
        guard eccentricity >= 0, eccentricity < 1 else {
            throw PhysicsError.invalidParameter("eccentricity must be in [0, 1) for a bound orbit (got \(eccentricity))")
        }
        guard mu > 0, mu.isFinite else {
            throw PhysicsError.invalidParameter("G·M must be positive and finite (got \(mu))")
        }
        guard argumentOfPeriapsis.isFinite, meanAnomalyAtEpoch.isFinite else {
            throw PhysicsError.invalidParameter("orbital angles must be finite")
        }
        self.semiMajorAxis = semiMajorAxis
        self.eccentricity = eccentricity
        self.argumentOfPeriapsis = argumentOfPeriapsis
        self.meanAnomalyAtEpoch = meanAnomalyAtEpoch
        self.mu = mu
    }

    /// Mean motion n = sqrt(μ/a³) (radians per time unit).
    public var meanMotion: Double { (mu / (semiMajorAxis * semiMajorAxis * semiMajorAxis)).squareRoot() }
    /// Orbital period 2π/n (time unit).
    public var period: Double { 2 * Double.pi / meanMotion }
    /// Specific orbital energy −μ/(2a) (length²/time²).
    public var specificEnergy: Double { -mu / (2 * semiMajorAxis) }

    /// Solve Kepler's equation M = E − e·sin E for E, with M in any range.
    public static func eccentricAnomaly(meanAnomaly: Double, eccentricity e: Double) -> Double {
        // Reduce M to (−π, π] so the starting value and convergence are uniform.
        var m = remainder(meanAnomaly, 2 * Double.pi)
        if m == -Double.pi { m = Double.pi }
        var E = m + 0.85 * e * (m >= 0 ? 1.0 : -1.0)  // Danby (1987) starting value
        for _ in 0..<60 {
            let f = E - e * sin(E) - m
            let fp = 1 - e * cos(E)
            let step = f / fp
            E -= step
            if abs(step) <= 4e-16 * max(1, abs(E)) { break }
        }
        // Newton from Danby's start converges for all e < 1; confirm, else bisect (never expected).
        if abs(E - e * sin(E) - m) > 1e-12 {
            var lo = -Double.pi, hi = Double.pi
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                if mid - e * sin(mid) - m > 0 { hi = mid } else { lo = mid }
            }
            E = 0.5 * (lo + hi)
        }
        return E + (meanAnomaly - m)  // restore the number of whole revolutions
    }

    /// Relative position and velocity (secondary minus primary) at time t.
    public func state(at t: Double) -> (position: Vector3, velocity: Vector3) {
        let e = eccentricity, a = semiMajorAxis, n = meanMotion
        let E = Self.eccentricAnomaly(meanAnomaly: meanAnomalyAtEpoch + n * t, eccentricity: e)
        let cosE = cos(E), sinE = sin(E)
        let s = (1 - e * e).squareRoot()
        let px = a * (cosE - e), py = a * s * sinE
        let edot = n / (1 - e * cosE)
        let vx = -a * sinE * edot, vy = a * s * cosE * edot
        let cw = cos(argumentOfPeriapsis), sw = sin(argumentOfPeriapsis)
        return (Vector3(cw * px - sw * py, sw * px + cw * py, 0),
                Vector3(cw * vx - sw * vy, sw * vx + cw * vy, 0))
    }
}
