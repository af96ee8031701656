import Foundation
import Testing
@testable import Physics

@Suite struct BorisTests {
    @Test(arguments: [true, false])
    func speedIsConservedInPureMagneticField(corrected: Bool) throws {
        let v0 = Vector3(1.3, -0.4, 0.7)
        var p = try BorisPusher(chargeToMass: 2.5, electric: .zero, magnetic: Vector3(0.3, -0.2, 1.1),
                                position: .zero, velocity: v0, step: 0.37, corrected: corrected)
        let speed = p.halfStepVelocity.length
        for _ in 0..<100_000 { p.advance() }
        // Only round-off (~1e-16 per step) may change the speed.
        #expect(abs(p.halfStepVelocity.length / speed - 1) < 1e-11)
        #expect(abs(speed / v0.length - 1) < 1e-14)
    }

    /// Unwrapped rotation angle of the in-plane velocity over the run, divided by time.
    func measure(_ corrected: Bool, stepsPerGyration: Int) throws -> (omega: Double, radius: Double, expectedOmega: Double, expectedRadius: Double) {
        let qm = 1.7, B = 0.8
        let omega = qm * B
        let v0 = Vector3(2.0, 0.5, 0.3)
        let h = 2 * Double.pi / omega / Double(stepsPerGyration)
        var p = try BorisPusher(chargeToMass: qm, electric: .zero, magnetic: Vector3(0, 0, B),
                                position: .zero, velocity: v0, step: h, corrected: corrected)
        var angle = 0.0
        var previous = atan2(p.velocity.y, p.velocity.x)
        let gyrations = 1000
        var lastGyration: [Vector3] = []
        for k in 0..<(gyrations * stepsPerGyration) {
            p.advance()
            let a = atan2(p.velocity.y, p.velocity.x)
            angle += remainder(a - previous, 2 * Double.pi)
            previous = a
            if k >= (gyrations - 1) * stepsPerGyration { lastGyration.append(p.position) }
        }
        // Gyroradius from a least-squares circle through the last gyration's positions.
        let radius = fitCircleRadius(lastGyration)
        let vPerp = (v0.x * v0.x + v0.y * v0.y).squareRoot()
        return (abs(angle) / p.time, radius, omega, vPerp / omega)
    }

    @Test func correctedBorisHasExactGyrofrequencyAndRadiusAfter1000Gyrations() throws {
        let m = try measure(true, stepsPerGyration: 64)
        #expect(abs(m.omega / m.expectedOmega - 1) < 1e-6)
        #expect(abs(m.radius / m.expectedRadius - 1) < 1e-6)
    }

    @Test func classicBorisConvergesWithSmallSteps() throws {
        let m = try measure(false, stepsPerGyration: 4000)
        #expect(abs(m.omega / m.expectedOmega - 1) < 1e-6)
        #expect(abs(m.radius / m.expectedRadius - 1) < 1e-6)
        // and it really is the classic scheme: coarse steps show its known phase error
        let coarse = try measure(false, stepsPerGyration: 16)
        #expect(abs(coarse.omega / coarse.expectedOmega - 1) > 1e-3)
    }

    /// Frequency and radius alone do not pin the phase: a leapfrog that starts half a step off
    /// still draws the right circle in the wrong place. Compare the state itself with the
    /// analytic gyration, x(t) = x0 + (vx0 sin Ωt + vy0 (1 − cos Ωt))/Ω, … (B along z).
    @Test func correctedBorisFollowsTheAnalyticTrajectoryAndVelocity() throws {
        let qm = 2.0, B = 1.0, omega = qm * B
        let v0 = Vector3(4, 1, 0), x0 = Vector3(0.5, -0.3, 0)
        let h = 0.02
        var p = try BorisPusher(chargeToMass: qm, electric: .zero, magnetic: Vector3(0, 0, B),
                                position: x0, velocity: v0, step: h)
        for n in 1...500 {
            p.advance()
            let t = Double(n) * h, c = cos(omega * t), s = sin(omega * t)
            let x = x0.x + (v0.x * s + v0.y * (1 - c)) / omega
            let y = x0.y + (v0.y * s - v0.x * (1 - c)) / omega
            let vx = v0.x * c + v0.y * s, vy = v0.y * c - v0.x * s
            #expect(abs(p.position.x - x) < 1e-9 && abs(p.position.y - y) < 1e-9, "position at step \(n)")
            #expect(abs(p.velocity.x - vx) < 1e-9 && abs(p.velocity.y - vy) < 1e-9, "velocity at step \(n)")
            if abs(p.position.x - x) > 1e-9 { break }
        }
    }

    @Test(arguments: [true, false])
    func exBDriftMatchesTheory(corrected: Bool) throws {
        let qm = -0.9
        let E = Vector3(0.3, 0.8, 0.0), B = Vector3(0, 0.2, 1.5)
        let omega = abs(qm) * B.length
        let period = 2 * Double.pi / omega
        let steps = 200
        var p = try BorisPusher(chargeToMass: qm, electric: E, magnetic: B, position: .zero,
                                velocity: Vector3(0.5, 0, 0), step: period / Double(steps), corrected: corrected)
        // E has a component along B here, so measure the drift perpendicular to B.
        let bHat = B / B.length
        // Least-squares slope of the perpendicular position against time: the gyration
        // averages out whatever its discrete phase.
        var st = 0.0, stt = 0.0, n = 0.0
        var sx = Vector3.zero, stx = Vector3.zero
        for _ in 0..<(steps * 1000) {
            p.advance()
            let x = p.position - p.position.dot(bHat) * bHat
            st += p.time; stt += p.time * p.time; n += 1
            sx += x; stx += p.time * x
        }
        let measured = (n * stx - st * sx) / (n * stt - st * st)
        let expected = E.cross(B) / B.squaredLength
        #expect((measured - expected).length / expected.length < 1e-6)
    }
}

/// Kåsa least-squares circle fit in the x–y plane; returns the radius.
func fitCircleRadius(_ points: [Vector3]) -> Double {
    let n = Double(points.count)
    let mx = points.reduce(0) { $0 + $1.x } / n, my = points.reduce(0) { $0 + $1.y } / n
    var suu = 0.0, svv = 0.0, suv = 0.0, suuu = 0.0, svvv = 0.0, suvv = 0.0, svuu = 0.0
    for p in points {
        let u = p.x - mx, v = p.y - my
        suu += u * u; svv += v * v; suv += u * v
        suuu += u * u * u; svvv += v * v * v; suvv += u * v * v; svuu += v * u * u
    }
    let b1 = 0.5 * (suuu + suvv), b2 = 0.5 * (svvv + svuu)
    let det = suu * svv - suv * suv
    let uc = (b1 * svv - b2 * suv) / det, vc = (suu * b2 - suv * b1) / det
    return (uc * uc + vc * vc + (suu + svv) / n).squareRoot()
}
