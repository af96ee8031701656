/// Newtonian gravity between point masses: a_i = Σ_j G·m_j (x_j − x_i)/|x_j − x_i|³.
///
/// Units: positions in the scenario's length unit, masses in its mass unit, `G` in
/// length³/(mass·time²); accelerations come back in length/time².
public enum Gravity {
    public static func accelerations(positions: [Vector3], masses: [Double], G: Double) -> [Vector3] {
        var acc = [Vector3](repeating: .zero, count: positions.count)
        for i in 0..<positions.count {
            for j in (i + 1)..<max(i + 1, positions.count) {
                let d = positions[j] - positions[i]
                let r2 = d.squaredLength
                let inv3 = 1 / (r2 * r2.squareRoot())
                acc[i] += (G * masses[j] * inv3) * d
                acc[j] -= (G * masses[i] * inv3) * d
            }
        }
        return acc
    }

    /// Total energy Σ ½m v² − Σ_{i<j} G m_i m_j / r_ij (mass·length²/time²).
    public static func energy(positions: [Vector3], velocities: [Vector3], masses: [Double], G: Double) -> Double {
        var kinetic = 0.0, potential = 0.0
        for i in 0..<positions.count {
            kinetic += 0.5 * masses[i] * velocities[i].squaredLength
            for j in (i + 1)..<max(i + 1, positions.count) {
                potential -= G * masses[i] * masses[j] / (positions[j] - positions[i]).length
            }
        }
        return kinetic + potential
    }
}
