/// A uniform disc drawn as many renderers anti-alias it: a pixel's share is the fraction of an
/// n×n grid of sample points, at (x + (i + ½)/n, y + (j + ½)/n), that lie within the radius.
/// Piecewise constant in the centre, so it is not fitted itself: it takes the exact-coverage
/// disc's fit (the same centre, radius and brightness to first order) and differs only in how
/// the rim pixels are drawn — which is what the coder pays for on such frames.
struct SampledDiscProfile: ObjectProfile {
    var shape: Double
    /// Sample points per pixel side.
    var n = 4
    static var minimumShape: Double { 0.3 }
    var reach: Double { shape }
    var followsDisc: Bool { true }
    /// The share changes in steps a few 1/1024 px apart: the encoder searches wider for the step
    /// that reproduces the frame.
    var correctionReach: Int { 16 }

    func share(x: Int, y: Int, u: Double, v: Double) -> Double {
        let x0 = Double(x) - u, x1 = x0 + 1, y0 = Double(y) - v, y1 = y0 + 1, r2 = shape * shape
        // Farthest and nearest points of the pixel from the centre decide the easy cases.
        let fx = max(abs(x0), abs(x1)), fy = max(abs(y0), abs(y1))
        if fx * fx + fy * fy <= r2 { return 1 }
        let nx = x0 > 0 ? x0 : (x1 < 0 ? -x1 : 0), ny = y0 > 0 ? y0 : (y1 < 0 ? -y1 : 0)
        if nx * nx + ny * ny > r2 { return 0 }
        let step = 1 / Double(n)
        var inside = 0
        for j in 0..<n {
            let dv = Double(y) + (Double(j) + 0.5) * step - v
            for i in 0..<n {
                let du = Double(x) + (Double(i) + 0.5) * step - u
                if du * du + dv * dv <= r2 { inside += 1 }
            }
        }
        return Double(inside) / Double(n * n)
    }
}
