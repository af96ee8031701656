import Foundation

/// Bodies that all move and act on each other: Newtonian gravity between every pair (G·m_j),
/// Coulomb's law between every pair of charges (k·q_i·q_j/m_i) and, on each charge, uniform
/// fields E and B. Advanced by adaptive Bulirsch–Stoer extrapolation, so comparable masses,
/// eccentric binaries and close Coulomb encounters are followed to the integrator's tolerance.
public struct NBodySystem: Sendable {
    public struct Body: Sendable {
        public var mass: Double
        public var charge: Double
        public var position: Vector3
        public var velocity: Vector3
        public init(mass: Double, charge: Double = 0, position: Vector3, velocity: Vector3) {
            self.mass = mass
            self.charge = charge
            self.position = position
            self.velocity = velocity
        }
    }
    public var bodies: [Body]
    /// Newton's constant in the system's units (0: no gravity).
    public var G: Double
    /// Coulomb's constant in the system's units (0: charges do not act on each other).
    public var coulomb: Double
    public var electric: Vector3
    public var magnetic: Vector3
    /// Relative error per integrator step.
    public var tolerance: Double

    public init(bodies: [Body], G: Double = 0, coulomb: Double = 0, electric: Vector3 = .zero, magnetic: Vector3 = .zero,
                tolerance: Double = 1e-13) {
        self.bodies = bodies
        self.G = G
        self.coulomb = coulomb
        self.electric = electric
        self.magnetic = magnetic
        self.tolerance = tolerance
    }

    /// Every body's acceleration at the given positions and velocities.
    public func accelerations(positions x: [Vector3], velocities v: [Vector3]) -> [Vector3] {
        var a = [Vector3](repeating: .zero, count: x.count)
        for i in 0..<x.count {
            let bi = bodies[i]
            if bi.charge != 0 && bi.mass > 0 {
                a[i] += (bi.charge / bi.mass) * (electric + v[i].cross(magnetic))
            }
            for j in (i + 1)..<max(i + 1, x.count) {
                let bj = bodies[j]
                let d = x[j] - x[i]
                let r2 = d.squaredLength
                let inv3 = 1 / (r2 * r2.squareRoot())
                // Gravity pulls i toward j; Coulomb with like charges pushes it away.
                let pairForce = (G * bi.mass * bj.mass - coulomb * bi.charge * bj.charge) * inv3
                if pairForce == 0 { continue }
                if bi.mass > 0 { a[i] += (pairForce / bi.mass) * d }
                if bj.mass > 0 { a[j] -= (pairForce / bj.mass) * d }
            }
        }
        // Massless bodies (test particles) feel gravity but exert none.
        if G != 0 {
            for i in 0..<x.count where bodies[i].mass == 0 {
                for j in 0..<x.count where j != i && bodies[j].mass > 0 {
                    let d = x[j] - x[i]
                    let r2 = d.squaredLength
                    a[i] += (G * bodies[j].mass / (r2 * r2.squareRoot())) * d
                }
            }
        }
        return a
    }

    /// Total energy: kinetic, pairwise gravitational and Coulomb potentials, and −q·E·x.
    public func energy(positions x: [Vector3], velocities v: [Vector3]) -> Double {
        var e = 0.0
        for i in 0..<x.count {
            let bi = bodies[i]
            e += 0.5 * bi.mass * v[i].squaredLength - bi.charge * electric.dot(x[i])
            for j in (i + 1)..<max(i + 1, x.count) {
                let bj = bodies[j]
                let r = (x[j] - x[i]).length
                e += (coulomb * bi.charge * bj.charge - G * bi.mass * bj.mass) / r
            }
        }
        return e
    }

    /// Total momentum Σ m·v (conserved without external fields).
    public func momentum(velocities v: [Vector3]) -> Vector3 {
        var p = Vector3.zero
        for (b, vi) in zip(bodies, v) { p += b.mass * vi }
        return p
    }

    /// `count` samples `interval` apart from t = 0, bodies in the given order.
    public func motion(samples count: Int, interval: Double) throws -> Motion {
        guard interval > 0, interval.isFinite else { throw PhysicsError.invalidParameter("frame interval must be positive (got \(interval))") }
        for (i, b) in bodies.enumerated() {
            guard b.mass >= 0, b.mass.isFinite, b.charge.isFinite, b.position.isFinite, b.velocity.isFinite else {
                throw PhysicsError.invalidParameter("body \(i + 1): mass must be ≥ 0 and every number finite")
            }
            for j in 0..<i where bodies[j].position == b.position {
                throw PhysicsError.invalidParameter("bodies \(j + 1) and \(i + 1) start at the same position")
            }
        }
        let n = bodies.count
        var y = [Double](repeating: 0, count: 6 * n)
        for (i, b) in bodies.enumerated() {
            y[3 * i] = b.position.x; y[3 * i + 1] = b.position.y; y[3 * i + 2] = b.position.z
            y[3 * n + 3 * i] = b.velocity.x; y[3 * n + 3 * i + 1] = b.velocity.y; y[3 * n + 3 * i + 2] = b.velocity.z
        }
        func unpack(_ y: [Double]) -> ([Vector3], [Vector3]) {
            ((0..<n).map { Vector3(y[3 * $0], y[3 * $0 + 1], y[3 * $0 + 2]) },
             (0..<n).map { Vector3(y[3 * n + 3 * $0], y[3 * n + 3 * $0 + 1], y[3 * n + 3 * $0 + 2]) })
        }
        let derivative: ([Double]) -> [Double] = { y in
            let (x, v) = unpack(y)
            let a = self.accelerations(positions: x, velocities: v)
            var f = [Double](repeating: 0, count: 6 * n)
            for i in 0..<n {
                f[3 * i] = v[i].x; f[3 * i + 1] = v[i].y; f[3 * i + 2] = v[i].z
                f[3 * n + 3 * i] = a[i].x; f[3 * n + 3 * i + 1] = a[i].y; f[3 * n + 3 * i + 2] = a[i].z
            }
            return f
        }
        var integrator = BulirschStoer(tolerance: tolerance, blocks: 2)
        var positions: [[Vector3]] = [], velocities: [[Vector3]] = [], accelerations: [[Vector3]] = []
        positions.reserveCapacity(count)
        for k in 0..<count {
            if k > 0 {
                do {
                    try integrator.advance(&y, by: interval, derivative: derivative)
                } catch let PhysicsError.invalidParameter(message) {
                    throw PhysicsError.invalidParameter("\(message) between frames \(k - 1) and \(k)")
                }
            }
            let (x, v) = unpack(y)
            guard x.allSatisfy(\.isFinite) else {
                throw PhysicsError.invalidParameter("the motion became non-finite at frame \(k); check masses, charges and frame_interval")
            }
            positions.append(x)
            velocities.append(v)
            accelerations.append(self.accelerations(positions: x, velocities: v))
        }
        let perFrame = count > 1 ? Int((Double(integrator.steps) / Double(count - 1)).rounded(.up)) : 0
        return Motion(times: (0..<count).map { Double($0) * interval }, positions: positions, velocities: velocities,
                      accelerations: accelerations, integrator: "bulirsch-stoer", substeps: perFrame)
    }
}
