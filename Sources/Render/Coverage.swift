import Foundation

/// Exact area of the intersection of a disc with an axis-aligned rectangle.
///
/// The overlap is ∫ max(0, min(y1, h(x)) − max(y0, −h(x))) dx with h(x) = √(r² − x²), split at
/// the abscissae where h meets y0 or y1, so on each piece the integrand is a constant plus 0, 1
/// or 2 times h, integrated in closed form: ∫h = ½(x·h(x) + r²·asin(x/r)).
public enum Coverage {
    @inlinable static func hIntegral(_ x: Double, _ r: Double) -> Double {
        let c = min(max(x / r, -1), 1)
        return 0.5 * (x * max(0, r * r - x * x).squareRoot() + r * r * asin(c))
    }

    /// Area of disc (centre (0, 0), radius r) ∩ [x0, x1] × [y0, y1].
    public static func discRectangle(radius r: Double, x0: Double, x1: Double, y0: Double, y1: Double) -> Double {
        let a = max(x0, -r), b = min(x1, r)
        if a >= b || y0 >= r || y1 <= -r { return 0 }
        var cuts: [Double] = [a, b]
        for y in [y0, y1] where abs(y) < r {
            let s = (r * r - y * y).squareRoot()
            if s > a && s < b { cuts.append(s) }
            if -s > a && -s < b { cuts.append(-s) }
        }
        cuts.sort()
        var area = 0.0
        for k in 0..<(cuts.count - 1) {
            let p = cuts[k], q = cuts[k + 1]
            if q <= p { continue }
            let m = 0.5 * (p + q)
            let h = max(0, r * r - m * m).squareRoot()
            let topIsH = h < y1, bottomIsH = -h > y0
            let top = topIsH ? h : y1, bottom = bottomIsH ? -h : y0
            if top <= bottom { continue }
            var piece = 0.0
            let hPart = hIntegral(q, r) - hIntegral(p, r)
            piece += topIsH ? hPart : y1 * (q - p)
            piece -= bottomIsH ? -hPart : y0 * (q - p)
            area += piece
        }
        return max(0, area)
    }

    /// Fraction of pixel [i, i+1) × [j, j+1) covered by a disc centred at (cu, cv), radius r.
    @inlinable public static func pixelFraction(i: Int, j: Int, cu: Double, cv: Double, radius r: Double) -> Double {
        let x0 = Double(i) - cu, x1 = x0 + 1, y0 = Double(j) - cv, y1 = y0 + 1
        // Farthest and nearest points of the pixel from the centre decide the easy cases.
        let fx = max(abs(x0), abs(x1)), fy = max(abs(y0), abs(y1))
        if fx * fx + fy * fy <= r * r { return 1 }
        let nx = x0 > 0 ? x0 : (x1 < 0 ? -x1 : 0), ny = y0 > 0 ? y0 : (y1 < 0 ? -y1 : 0)
        if nx * nx + ny * ny >= r * r { return 0 }
        return discRectangle(radius: r, x0: x0, x1: x1, y0: y0, y1: y1)
    }
}
