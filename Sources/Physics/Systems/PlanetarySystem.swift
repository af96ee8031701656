import Foundation

/// A star and planets given by their heliocentric orbital elements, gravitating (planets
/// attract each other too unless massless). Sampled barycentrically: exactly by Kepler's
/// equation when that is exact (one planet, or massless planets), else by a sixth-order
/// Wisdom–Holman map with steps that resolve every periapsis.
public struct PlanetarySystem: Sendable {
    public struct Planet: Sendable {
        public var mass: Double
        public var semiMajorAxis: Double
        public var eccentricity: Double
        /// Radians.
        public var argumentOfPeriapsis: Double
        public var meanAnomalyAtEpoch: Double
        public init(mass: Double, semiMajorAxis: Double, eccentricity: Double, argumentOfPeriapsis: Double, meanAnomalyAtEpoch: Double) {
            self.mass = mass
            self.semiMajorAxis = semiMajorAxis
            self.eccentricity = eccentricity
            self.argumentOfPeriapsis = argumentOfPeriapsis
            self.meanAnomalyAtEpoch = meanAnomalyAtEpoch
        }
    }
    public enum Integrator: String, Sendable { case auto, kepler, wisdomHolman = "wisdom-holman" }

    public var starMass: Double
    public var planets: [Planet]
    public var G: Double
    public var integrator: Integrator
    /// Steps per sample for Wisdom–Holman (nil: chosen from the orbits).
    public var substeps: Int?

    public init(starMass: Double, planets: [Planet], G: Double, integrator: Integrator = .auto, substeps: Int? = nil) {
        self.starMass = starMass
        self.planets = planets
        self.G = G
        self.integrator = integrator
        self.substeps = substeps
    }

    /// Each planet's two-body orbit about the star. A planet whose elements are invalid is
    /// reported by its index (`PlanetError`).
    public func orbits() throws -> [KeplerOrbit] {
        try planets.enumerated().map { k, p in
            do {
                return try KeplerOrbit(semiMajorAxis: p.semiMajorAxis, eccentricity: p.eccentricity,
                                       argumentOfPeriapsis: p.argumentOfPeriapsis, meanAnomalyAtEpoch: p.meanAnomalyAtEpoch,
                                       mu: G * (starMass + p.mass))
            } catch {
                throw PlanetError(index: k, underlying: error)
            }
        }
    }

    public struct PlanetError: Error, CustomStringConvertible {
        public var index: Int
        public var underlying: Error
        public var description: String { "\(underlying)" }
    }

    /// Bodies in order star, planets; `count` samples `interval` apart from t = 0.
    public func motion(samples count: Int, interval: Double) throws -> Motion {
        let orbits = try orbits()
        let masses = [starMass] + planets.map(\.mass)
        let totalMass = masses.reduce(0, +)
        let allMassless = planets.allSatisfy { $0.mass == 0 }
        let useKepler = integrator == .kepler || (integrator == .auto && (planets.count == 1 || allMassless))
        var positions: [[Vector3]] = [], velocities: [[Vector3]] = []
        positions.reserveCapacity(count)
        let times = (0..<count).map { Double($0) * interval }

        /// Barycentric star + planets from heliocentric planet states.
        func barycentric(_ rel: [(position: Vector3, velocity: Vector3)]) -> ([Vector3], [Vector3]) {
            var sx = Vector3.zero, sv = Vector3.zero
            for (p, r) in zip(planets, rel) {
                sx += p.mass * r.position
                sv += p.mass * r.velocity
            }
            let starX = -(sx / totalMass), starV = -(sv / totalMass)
            return ([starX] + rel.map { starX + $0.position }, [starV] + rel.map { starV + $0.velocity })
        }

        var steps = 1
        if useKepler {
            for t in times {
                let (x, v) = barycentric(orbits.map { $0.state(at: t) })
                positions.append(x)
                velocities.append(v)
            }
        } else {
            // Resolve each orbit's fastest phase (periapsis) with ≥ 30 steps and every orbit with ≥ 200.
            var stepLimit = Double.infinity
            for o in orbits {
                stepLimit = min(stepLimit, o.period / 200, o.period * pow(1 - o.eccentricity, 1.5) / 30)
            }
            steps = substeps ?? max(1, Int((interval / stepLimit).rounded(.up)))
            let (x0, v0) = barycentric(orbits.map { $0.state(at: 0) })
            var wh = try WisdomHolman(masses: masses, positions: x0, velocities: v0, G: G, order: 6)
            for k in 0..<count {
                if k > 0 { wh.advance(by: interval, substeps: steps) }
                positions.append(wh.positions)
                velocities.append(wh.velocities)
            }
        }
        let accelerations = positions.map { Gravity.accelerations(positions: $0, masses: masses, G: G) }
        return try Motion(times: times, positions: positions, velocities: velocities, accelerations: accelerations,
                          integrator: useKepler ? "kepler" : "wisdom-holman", substeps: useKepler ? 1 : steps).checkedFinite()
    }
}
