import Render

/// Maps image coordinates (pixels, y down) and frame numbers to physical units (y up).
///
/// x = (u − originU) / pxPerUnit, y = −(v − originV) / pxPerUnit, t = startTime + frame · dt.
public struct Calibration: Sendable, Equatable {
    /// Pixels per length unit.
    public var pxPerUnit: Double
    /// Time between frames, in time units.
    public var dt: Double
    /// Time of frame 0.
    public var startTime: Double
    /// Image coordinates of the physical origin given by the scene or the user, if any.
    /// Without one, the origin is the reference body (when found) or the frame centre.
    public var originPx: (u: Double, v: Double)?
    /// Unit names for people (empty when unknown); nothing is converted by them.
    public var lengthUnit: String
    public var timeUnit: String
    /// Where the numbers came from, for the file header ("scene.json", "command line").
    public var source: String

    public init(pxPerUnit: Double, dt: Double, startTime: Double = 0, originPx: (u: Double, v: Double)? = nil,
                lengthUnit: String = "", timeUnit: String = "", source: String = "command line") throws {
        guard pxPerUnit.isFinite, pxPerUnit > 0 else { throw TrackingError("--px-per-unit must be a positive number (got \(pxPerUnit))") }
        guard dt.isFinite, dt > 0 else { throw TrackingError("the frame interval must be a positive number (got \(dt))") }
        guard startTime.isFinite else { throw TrackingError("the start time must be finite") }
        if let o = originPx, !(o.u.isFinite && o.v.isFinite) { throw TrackingError("--origin must be two finite numbers") }
        self.pxPerUnit = pxPerUnit
        self.dt = dt
        self.startTime = startTime
        self.originPx = originPx
        self.lengthUnit = lengthUnit
        self.timeUnit = timeUnit
        self.source = source
    }

    /// The calibration a `scene.json` records.
    public init(scene: SceneMetadata, path: String) throws {
        let c = scene.calibration
        guard c.originPx.count == 2 else { throw TrackingError("\(path): calibration.origin_px must have two numbers") }
        do {
            try self.init(pxPerUnit: c.pxPerUnit, dt: scene.frameInterval, startTime: scene.startTime,
                          originPx: (c.originPx[0], c.originPx[1]),
                          lengthUnit: scene.units.length, timeUnit: scene.units.time, source: "scene.json")
        } catch let e as TrackingError {
            throw TrackingError("\(path): \(e.message)")
        }
    }

    public static func == (a: Calibration, b: Calibration) -> Bool {
        a.pxPerUnit == b.pxPerUnit && a.dt == b.dt && a.startTime == b.startTime
            && a.originPx?.u == b.originPx?.u && a.originPx?.v == b.originPx?.v
            && a.lengthUnit == b.lengthUnit && a.timeUnit == b.timeUnit && a.source == b.source
    }

    @inlinable public func time(frame: Double) -> Double { startTime + frame * dt }
}
