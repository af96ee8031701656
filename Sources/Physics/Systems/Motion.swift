/// The motion of a system's bodies sampled at frame times: what a simulator hands the renderer
/// and what the truth tables hold.
public struct Motion: Sendable {
    /// Sample times, sample k at k·interval.
    public var times: [Double]
    /// [sample][body], in the system's units.
    public var positions: [[Vector3]]
    public var velocities: [[Vector3]]
    public var accelerations: [[Vector3]]
    /// The integrator used ("kepler", "wisdom-holman", "boris", "boris-classic") and its steps
    /// per sample.
    public var integrator: String
    public var substeps: Int

    /// Throws when a position stopped being finite (a step too long for the forces).
    func checkedFinite() throws -> Motion {
        for (k, frame) in positions.enumerated() where !frame.allSatisfy(\.isFinite) {
            throw PhysicsError.invalidParameter("the motion became non-finite at frame \(k); check masses, fields and frame_interval")
        }
        return self
    }
}
