import Foundation

/// The Boris pusher for a charged particle in uniform electric and magnetic fields.
///
/// Leapfrog: positions live at whole steps, velocities at half steps. Each step is a half
/// electric kick, a rotation about B (Cayley form, so |v| is conserved to round-off by the
/// magnetic part), and a second half kick. Second order, volume-preserving, time-reversible.
///
/// `corrected` (the default) applies two known corrections for uniform fields, which make the
/// scheme exact for any step: the gyrophase correction of Zenitani & Umeda (2018), which uses
/// t = b̂·tan(Ωh/2) so each step rotates by exactly Ωh (with the perpendicular electric kick
/// scaled by the same factor, which keeps the E×B drift exact), and a chord correction that
/// scales the gyration part of the position update by sin(Ωh/2)/(Ωh/2).
/// With `corrected: false` this is Boris's original scheme, whose gyrophase error is
/// ≈ (Ωh)²/12 relative and whose E×B drift is exact.
/// References: Boris (1970), Proc. 4th Conf. Num. Sim. Plasmas; Birdsall & Langdon, *Plasma
/// Physics via Computer Simulation* §4-4; Zenitani & Umeda, Phys. Plasmas 25, 112110 (2018).
public struct BorisPusher: Sendable {
    /// Charge-to-mass ratio (charge/mass).
    public let chargeToMass: Double
    public let electric: Vector3
    public let magnetic: Vector3
    /// Step length (time unit).
    public let step: Double
    public let corrected: Bool

    /// Position at the current whole step (length).
    public private(set) var position: Vector3
    /// Velocity half a step ahead of `position` (length/time).
    public private(set) var halfStepVelocity: Vector3
    /// Time of `position`.
    public private(set) var time: Double

    private let t: Vector3
    private let s: Vector3
    private let kick: Vector3
    private let drift: Vector3
    private let bHat: Vector3
    private let chordFactor: Double

    public init(chargeToMass: Double, electric: Vector3, magnetic: Vector3, position: Vector3,
                velocity: Vector3, step: Double, corrected: Bool = true) throws {
        guard step > 0, step.isFinite else {
            throw PhysicsError.invalidParameter("Boris step must be positive and finite (got \(step))")
        }
        guard chargeToMass.isFinite, electric.isFinite, magnetic.isFinite, position.isFinite, velocity.isFinite else {
            throw PhysicsError.invalidParameter("charge, mass, fields and initial state must be finite")
        }
        self.chargeToMass = chargeToMass
        self.electric = electric
        self.magnetic = magnetic
        self.step = step
        self.corrected = corrected
        self.position = position
        self.time = 0
        let bNorm = magnetic.length
        let bHat = bNorm > 0 ? magnetic / bNorm : .zero
        self.bHat = bHat
        let theta = abs(chargeToMass) * bNorm * step / 2
        let factor = (corrected && theta > 0) ? tan(theta) / theta : 1
        self.chordFactor = (corrected && theta > 0) ? sin(theta) / theta : 1
        let tVec = (chargeToMass * step / 2 * factor) * magnetic
        self.t = tVec
        self.s = (2 / (1 + tVec.squaredLength)) * tVec
        let eParallel = electric.dot(bHat) * bHat
        let ePerp = electric - eParallel
        self.kick = (chargeToMass * step / 2) * (eParallel + factor * ePerp)
        self.drift = Lorentz.driftVelocity(electric: electric, magnetic: magnetic)
        self.halfStepVelocity = .zero
        self.halfStepVelocity = exactVelocity(from: velocity, after: step / 2)
    }

    /// The exact velocity in these uniform fields `tau` after a moment with velocity `v`.
    /// Used to start the leapfrog and to report velocities at whole steps.
    public func exactVelocity(from v: Vector3, after tau: Double) -> Vector3 {
        let qm = chargeToMass
        let vPar = v.dot(bHat) * bHat
        let ePar = electric.dot(bHat) * bHat
        if magnetic.squaredLength == 0 { return v + (qm * tau) * electric }
        let w = v - vPar - drift
        // dw/dt = qm·(w × B) = ω × w with ω = −qm·B: rotate w about b̂ by angle −qm|B|τ.
        let angle = -qm * magnetic.length * tau
        let rotated = cos(angle) * w + sin(angle) * bHat.cross(w) + (1 - cos(angle)) * bHat.dot(w) * bHat
        return vPar + (qm * tau) * ePar + drift + rotated
    }

    /// Velocity at the current whole step (length/time).
    public var velocity: Vector3 { exactVelocity(from: halfStepVelocity, after: -step / 2) }

    /// Acceleration at the current whole step (length/time²).
    public var acceleration: Vector3 {
        Lorentz.acceleration(velocity: velocity, chargeToMass: chargeToMass, electric: electric, magnetic: magnetic)
    }

    /// Advance one step.
    public mutating func advance() {
        // Drift with v(n+½), which is stored alongside x(n) …
        var displacementVelocity = halfStepVelocity
        if chordFactor != 1 {
            let v = halfStepVelocity
            let vPar = v.dot(bHat) * bHat
            let gyration = v - vPar - drift
            displacementVelocity = vPar + drift + chordFactor * gyration
        }
        position += step * displacementVelocity
        time += step
        // … then kick–rotate–kick to v(n+3/2), half a step ahead of the new x(n+1).
        let vMinus = halfStepVelocity + kick
        let vPrime = vMinus + vMinus.cross(t)
        let vPlus = vMinus + vPrime.cross(s)
        halfStepVelocity = vPlus + kick
    }
}
