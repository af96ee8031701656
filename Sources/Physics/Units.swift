import Foundation

/// Errors raised by the physics layer (bad parameters, not physical outcomes).
public enum PhysicsError: Error, CustomStringConvertible, Equatable {
    case unknownUnit(kind: String, name: String, known: [String])
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .unknownUnit(kind, name, known):
            return "unknown \(kind) unit '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .invalidParameter(message):
            return message
        }
    }
}

/// The units a scenario is written in: every length, time, mass and charge in a scenario,
/// in `truth.csv` and in `scene.json` is in these units. Derived quantities use the coherent
/// combination: velocity length/time, E field mass·length/(time²·charge), B field
/// mass/(time·charge) — with SI base units that is m/s, V/m and T.
public struct UnitSystem: Sendable, Equatable, Codable {
    public var length: String
    public var time: String
    public var mass: String
    public var charge: String

    /// Size of one unit in SI (metre, second, kilogram, coulomb).
    public static let lengths: [String: Double] = [
        "m": 1, "km": 1e3, "cm": 1e-2, "mm": 1e-3, "um": 1e-6,
        "AU": 1.495978707e11, "pc": 3.0856775814913673e16, "Rsun": 6.957e8, "Rearth": 6.3781e6,
    ]
    public static let times: [String: Double] = [
        "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "min": 60, "h": 3600, "day": 86400,
        "yr": 365.25 * 86400,
    ]
    public static let masses: [String: Double] = [
        "kg": 1, "g": 1e-3, "Msun": 1.988409870698051e30, "Mearth": 5.972167867791379e24,
        "Mjup": 1.8981245973360505e27, "u": 1.66053906660e-27, "me": 9.1093837015e-31,
    ]
    public static let charges: [String: Double] = ["C": 1, "e": 1.602176634e-19]

    /// Newton's constant in SI (CODATA 2018).
    public static let gravitationalConstantSI = 6.67430e-11
    /// Coulomb's constant 1/(4πε₀) in SI, N·m²/C² (CODATA 2018).
    public static let coulombConstantSI = 8.9875517923e9

    public init(length: String, time: String, mass: String, charge: String = "C") throws {
        for (kind, name, table) in [("length", length, Self.lengths), ("time", time, Self.times),
                                    ("mass", mass, Self.masses), ("charge", charge, Self.charges)] {
            if table[name] == nil {
                throw PhysicsError.unknownUnit(kind: kind, name: name, known: table.keys.sorted())
            }
        }
        self.length = length
        self.time = time
        self.mass = mass
        self.charge = charge
    }

    /// G in this unit system, length³/(mass·time²).
    ///
    /// In (AU, yr, Msun) Occam uses the astronomers' convention G·M☉ = 4π² AU³/yr² exactly, so
    /// that a 1 AU circular orbit around one solar mass has a period of exactly one year.
    /// Otherwise G is CODATA's value converted to these units.
    public var gravitationalConstant: Double {
        if length == "AU" && time == "yr" && mass == "Msun" { return 4 * Double.pi * Double.pi }
        let l = Self.lengths[length] ?? .nan, t = Self.times[time] ?? .nan, m = Self.masses[mass] ?? .nan
        return Self.gravitationalConstantSI * m * t * t / (l * l * l)
    }

    /// Coulomb's constant in this unit system, mass·length³/(time²·charge²).
    public var coulombConstant: Double {
        let l = Self.lengths[length] ?? .nan, t = Self.times[time] ?? .nan
        let m = Self.masses[mass] ?? .nan, q = Self.charges[charge] ?? .nan
        return Self.coulombConstantSI * q * q * t * t / (m * l * l * l)
    }
}
