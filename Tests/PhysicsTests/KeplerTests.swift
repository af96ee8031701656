import Foundation
import Testing
@testable import Physics

/// Time at which the angle of a trajectory first returns to its starting angle after about
/// one period, found by bisection on the signed angle (a measurement, not the formula).
func measuredPeriod(guess: Double, state: (Double) -> Vector3) -> Double {
    let p0 = state(0)
    let angle0 = atan2(p0.y, p0.x)
    func offset(_ t: Double) -> Double {
        let p = state(t)
        return remainder(atan2(p.y, p.x) - angle0, 2 * Double.pi)
    }
    var lo = guess * 0.999, hi = guess * 1.001
    #expect(offset(lo) < 0 && offset(hi) > 0)
    for _ in 0..<200 {
        let mid = 0.5 * (lo + hi)
        if offset(mid) < 0 { lo = mid } else { hi = mid }
        if hi - lo < 1e-15 * guess { break }
    }
    return 0.5 * (lo + hi)
}

@Suite struct KeplerTests {
    static let GM = 4 * Double.pi * Double.pi  // AU³/yr² for one solar mass

    @Test(arguments: [0.0, 0.1, 0.5, 0.9, 0.99])
    func keplerEquationIsSolved(e: Double) {
        for k in 0..<400 {
            let m = -20 + Double(k) * 0.1
            let E = KeplerOrbit.eccentricAnomaly(meanAnomaly: m, eccentricity: e)
            #expect(abs(E - e * sin(E) - m) < 1e-13)
        }
    }

    @Test(arguments: [0.0, 0.3, 0.5, 0.9])
    func exactOrbitConservesEnergyOver100Orbits(e: Double) throws {
        let orbit = try KeplerOrbit(semiMajorAxis: 1.7, eccentricity: e, argumentOfPeriapsis: 0.4,
                                    meanAnomalyAtEpoch: 0.3, mu: Self.GM)
        let expected = orbit.specificEnergy
        var worst = 0.0
        for k in 0...5000 {
            let t = Double(k) / 5000 * 100 * orbit.period
            let s = orbit.state(at: t)
            let energy = 0.5 * s.velocity.squaredLength - orbit.mu / s.position.length
            worst = max(worst, abs((energy - expected) / expected))
        }
        #expect(worst < 1e-9)
    }

    @Test(arguments: [0.0, 0.5, 0.9])
    func exactOrbitPeriodMatchesKeplersThirdLaw(e: Double) throws {
        let a = 2.3
        let orbit = try KeplerOrbit(semiMajorAxis: a, eccentricity: e, argumentOfPeriapsis: 1.1,
                                    meanAnomalyAtEpoch: 2.0, mu: Self.GM)
        let expected = 2 * Double.pi * (a * a * a / Self.GM).squareRoot()
        let measured = measuredPeriod(guess: expected) { orbit.state(at: $0).position }
        #expect(abs(measured / expected - 1) < 1e-9)
    }

    @Test func universalDriftAgreesWithKeplerEquation() throws {
        let orbit = try KeplerOrbit(semiMajorAxis: 1.3, eccentricity: 0.8, argumentOfPeriapsis: 0.2,
                                    meanAnomalyAtEpoch: 0.5, mu: Self.GM)
        let s0 = orbit.state(at: 0)
        for dt in [-3.7, -0.01, 0.001, 0.37, 1.0, 12.3] {
            let d = KeplerDrift.advance(position: s0.position, velocity: s0.velocity, mu: Self.GM, dt: dt)
            let s = orbit.state(at: dt)
            #expect((d.position - s.position).length < 1e-11)
            #expect((d.velocity - s.velocity).length < 1e-10)
        }
    }
}

@Suite struct WisdomHolmanTests {
    static let G = 4 * Double.pi * Double.pi

    func planet(a: Double, e: Double, omega: Double, m0: Double, mStar: Double, mPlanet: Double) throws -> (Vector3, Vector3) {
        let orbit = try KeplerOrbit(semiMajorAxis: a, eccentricity: e, argumentOfPeriapsis: omega,
                                    meanAnomalyAtEpoch: m0, mu: Self.G * (mStar + mPlanet))
        let s = orbit.state(at: 0)
        return (s.position, s.velocity)
    }

    @Test func singlePlanetIsExactAndHasKeplerPeriod() throws {
        let (x, v) = try planet(a: 1.5, e: 0.9, omega: 0.3, m0: 3.0, mStar: 1, mPlanet: 1e-3)
        let masses = [1.0, 1e-3]
        let mkIntegrator = { try WisdomHolman(masses: masses, positions: [.zero, x], velocities: [.zero, v], G: Self.G) }
        let expected = 2 * Double.pi * (1.5 * 1.5 * 1.5 / (Self.G * 1.001)).squareRoot()
        let base = try mkIntegrator()
        let measured = measuredPeriod(guess: expected) { t in
            var wh = base
            wh.advance(by: t, substeps: 1)
            let p = wh.positions
            return p[1] - p[0]
        }
        #expect(abs(measured / expected - 1) < 1e-9)
    }

    @Test(arguments: [0.5, 0.9])
    func threePlanetsConserveEnergyOver100Orbits(e: Double) throws {
        let masses = [1.0, 3e-6, 1e-5, 5e-6]
        let (x1, v1) = try planet(a: 1.0, e: e, omega: 0, m0: 0, mStar: 1, mPlanet: masses[1])
        let (x2, v2) = try planet(a: 3.2, e: 0.1, omega: 2, m0: 1, mStar: 1, mPlanet: masses[2])
        let (x3, v3) = try planet(a: 6.0, e: 0.05, omega: 4, m0: 3, mStar: 1, mPlanet: masses[3])
        var wh = try WisdomHolman(masses: masses, positions: [.zero, x1, x2, x3],
                                  velocities: [.zero, v1, v2, v3], G: Self.G)
        let e0 = wh.totalEnergy
        var worst = 0.0
        // 100 orbits of the inner, eccentric planet; 400 substeps per orbit.
        for _ in 0..<100 {
            wh.advance(by: 1.0, substeps: 400)
            worst = max(worst, abs((wh.totalEnergy - e0) / e0))
        }
        #expect(worst < 1e-9)
    }

    @Test func jacobiTransformRoundTrips() {
        let masses = [1.0, 0.1, 0.0, 0.3]
        let xs = [Vector3(0.1, 0.2, 0), Vector3(1, 0, 0.5), Vector3(-2, 1, 0), Vector3(0, -3, 1)]
        var eta = [1.0]
        for i in 1..<4 { eta.append(eta[i - 1] + masses[i]) }
        let back = WisdomHolman.fromJacobi(WisdomHolman.toJacobi(xs, masses: masses, eta: eta), masses: masses, eta: eta)
        for (a, b) in zip(xs, back) { #expect((a - b).length < 1e-14) }
    }
}
