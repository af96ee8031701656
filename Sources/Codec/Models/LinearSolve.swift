/// Solve the m×m system A·x = b (A row-major) by Gaussian elimination with partial pivoting and
/// back substitution; nil when a pivot is smaller than `minimumPivot` in magnitude.
/// Used by the disc fit and the law's constants (small normal equations).
func solveLinear(_ matrix: [Double], _ rhs: [Double], size m: Int, minimumPivot: Double) -> [Double]? {
    var a = matrix, b = rhs
    for col in 0..<m {
        var pivot = col
        for r in (col + 1)..<m where abs(a[r * m + col]) > abs(a[pivot * m + col]) { pivot = r }
        guard abs(a[pivot * m + col]) > minimumPivot else { return nil }
        if pivot != col {
            for c in 0..<m { a.swapAt(col * m + c, pivot * m + c) }
            b.swapAt(col, pivot)
        }
        for r in (col + 1)..<m {
            let f = a[r * m + col] / a[col * m + col]
            for c in col..<m { a[r * m + c] -= f * a[col * m + c] }
            b[r] -= f * b[col]
        }
    }
    var x = [Double](repeating: 0, count: m)
    for r in stride(from: m - 1, through: 0, by: -1) {
        var s = b[r]
        for c in (r + 1)..<m { s -= a[r * m + c] * x[c] }
        x[r] = s / a[r * m + r]
    }
    return x
}
