/// The Lorentz force per unit mass, a = (q/m)(E + v × B).
///
/// Units: q/m in charge/mass, E in mass·length/(time²·charge), B in mass/(time·charge) (V/m and
/// T in SI); the acceleration comes back in length/time².
public enum Lorentz {
    @inlinable public static func acceleration(velocity v: Vector3, chargeToMass qm: Double,
                                               electric E: Vector3, magnetic B: Vector3) -> Vector3 {
        qm * (E + v.cross(B))
    }

    /// The drift velocity E × B / |B|² of a charged particle in crossed uniform fields.
    public static func driftVelocity(electric E: Vector3, magnetic B: Vector3) -> Vector3 {
        let b2 = B.squaredLength
        return b2 > 0 ? E.cross(B) / b2 : .zero
    }
}
