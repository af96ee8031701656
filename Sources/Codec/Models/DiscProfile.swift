import Render

/// A uniform disc with exact area coverage (Occam's own renderer draws objects so; the
/// object levels' only look before stream version 4). `shape` is the radius.
struct DiscProfile: ObjectProfile {
    var shape: Double
    static var minimumShape: Double { 0.3 }
    var reach: Double { shape }

    @inline(__always)
    func share(x: Int, y: Int, u: Double, v: Double) -> Double {
        Coverage.pixelFraction(i: x, j: y, cu: u, cv: v, radius: shape)
    }
}
