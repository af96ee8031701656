import Physics

/// A pinhole camera looking down the z axis: maps physical (x, y) to image pixels.
///
/// Physics has y up; the image has y down. Pixel (i, j) covers [i, i+1) × [j, j+1) in image
/// coordinates, so its centre is at (i + 0.5, j + 0.5). The physical point `centre` lands in
/// the middle of the image, (width/2, height/2).
public struct Camera: Sendable, Equatable, Codable {
    /// Image size in pixels.
    public var width: Int
    public var height: Int
    /// Scale: pixels per length unit of the scenario.
    public var pixelsPerUnit: Double
    /// Physical point (length units) shown at the image centre.
    public var centreX: Double
    public var centreY: Double

    public init(width: Int, height: Int, pixelsPerUnit: Double, centreX: Double = 0, centreY: Double = 0) {
        self.width = width
        self.height = height
        self.pixelsPerUnit = pixelsPerUnit
        self.centreX = centreX
        self.centreY = centreY
    }

    /// Image coordinates (pixels, y down) of a physical position; z is ignored (projection).
    @inlinable public func project(_ p: Vector3) -> (u: Double, v: Double) {
        (Double(width) / 2 + (p.x - centreX) * pixelsPerUnit,
         Double(height) / 2 - (p.y - centreY) * pixelsPerUnit)
    }

    /// Image coordinates of the physical origin (0, 0).
    public var originPixel: (u: Double, v: Double) { project(.zero) }

    /// Physical (x, y) of image coordinates (u, v).
    public func unproject(u: Double, v: Double) -> (x: Double, y: Double) {
        (centreX + (u - Double(width) / 2) / pixelsPerUnit,
         centreY - (v - Double(height) / 2) / pixelsPerUnit)
    }
}
