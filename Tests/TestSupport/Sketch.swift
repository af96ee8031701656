/// The tests' own disc drawing (not Occam's exact-coverage rasteriser): a pixel's brightness is
/// the share of an n×n grid of sample points inside the disc, so the tests see another
/// renderer's look. Callers scale the count themselves (each test keeps its own arithmetic,
/// and so its frames, bit for bit).
public enum Sketch {
    /// How many of pixel (x, y)'s n×n sample points (at (x + (i + ½)/n, y + (j + ½)/n)) lie in
    /// the disc of `radius` about (cu, cv).
    public static func samplesInside(x: Int, y: Int, cu: Double, cv: Double, radius: Double, n: Int) -> Int {
        var inside = 0
        for sy in 0..<n {
            for sx in 0..<n {
                let du = Double(x) + (Double(sx) + 0.5) / Double(n) - cu, dv = Double(y) + (Double(sy) + 0.5) / Double(n) - cv
                if du * du + dv * dv <= radius * radius { inside += 1 }
            }
        }
        return inside
    }

    /// The pixel rows (or columns) a disc about `centre` can touch, within 0..<size (none when
    /// it lies outside).
    public static func span(_ centre: Double, radius: Double, size: Int) -> StrideThrough<Int> {
        stride(from: max(0, Int(centre - radius) - 1), through: min(size - 1, Int(centre + radius) + 1), by: 1)
    }
}
