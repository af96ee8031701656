import Foundation
import TestSupport
import Testing
@testable import Tracking

/// Orbit measurement on positions computed here from Kepler's equation (own Newton solver),
/// with measurement noise, rotated ellipses and both senses of motion.
@Suite struct OrbitTests {
    /// A track on an ellipse with focus at the origin: semi-major axis a, eccentricity e,
    /// periapsis angle ω, period T, sampled every dt for `duration`.
    func track(a: Double, e: Double, omega: Double, period: Double, dt: Double, duration: Double,
               noise: Double = 0, clockwise: Bool = false) -> Track {
        var samples: [Track.Sample] = []
        var random = SeededLCG(seed: 7)
        func uniform() -> Double { random.unit() - 0.5 }
        let n = 2 * Double.pi / period
        var frame = 0
        var t = 0.0
        while t <= duration {
            let m = n * t + 0.3
            var ea = m
            for _ in 0..<30 { ea -= (ea - e * sin(ea) - m) / (1 - e * cos(ea)) }
            let px = a * (cos(ea) - e), py = a * (1 - e * e).squareRoot() * sin(ea)
            let rate = n / (1 - e * cos(ea))
            let pvx = -a * sin(ea) * rate, pvy = a * (1 - e * e).squareRoot() * cos(ea) * rate
            let flip: Double = clockwise ? -1 : 1
            let x = px * cos(omega) - flip * py * sin(omega), y = px * sin(omega) + flip * py * cos(omega)
            let vx = pvx * cos(omega) - flip * pvy * sin(omega), vy = pvx * sin(omega) + flip * pvy * cos(omega)
            samples.append(Track.Sample(frame: frame, t: t, x: x + noise * uniform(), y: y + noise * uniform(), vx: vx, vy: vy,
                                        ax: 0, ay: 0, sigmaX: 0, sigmaY: 0, sigmaVX: 0, sigmaVY: 0, sigmaAX: 0, sigmaAY: 0,
                                        u: 0, v: 0, flux: 1))
            frame += 1
            t = Double(frame) * dt
        }
        return Track(name: "p", role: .moving, samples: samples, noisePx: 0, radiusPx: 2, flux: 1)
    }

    @Test(arguments: [(0.45, 0.2, 0.5, false), (3.0, 0.6, 2.0, true), (1.6, 0.0, 0.0, false)])
    func severalTurnsGiveAxisAndPeriod(a: Double, e: Double, omega: Double, clockwise: Bool) throws {
        let period = pow(a, 1.5)
        let orbit = try Orbit.measure(track(a: a, e: e, omega: omega, period: period, dt: period / 150, duration: 1.3 * period,
                                            noise: 1e-4 * a, clockwise: clockwise)).get()
        #expect(orbit.method == "revolutions")
        #expect(abs(orbit.semiMajorAxis / a - 1) < 1e-3, "\(orbit)")
        #expect(abs(orbit.period / period - 1) < 1e-3, "\(orbit)")
        #expect(abs(orbit.eccentricity - e) < 0.01, "\(orbit)")
        #expect(orbit.turns > 1.1 && orbit.turns < 1.5)  // angle about the centre, not time
    }

    @Test func lessThanATurnUsesTheArealRate() throws {
        let orbit = try Orbit.measure(track(a: 2, e: 0.3, omega: 1, period: 5, dt: 0.02, duration: 3.5)).get()
        #expect(orbit.method == "areal rate")
        #expect(abs(orbit.semiMajorAxis / 2 - 1) < 1e-3)
        #expect(abs(orbit.period / 5 - 1) < 1e-3, "\(orbit)")
    }

    @Test func openOrShortPathsAreRefused() {
        // a straight line is no ellipse; a quarter turn is too short
        var line = track(a: 1, e: 0, omega: 0, period: 1, dt: 0.01, duration: 1)
        for i in line.samples.indices { line.samples[i].x = Double(i) * 0.1 + 1; line.samples[i].y = 2 }
        #expect(throws: Orbit.Failure.self) { try Orbit.measure(line).get() }
        guard case .failure(.tooShort) = Orbit.measure(track(a: 1, e: 0.1, omega: 0, period: 1, dt: 0.005, duration: 0.25)) else {
            Issue.record("a quarter turn was measured")
            return
        }
    }
}
