import Foundation

/// `scene.json`: what an experimenter knows about a run of frames — the calibration that maps
/// pixels to physical units, the frame timing, and the per-body and per-run quantities one would
/// write down (masses, charges, field strengths). Discovery jobs may read it; `truth.csv` they
/// must not.
public struct SceneMetadata: Codable, Equatable, Sendable {
    public struct Units: Codable, Equatable, Sendable {
        public var length: String
        public var time: String
        public var mass: String
        public var charge: String
        public init(length: String, time: String, mass: String, charge: String) {
            self.length = length
            self.time = time
            self.mass = mass
            self.charge = charge
        }
    }

    public struct ImageInfo: Codable, Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var bitDepth: Int
        enum CodingKeys: String, CodingKey { case width, height, channels, bitDepth = "bit_depth" }
        public init(width: Int, height: Int, channels: Int, bitDepth: Int = 8) {
            self.width = width
            self.height = height
            self.channels = channels
            self.bitDepth = bitDepth
        }
    }

    /// Pixel ↔ physical mapping: u = origin_px[0] + x·px_per_unit, v = origin_px[1] − y·px_per_unit.
    public struct Calibration: Codable, Equatable, Sendable {
        /// Pixels per length unit.
        public var pxPerUnit: Double
        /// Image coordinates (pixels) of the physical origin.
        public var originPx: [Double]
        /// Physical point at the image centre (length units).
        public var centre: [Double]
        /// Always "up": physical y grows upwards, image rows downwards.
        public var yAxis: String
        /// Pixel coordinate convention.
        public var pixelConvention: String
        enum CodingKeys: String, CodingKey {
            case pxPerUnit = "px_per_unit", originPx = "origin_px", centre, yAxis = "y_axis"
            case pixelConvention = "pixel_convention"
        }
        public init(camera: Camera) {
            pxPerUnit = camera.pixelsPerUnit
            let o = camera.originPixel
            originPx = [o.u, o.v]
            centre = [camera.centreX, camera.centreY]
            yAxis = "up"
            pixelConvention = "pixel (i, j) covers [i, i+1) x [j, j+1); its centre is (i + 0.5, j + 0.5)"
        }
    }

    public struct Body: Codable, Equatable, Sendable {
        public var name: String
        /// "star", "planet", "body" (every body moving under gravity) or "particle".
        public var role: String
        public var mass: Double
        public var charge: Double?
        public var radiusPx: Double
        public var brightness: [Double]
        enum CodingKeys: String, CodingKey { case name, role, mass, charge, radiusPx = "radius_px", brightness }
        public init(name: String, role: String, mass: Double, charge: Double?, radiusPx: Double, brightness: [Double]) {
            self.name = name
            self.role = role
            self.mass = mass
            self.charge = charge
            self.radiusPx = radiusPx
            self.brightness = brightness
        }
    }

    public struct Fields: Codable, Equatable, Sendable {
        /// Electric field, mass·length/(time²·charge) (V/m in SI).
        public var E: [Double]
        /// Magnetic field, mass/(time·charge) (T in SI).
        public var B: [Double]
        public init(E: [Double], B: [Double]) {
            self.E = E
            self.B = B
        }
    }

    public struct Render: Codable, Equatable, Sendable {
        public var background: [Double]
        public var noiseSigma: Double
        public var seed: UInt64
        public var trailFrames: Int
        /// The telescope look, when one was drawn (absent from older files: exact discs).
        public var psf: PointSpread?
        public var saturation: Double?
        public var exposure: Double?
        public var seeingPx: Double?
        public var stars: Stars?
        public struct Stars: Codable, Equatable, Sendable {
            public var count: Int
            public var seed: UInt64
            public var flux: [Double]
            public init(count: Int, seed: UInt64, flux: [Double]) { self.count = count; self.seed = seed; self.flux = flux }
        }
        enum CodingKeys: String, CodingKey {
            case background, noiseSigma = "noise_sigma", seed, trailFrames = "trail_frames", psf, saturation, exposure
            case seeingPx = "seeing_px", stars
        }
        public init(background: [Double], noiseSigma: Double, seed: UInt64, trailFrames: Int, psf: PointSpread? = nil,
                    saturation: Double? = nil, exposure: Double? = nil, seeingPx: Double? = nil, stars: Stars? = nil) {
            self.background = background
            self.noiseSigma = noiseSigma
            self.seed = seed
            self.trailFrames = trailFrames
            self.psf = psf
            self.saturation = saturation
            self.exposure = exposure
            self.seeingPx = seeingPx
            self.stars = stars
        }
    }

    public var format = "occam-scene"
    public var version = 1
    public var name: String
    /// "gravity" or "charged".
    public var kind: String
    public var units: Units
    /// Newton's G in the scene's units (gravity scenes).
    public var G: Double?
    /// Coulomb's constant in the scene's units when the charges act on each other.
    public var coulombConstant: Double?
    public var frameCount: Int
    /// Time between frames (time unit).
    public var frameInterval: Double
    public var startTime: Double
    public var framePattern: String
    public var image: ImageInfo
    public var calibration: Calibration
    public var bodies: [Body]
    public var fields: Fields?
    public var render: Render
    public var integrator: String
    public var substepsPerFrame: Int
    /// For a run of a sweep: its index and the values the sweep set.
    public var sweepIndex: Int?
    public var sweepValues: [String: String]?
    public var scenarioFile: String?

    enum CodingKeys: String, CodingKey {
        case format, version, name, kind, units, G, image, calibration, bodies, fields, render, integrator
        case frameCount = "frame_count", frameInterval = "frame_interval", startTime = "start_time"
        case framePattern = "frame_pattern", substepsPerFrame = "substeps_per_frame"
        case sweepIndex = "sweep_index", sweepValues = "sweep_values", scenarioFile = "scenario_file"
        case coulombConstant = "coulomb_constant"
    }

    public init(name: String, kind: String, units: Units, G: Double?, frameCount: Int, frameInterval: Double,
                image: ImageInfo, calibration: Calibration, bodies: [Body], fields: Fields?, render: Render,
                integrator: String, substepsPerFrame: Int) {
        self.name = name
        self.kind = kind
        self.units = units
        self.G = G
        self.frameCount = frameCount
        self.frameInterval = frameInterval
        self.startTime = 0
        self.framePattern = FrameFolder.pattern
        self.image = image
        self.calibration = calibration
        self.bodies = bodies
        self.fields = fields
        self.render = render
        self.integrator = integrator
        self.substepsPerFrame = substepsPerFrame
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func read(_ path: String) throws -> SceneMetadata {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RenderError.invalidArgument("\(path): cannot read file")
        }
        do {
            return try JSONDecoder().decode(SceneMetadata.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw RenderError.invalidArgument("\(path): missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw RenderError.invalidArgument("\(path): field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw RenderError.invalidArgument("\(path): not a valid scene.json (\(error))")
        }
    }
}
