import Foundation
import Physics
import Render

/// How a body looks in the frames.
public struct Appearance: Sendable, Equatable {
    /// Disc radius in pixels.
    public var radiusPx: Double
    /// Grey levels added over the background at full coverage, per channel (1 or 3 values).
    public var brightness: [Double]
}

/// A planet's orbit about the star, as classical elements (planar, angles in degrees).
public struct OrbitSpec: Sendable, Equatable {
    /// Semi-major axis (length unit).
    public var semiMajorAxis: Double
    public var eccentricity: Double
    public var periapsisDegrees: Double
    public var meanAnomalyDegrees: Double
}

public struct StarSpec: Sendable, Equatable {
    public var name: String
    /// Mass unit.
    public var mass: Double
    public var appearance: Appearance
}

public struct PlanetSpec: Sendable, Equatable {
    public var name: String
    /// Mass unit; 0 makes a test particle.
    public var mass: Double
    public var orbit: OrbitSpec
    public var appearance: Appearance
}

public struct ParticleSpec: Sendable, Equatable {
    public var name: String
    /// Mass unit.
    public var mass: Double
    /// Charge unit.
    public var charge: Double
    /// Initial position (length) and velocity (length/time).
    public var position: Vector3
    public var velocity: Vector3
    public var appearance: Appearance
}

/// A body of a system in which every body moves (binary stars, a planet and its moon,
/// interacting charges): its initial state in the scenario's frame.
public struct BodySpec: Sendable, Equatable {
    public var name: String
    /// Mass unit (0: a test particle, gravity only).
    public var mass: Double
    /// Charge unit (charged scenarios).
    public var charge: Double?
    public var position: Vector3
    public var velocity: Vector3
    public var appearance: Appearance
}

/// The physical system of a scenario.
public enum SystemSpec: Sendable, Equatable {
    /// A star and planets under Newtonian gravity. `G` in length³/(mass·time²).
    case gravity(star: StarSpec, planets: [PlanetSpec], G: Double)
    /// Non-interacting charged particles in uniform fields E and B.
    case charged(particles: [ParticleSpec], electric: Vector3, magnetic: Vector3)
    /// Bodies that all act on each other: gravity (`G` > 0) between every pair of masses and
    /// Coulomb's law (`coulomb` > 0) between every pair of charges, plus uniform fields on the
    /// charges. `kind` is "gravity" or "charged", as the file said.
    case interacting(kind: String, bodies: [BodySpec], G: Double, coulomb: Double, electric: Vector3, magnetic: Vector3)
}

public struct RenderSpec: Sendable, Equatable {
    public var camera: Camera
    /// Background level per channel (grey levels).
    public var background: [Double]
    /// Gaussian sensor noise, grey levels (0 for none).
    public var noiseSigma: Double
    public var seed: UInt64
    /// Channels: 1 (grey, the default) or 3 (RGB).
    public var channels: Int
    /// Frames of fading trail drawn behind each moving body (0 for none).
    public var trailFrames: Int
    /// Telescope look: with a point-spread function every body is a point source of flux
    /// brightness·π·radius² (the light of its disc) spread by it; nil draws exact discs.
    public var psf: PointSpread? = nil
    /// Grey level at which the sensor saturates (255: only the 8-bit range clips).
    public var saturation: Double = 255
    /// Fraction of the frame interval the shutter is open, centred on the frame's time: moving
    /// bodies smear along their path (0: an instantaneous exposure).
    public var exposure: Double = 0
    /// Seeing: each frame shifted as a whole by a seeded Gaussian offset of this σ, pixels.
    public var seeingPx: Double = 0
    /// A static field of background stars (point sources; needs `psf`).
    public var stars: StarField? = nil
}

/// Background stars at seeded uniform positions with fluxes spread evenly in log between
/// `fluxRange` (grey levels × pixels).
public struct StarField: Sendable, Equatable, Codable {
    public var count: Int
    public var seed: UInt64
    public var fluxRange: [Double]
}

/// One fully specified run: what to simulate, for how long, and how to draw it.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var units: UnitSystem
    public var system: SystemSpec
    public var frameCount: Int
    /// Time between frames (time unit).
    public var frameInterval: Double
    /// "auto", "kepler", "wisdom-holman" (gravity) or "boris", "boris-classic" (charged).
    public var integrator: String
    /// Integrator steps per frame; nil chooses from the dynamics.
    public var substeps: Int?
    public var render: RenderSpec
    /// Set for a run expanded from a sweep.
    public var sweepIndex: Int?
    public var sweepValues: [String: String]?

    public var kind: String {
        switch system {
        case .gravity: return "gravity"
        case .charged: return "charged"
        case let .interacting(kind, _, _, _, _, _): return kind
        }
    }
}

/// A scenario file: one run, or a sweep that expands into several.
public struct ScenarioFile: Sendable {
    public let path: String
    public let runs: [Scenario]
    public let isSweep: Bool

    public static let maxFrames = 100_000
    public static let maxSide = 8192
    public static let maxPixelsPerFrame = 16_777_216
    public static let maxSweepRuns = 10_000

    /// Load and validate a scenario file (YAML or JSON).
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                throw LabError("\(path): \(isDir.boolValue ? "is a folder, not a scenario file" : "cannot read file")")
            }
            throw LabError("\(path): no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw LabError("\(path): not UTF-8 text") }
        try self.init(text: text, path: path)
    }

    public init(text: String, path: String) throws {
        self.path = path
        var root = try ScenarioNode.parse(text, file: path)
        var top = try FieldReader(root, file: path, path: "")
        guard let sweepReader = try top.child("sweep") else {
            runs = [try Self.decode(root, file: path)]
            isSweep = false
            return
        }
        // Expand the sweep: each combination of values is applied to the document, which is then
        // decoded and validated like a single scenario.
        var sweep = sweepReader
        let mode = try sweep.string("mode", default: "grid", allowed: ["grid", "zip"])
        guard let varyReader = try sweep.child("vary") else { throw sweep.fail("vary", "missing (required): a mapping from field path to a list of values") }
        try sweep.rejectUnknown()
        var axes: [(path: String, components: [ScenarioNode.PathComponent], values: [ScenarioNode])] = []
        for (key, value) in varyReader.pairs {
            guard case let .list(values, _) = value, !values.isEmpty else {
                throw LabError("\(path):\(value.line): sweep.vary.\(key): expected a non-empty list of values")
            }
            axes.append((key, try ScenarioNode.parsePath(key, file: path), values))
        }
        guard !axes.isEmpty else { throw LabError("\(path):\(varyReader.line): sweep.vary: no parameters to vary") }
        var combos: [[Int]] = []
        if mode == "zip" {
            let n = axes[0].values.count
            for a in axes where a.values.count != n {
                throw LabError("\(path): sweep.vary.\(a.path): zip mode needs lists of equal length (\(a.values.count) vs \(n))")
            }
            combos = (0..<n).map { k in axes.map { _ in k } }
        } else {
            let total = axes.reduce(1) { $0 * $1.values.count }
            guard total <= Self.maxSweepRuns else {
                throw LabError("\(path): sweep: \(total) runs exceed the limit of \(Self.maxSweepRuns)")
            }
            combos = [[]]
            for a in axes { combos = combos.flatMap { c in (0..<a.values.count).map { c + [$0] } } }
        }
        // Remove the sweep block, then substitute.
        if case let .map(pairs, line) = root { root = .map(pairs.filter { $0.key != "sweep" }, line: line) }
        var runs: [Scenario] = []
        for (index, combo) in combos.enumerated() {
            var doc = root
            var values: [String: String] = [:]
            for (a, k) in zip(axes, combo) {
                doc = try doc.replacing(path: a.components, with: a.values[k], file: path, fullPath: a.path)
                values[a.path] = a.values[k].compactText
            }
            var run: Scenario
            do {
                run = try Self.decode(doc, file: path)
            } catch let error as LabError {
                let setting = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                throw LabError("\(error.message) (in sweep run \(index): \(setting))")
            }
            run.sweepIndex = index
            run.sweepValues = values
            runs.append(run)
        }
        self.runs = runs
        isSweep = true
    }

    static func appearance(_ r: inout FieldReader, channels: Int, defaultRadius: Double, defaultBrightness: Double) throws -> Appearance {
        let radius = try r.double("radius_px", default: defaultRadius, positive: true, max: 1000)
        var brightness: [Double]
        if r.has("color") {
            brightness = try r.vector("color", count: 3)
            for (k, b) in brightness.enumerated() where b < 0 || b > 255 {
                throw r.fail("color", "component \(k) must be in [0, 255] (got \(b))")
            }
            if r.has("brightness") { _ = r.node("brightness"); throw r.fail("brightness", "give either brightness or color, not both") }
            if channels == 1 { brightness = [0.299 * brightness[0] + 0.587 * brightness[1] + 0.114 * brightness[2]] }
        } else {
            let b = try r.double("brightness", default: defaultBrightness, min: 0, max: 255)
            brightness = [Double](repeating: b, count: channels)
        }
        return Appearance(radiusPx: radius, brightness: brightness)
    }

    static func bodyName(_ r: inout FieldReader, default value: String) throws -> String {
        let name = try r.string("name", default: value)
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_. ".contains($0) }) else {
            throw r.fail("name", "use letters, digits, spaces, '-', '_' and '.' only (got '\(name)')")
        }
        return name
    }

    /// `bodies:` of a gravity scenario where every body moves. Each body is given by `position`
    /// and `velocity`, or by `orbit: {about, a, e, periapsis_deg, mean_anomaly_deg}` relative to a
    /// body listed before it (a two-body orbit with μ = G·(m_about + m)). The system is then
    /// shifted so that its barycentre rests at the origin.
    static func bodies(_ top: inout FieldReader, file: String, channels: Int, G: Double) throws -> [BodySpec] {
        guard let nodes = try top.list("bodies"), nodes.count >= 2 else {
            throw top.fail("bodies", "give at least two bodies (one body alone moves in a straight line)")
        }
        var out: [BodySpec] = []
        for (k, node) in nodes.enumerated() {
            var b = try FieldReader(node, file: file, path: "bodies[\(k)]")
            let name = try bodyName(&b, default: "body\(k + 1)")
            let mass = try b.double("mass", min: 0)
            var position = Vector3.zero, velocity = Vector3.zero
            if var o = try b.child("orbit") {
                for key in ["position", "velocity"] where b.has(key) {
                    _ = b.node(key)
                    throw b.fail(key, "give either orbit or position and velocity, not both")
                }
                let about = try o.string("about")
                guard let parent = out.first(where: { $0.name == about }) else {
                    throw o.fail("about", "no body named '\(about)' is listed before this one")
                }
                let e = try o.double("e", default: 0, min: 0)
                if e >= 1 { throw o.fail("e", "must be < 1 for a bound orbit (got \(e))") }
                let degrees = Double.pi / 180
                let orbit: KeplerOrbit
                do {
                    orbit = try KeplerOrbit(semiMajorAxis: try o.double("a", positive: true), eccentricity: e,
                                            argumentOfPeriapsis: try o.double("periapsis_deg", default: 0) * degrees,
                                            meanAnomalyAtEpoch: try o.double("mean_anomaly_deg", default: 0) * degrees,
                                            mu: G * (parent.mass + mass))
                } catch let error as PhysicsError {
                    throw o.fail("a", "\(error)")
                }
                try o.rejectUnknown()
                let state = orbit.state(at: 0)
                position = parent.position + state.position
                velocity = parent.velocity + state.velocity
            } else {
                position = try planarVector(&b, "position", default: [0, 0, 0])
                velocity = try planarVector(&b, "velocity", default: [0, 0, 0])
            }
            let look = try appearance(&b, channels: channels, defaultRadius: 3, defaultBrightness: 220)
            try b.rejectUnknown()
            if out.contains(where: { $0.name == name }) { throw b.fail("name", "'\(name)' is used twice; body names must be unique") }
            if let other = out.first(where: { $0.position == position }) {
                throw b.fail("position", "starts at the same point as '\(other.name)'")
            }
            out.append(BodySpec(name: name, mass: mass, charge: nil, position: position, velocity: velocity, appearance: look))
        }
        let total = out.reduce(0) { $0 + $1.mass }
        guard total > 0 else { throw top.fail("bodies", "at least one body needs a positive mass") }
        var centre = Vector3.zero, drift = Vector3.zero
        for b in out { centre += (b.mass / total) * b.position; drift += (b.mass / total) * b.velocity }
        return out.map { var b = $0; b.position -= centre; b.velocity -= drift; return b }
    }

    /// A position or velocity of 2 (x, y) or 3 components.
    static func planarVector(_ r: inout FieldReader, _ key: String, default value: [Double]) throws -> Vector3 {
        let v = try r.vector(key, default: value)
        guard v.count == 2 || v.count == 3 else { throw r.fail(key, "expected 2 or 3 numbers (got \(v.count))") }
        return Vector3(v[0], v[1], v.count == 3 ? v[2] : 0)
    }

    static func decode(_ root: ScenarioNode, file: String) throws -> Scenario {
        var top = try FieldReader(root, file: file, path: "")
        let name = try top.string("name", default: ((file as NSString).lastPathComponent as NSString).deletingPathExtension)
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw top.fail("name", "use letters, digits, '-', '_' and '.' only (got '\(name)')")
        }
        let kind = try top.string("kind", allowed: ["gravity", "charged"])
        var unitsReader = try top.child("units") ?? { throw top.fail("units", "missing (required): every scenario states its units, e.g. {length: AU, time: yr, mass: Msun}") }()
        let units: UnitSystem
        do {
            units = try UnitSystem(length: try unitsReader.string("length"), time: try unitsReader.string("time"),
                                   mass: try unitsReader.string("mass"),
                                   charge: try unitsReader.string("charge", default: kind == "charged" ? nil : "C"))
        } catch let error as PhysicsError {
            throw LabError("\(file):\(unitsReader.line): units: \(error)")
        }
        try unitsReader.rejectUnknown()
        let frameCount = try top.int("frames", min: 1, max: maxFrames)
        let frameInterval = try top.double("frame_interval", positive: true)
        let substeps: Int? = top.has("substeps") ? try top.int("substeps", min: 1, max: 1_000_000) : nil

        // Render block first: the channel count decides how brightness is read.
        var renderReader = try top.child("render") ?? FieldReader(.map([], line: root.line), file: file, path: "render")
        let channels = try renderReader.string("color", default: "grey", allowed: ["grey", "rgb"]) == "rgb" ? 3 : 1
        let backgroundLevel = try renderReader.double("background", default: 0, min: 0, max: 255)
        let noise = try renderReader.double("noise_sigma", default: 0, min: 0, max: 255)
        let seed = try renderReader.int("seed", default: 1, min: 0, max: Int.max)
        let trail = try renderReader.int("trail_frames", default: 0, min: 0, max: 10_000)
        var psf: PointSpread? = nil
        if var p = try renderReader.child("psf") {
            switch try p.string("shape", allowed: ["gaussian", "moffat", "airy"]) {
            case "gaussian" where p.has("fwhm_px"):
                psf = .gaussian(sigma: try p.double("fwhm_px", positive: true, max: 28) / (2 * (2 * log(2.0)).squareRoot()))
            case "gaussian": psf = .gaussian(sigma: try p.double("sigma_px", positive: true, max: 12))
            case "moffat": psf = .moffat(fwhm: try p.double("fwhm_px", positive: true, max: 24),
                                         beta: try p.double("beta", default: 3, min: 1.5, max: 20))
            default: psf = .airy(firstZero: try p.double("first_zero_px", positive: true, max: 4))
            }
            try p.rejectUnknown()
        }
        let saturation = try renderReader.double("saturation", default: 255, min: 1, max: 255)
        if saturation <= backgroundLevel { throw renderReader.fail("saturation", "must be above the background (\(backgroundLevel))") }
        let exposure = try renderReader.double("exposure", default: 0, min: 0, max: 1)
        let seeing = try renderReader.double("seeing_px", default: 0, min: 0, max: 10)
        var stars: StarField? = nil
        if var f = try renderReader.child("stars") {
            let count = try f.int("count", min: 1, max: 10_000)
            let starSeed = try f.int("seed", default: 1, min: 0, max: Int.max)
            let range = try f.vector("flux", count: 2, default: [200, 5000])
            if !(range[0] > 0 && range[1] >= range[0] && range[1] <= 1e7) {
                throw f.fail("flux", "give [faintest, brightest] with 0 < faintest <= brightest <= 1e7 (got \(range))")
            }
            try f.rejectUnknown()
            if psf == nil { throw renderReader.fail("stars", "needs render.psf (stars are point sources)") }
            stars = StarField(count: count, seed: UInt64(starSeed), fluxRange: range)
        }
        try renderReader.rejectUnknown()

        var cameraReader = try top.child("camera") ?? { throw top.fail("camera", "missing (required): {width, height, px_per_unit}") }()
        let width = try cameraReader.int("width", min: 1, max: maxSide)
        let height = try cameraReader.int("height", min: 1, max: maxSide)
        if width * height > maxPixelsPerFrame {
            throw cameraReader.fail("height", "frame of \(width)x\(height) exceeds the limit of \(maxPixelsPerFrame) pixels")
        }
        let scale = try cameraReader.double("px_per_unit", positive: true)
        let centre = try cameraReader.vector("centre", count: 2, default: [0, 0])
        try cameraReader.rejectUnknown()
        let camera = Camera(width: width, height: height, pixelsPerUnit: scale, centreX: centre[0], centreY: centre[1])

        let system: SystemSpec
        var integrator: String
        let everyBodyMoves = top.has("bodies")
        switch kind {
        case "gravity" where everyBodyMoves:
            integrator = try top.string("integrator", default: "auto", allowed: ["auto", "bulirsch-stoer"])
            for key in ["star", "planets"] where top.has(key) {
                _ = top.node(key)
                throw top.fail(key, "give either bodies (every body moving) or star and planets, not both")
            }
            let G = top.has("G") ? try top.double("G", positive: true) : units.gravitationalConstant
            let bodies = try Self.bodies(&top, file: file, channels: channels, G: G)
            system = .interacting(kind: "gravity", bodies: bodies, G: G, coulomb: 0, electric: .zero, magnetic: .zero)
        case "gravity":
            integrator = try top.string("integrator", default: "auto", allowed: ["auto", "kepler", "wisdom-holman"])
            var starReader = try top.child("star") ?? { throw top.fail("star", "missing (required): the central body {name, mass}") }()
            let star = StarSpec(name: try bodyName(&starReader, default: "star"),
                                mass: try starReader.double("mass", positive: true),
                                appearance: try appearance(&starReader, channels: channels, defaultRadius: 6, defaultBrightness: 255))
            try starReader.rejectUnknown()
            guard let planetNodes = try top.list("planets"), !planetNodes.isEmpty else {
                throw top.fail("planets", "missing or empty: give at least one planet")
            }
            var planets: [PlanetSpec] = []
            for (k, node) in planetNodes.enumerated() {
                var p = try FieldReader(node, file: file, path: "planets[\(k)]")
                let pname = try bodyName(&p, default: "planet\(k + 1)")
                let mass = try p.double("mass", min: 0)
                var o = try p.child("orbit") ?? { throw p.fail("orbit", "missing (required): {a, e, periapsis_deg, mean_anomaly_deg}") }()
                let orbit = OrbitSpec(semiMajorAxis: try o.double("a", positive: true),
                                      eccentricity: try o.double("e", default: 0, min: 0),
                                      periapsisDegrees: try o.double("periapsis_deg", default: 0),
                                      meanAnomalyDegrees: try o.double("mean_anomaly_deg", default: 0))
                if orbit.eccentricity >= 1 { throw o.fail("e", "must be < 1 for a bound orbit (got \(orbit.eccentricity))") }
                try o.rejectUnknown()
                let look = try appearance(&p, channels: channels, defaultRadius: 3, defaultBrightness: 200)
                try p.rejectUnknown()
                if planets.contains(where: { $0.name == pname }) || pname == star.name {
                    throw p.fail("name", "'\(pname)' is used twice; body names must be unique")
                }
                planets.append(PlanetSpec(name: pname, mass: mass, orbit: orbit, appearance: look))
            }
            let G = top.has("G") ? try top.double("G", positive: true) : units.gravitationalConstant
            if integrator == "kepler" && planets.count > 1 && planets.contains(where: { $0.mass > 0 }) {
                throw top.fail("integrator", "'kepler' is exact only for one planet or massless planets; use 'wisdom-holman' or 'auto'")
            }
            system = .gravity(star: star, planets: planets, G: G)
        default:
            // `coulomb`: true uses Coulomb's constant in the file's units, a number sets it.
            var coulomb = 0.0
            if let node = top.node("coulomb") {
                if case let .scalar(text, _) = node, ["true", "false"].contains(text) {
                    coulomb = text == "true" ? units.coulombConstant : 0
                } else {
                    coulomb = try FieldReader.number(node, file: file, path: "coulomb")
                    guard coulomb > 0, coulomb.isFinite else { throw top.fail("coulomb", "must be true, false or a positive number (Coulomb's constant in the file's units)") }
                }
            }
            integrator = try top.string("integrator", default: coulomb > 0 ? "bulirsch-stoer" : "boris",
                                        allowed: ["boris", "boris-classic", "bulirsch-stoer"])
            if coulomb > 0 && integrator != "bulirsch-stoer" {
                throw top.fail("integrator", "'\(integrator)' moves non-interacting particles; with coulomb on use 'bulirsch-stoer'")
            }
            var fields = try top.child("fields") ?? { throw top.fail("fields", "missing (required): {E: [x, y, z], B: [x, y, z]}") }()
            let E = try fields.vector("E", count: 3, default: [0, 0, 0])
            let B = try fields.vector("B", count: 3, default: [0, 0, 0])
            try fields.rejectUnknown()
            guard let particleNodes = try top.list("particles"), !particleNodes.isEmpty else {
                throw top.fail("particles", "missing or empty: give at least one particle")
            }
            var particles: [ParticleSpec] = []
            for (k, node) in particleNodes.enumerated() {
                var p = try FieldReader(node, file: file, path: "particles[\(k)]")
                let pname = try bodyName(&p, default: "particle\(k + 1)")
                let mass = try p.double("mass", positive: true)
                let charge = try p.double("charge")
                let x = try p.vector("position", count: 3, default: [0, 0, 0])
                let v = try p.vector("velocity", count: 3, default: [0, 0, 0])
                let look = try appearance(&p, channels: channels, defaultRadius: 3, defaultBrightness: 220)
                try p.rejectUnknown()
                if particles.contains(where: { $0.name == pname }) {
                    throw p.fail("name", "'\(pname)' is used twice; body names must be unique")
                }
                particles.append(ParticleSpec(name: pname, mass: mass, charge: charge,
                                              position: Vector3(x[0], x[1], x[2]), velocity: Vector3(v[0], v[1], v[2]),
                                              appearance: look))
            }
            let electric = Vector3(E[0], E[1], E[2]), magnetic = Vector3(B[0], B[1], B[2])
            if integrator == "bulirsch-stoer" {
                system = .interacting(kind: "charged", bodies: particles.map {
                    BodySpec(name: $0.name, mass: $0.mass, charge: $0.charge, position: $0.position, velocity: $0.velocity, appearance: $0.appearance)
                }, G: 0, coulomb: coulomb, electric: electric, magnetic: magnetic)
            } else {
                system = .charged(particles: particles, electric: electric, magnetic: magnetic)
            }
        }
        _ = top.node("sweep")
        try top.rejectUnknown()
        let render = RenderSpec(camera: camera, background: [Double](repeating: backgroundLevel, count: channels),
                                noiseSigma: noise, seed: UInt64(seed), channels: channels, trailFrames: trail,
                                psf: psf, saturation: saturation, exposure: exposure, seeingPx: seeing, stars: stars)
        return Scenario(name: name, units: units, system: system, frameCount: frameCount, frameInterval: frameInterval,
                        integrator: integrator, substeps: substeps, render: render)
    }
}
