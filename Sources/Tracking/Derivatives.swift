/// Velocities and accelerations from noisy positions by local polynomial regression, with the
/// window chosen per sample from the data (Lepski's intersection-of-confidence-intervals rule).
///
/// At each sample a polynomial of degree `degree` is fitted by least squares to the nearest
/// 2m+1 samples (shifted inwards at the ends of a track; gaps are allowed, the fit uses the
/// true times). Its first and second coefficients give the derivative estimates and, from the
/// noise level σ, their standard deviations. Small windows have little bias and much noise; large
/// ones the reverse. Lepski's rule takes the largest window whose estimate stays within
/// κ standard deviations of every smaller window's estimate — the point where bias starts to
/// show — so the window adapts along the orbit: long at apoapsis, short at periapsis.
/// (Lepski, Mammen & Spokoiny 1997, Ann. Statist. 25, 929.)
/// σ is estimated from the data: the robust spread of the residuals of short local fits.
public struct Differentiator: Sendable {
    public struct Options: Sendable, Equatable {
        /// Degree of the local polynomial (≥ 2 for accelerations).
        public var degree = 4
        /// Candidate half-widths m (window 2m+1 samples), smallest first.
        public var halfWidths = [3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, 28, 33, 40, 48, 56, 64]
        /// Lepski's κ: how many standard deviations two estimates may differ.
        public var kappa = 2.5
        /// Floor for σ (pixels): positions are never more precise than this.
        public var minimumSigma = 1e-3
        /// Radius (samples) of the running median applied to the chosen window sizes.
        public var medianRadius = 5
        public init() {}
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Value and one-sigma uncertainty.
    public struct Estimate: Sendable, Equatable {
        public var value: Double
        public var sigma: Double
    }

    public struct Result: Sendable {
        /// Smoothed position (from the acceleration's window), first and second derivatives.
        public var position: [Estimate]
        public var velocity: [Estimate]
        public var acceleration: [Estimate]
        /// Noise level used (same units as the positions).
        public var noise: Double
        /// Chosen half-width per sample, for the velocity and the acceleration.
        public var velocityHalfWidth: [Int]
        public var accelerationHalfWidth: [Int]
    }

    /// Robust noise level of `values` at `times`: median absolute residual of short local fits
    /// (degree `degree`, 2·(degree+2)+1 samples), scaled to a Gaussian σ and for the fitted
    /// parameters' share of the residual.
    public func noiseLevel(times: [Double], values: [Double]) -> Double {
        let n = times.count
        let p = options.degree
        let m = p + 2
        guard n >= 2 * m + 1 else { return options.minimumSigma }
        var residuals: [Double] = []
        residuals.reserveCapacity(n)
        for i in 0..<n {
            let (lo, hi) = window(center: i, halfWidth: m, count: n)
            guard let fit = Self.fit(times: times, values: [values], range: lo...hi, at: times[i], degree: p) else { continue }
            residuals.append(abs(values[i] - fit.coefficients[0][0]))
        }
        guard !residuals.isEmpty else { return options.minimumSigma }
        residuals.sort()
        let median = residuals[residuals.count / 2]
        let points = Double(2 * m + 1)
        // The residual at the centre sample has variance σ²(1 − h_ii), h_ii = leverage ≈ (p+1)/N.
        let shrink = (1 - Double(p + 1) / points).squareRoot()
        return max(options.minimumSigma, 1.4826 * median / shrink)
    }

    /// Derivatives of several coordinates that share one time axis and noise (x and y of one
    /// object). Windows are chosen jointly: a window is acceptable only if every coordinate agrees.
    public func differentiate(times: [Double], coordinates: [[Double]], noise: Double? = nil) -> [Result] {
        let n = times.count
        let dims = coordinates.count
        let p = options.degree
        let sigma = noise ?? coordinates.map { noiseLevel(times: times, values: $0) }.max() ?? options.minimumSigma
        let empty = Estimate(value: .nan, sigma: .nan)
        var results = (0..<dims).map { _ in
            Result(position: Array(repeating: empty, count: n), velocity: Array(repeating: empty, count: n),
                   acceleration: Array(repeating: empty, count: n), noise: sigma,
                   velocityHalfWidth: Array(repeating: 0, count: n), accelerationHalfWidth: Array(repeating: 0, count: n))
        }
        guard n >= p + 1 else { return results }
        let widths = options.halfWidths.filter { 2 * $0 + 1 >= p + 1 }
        // Fits for each candidate window that the track can hold, at every sample.
        var fits = [[Fit]](repeating: [], count: n)
        for i in 0..<n {
            for m in widths {
                if 2 * m + 1 > n && !fits[i].isEmpty { break }
                let (lo, hi) = window(center: i, halfWidth: m, count: n)
                guard hi - lo + 1 >= p + 1,
                      let fit = Self.fit(times: times, values: coordinates, range: lo...hi, at: times[i], degree: p)
                else { continue }
                fits[i].append(fit)
                if hi - lo + 1 == n { break }
            }
        }
        for order in 1...2 {
            let factor = order == 1 ? 1.0 : 2.0
            // Lepski's choice at each sample.
            var chosen = [Int](repeating: 0, count: n)
            for i in 0..<n where fits[i].count > 1 {
                let f = fits[i]
                search: for k in 1..<f.count {
                    for j in 0..<k {
                        let sj = sigma * f[j].unitSigma[order]
                        for d in 0..<dims where abs(f[k].coefficients[d][order] - f[j].coefficients[d][order]) > options.kappa * sj {
                            break search
                        }
                    }
                    chosen[i] = k
                }
            }
            // The right window changes smoothly along a track; a running median removes the
            // isolated too-small choices that a chance fluctuation triggers.
            let smoothed = Self.runningMedian(chosen, radius: options.medianRadius)
            for i in 0..<n where !fits[i].isEmpty {
                let f = fits[i]
                let k = min(smoothed[i], f.count - 1)
                // Bias of window k, estimated against the window half as wide (whose own bias is
                // smaller by 2^(degree−order+1)): E[(a_k − a_h)²] ≈ bias_k² + σ_h² − σ_k².
                let half = f.lastIndex { $0.halfWidth <= f[k].halfWidth / 2 }
                for d in 0..<dims {
                    let noiseSigma = sigma * f[k].unitSigma[order]
                    var bias2 = 0.0
                    if let h = half {
                        let diff = f[k].coefficients[d][order] - f[h].coefficients[d][order]
                        let sh = sigma * f[h].unitSigma[order]
                        bias2 = max(0, diff * diff - (sh * sh - noiseSigma * noiseSigma))
                    }
                    let estimate = Estimate(value: factor * f[k].coefficients[d][order],
                                            sigma: factor * (noiseSigma * noiseSigma + bias2).squareRoot())
                    if order == 1 {
                        results[d].velocity[i] = estimate
                        results[d].velocityHalfWidth[i] = f[k].halfWidth
                    } else {
                        results[d].acceleration[i] = estimate
                        results[d].accelerationHalfWidth[i] = f[k].halfWidth
                        results[d].position[i] = Estimate(value: f[k].coefficients[d][0], sigma: sigma * f[k].unitSigma[0])
                    }
                }
            }
        }
        return results
    }

    /// Median of each element's neighbourhood of `radius` on either side (clipped at the ends).
    static func runningMedian(_ values: [Int], radius: Int) -> [Int] {
        guard radius > 0 else { return values }
        return values.indices.map { i in
            let window = values[max(0, i - radius)...min(values.count - 1, i + radius)].sorted()
            return window[window.count / 2]
        }
    }

    /// Indices [lo, hi] of the 2m+1 samples nearest to `center`, shifted to stay inside 0..<count.
    func window(center: Int, halfWidth m: Int, count n: Int) -> (Int, Int) {
        let size = min(n, 2 * m + 1)
        var lo = center - m
        lo = max(0, min(lo, n - size))
        return (lo, lo + size - 1)
    }

    struct Fit {
        /// coefficients[d][k]: the k-th Taylor coefficient (value, slope, half curvature, …) of coordinate d at t0.
        var coefficients: [[Double]]
        /// Standard deviation of each coefficient for unit noise: sqrt of (XᵀX)⁻¹ diagonal.
        var unitSigma: [Double]
        var halfWidth: Int
    }

    /// Least-squares polynomial of `degree` in (t − t0) through values[d][range]; nil if singular.
    static func fit(times: [Double], values: [[Double]], range: ClosedRange<Int>, at t0: Double, degree p: Int) -> Fit? {
        let k = p + 1
        // Scale time by the window's half-span for conditioning.
        var scale = 0.0
        for i in range { scale = max(scale, abs(times[i] - t0)) }
        if scale == 0 { return nil }
        var ata = [Double](repeating: 0, count: k * k)
        var atb = [[Double]](repeating: [Double](repeating: 0, count: k), count: values.count)
        var powers = [Double](repeating: 0, count: k)
        for i in range {
            let s = (times[i] - t0) / scale
            powers[0] = 1
            for j in 1..<k { powers[j] = powers[j - 1] * s }
            for a in 0..<k {
                for b in a..<k { ata[a * k + b] += powers[a] * powers[b] }
                for d in 0..<values.count { atb[d][a] += powers[a] * values[d][i] }
            }
        }
        for a in 0..<k { for b in 0..<a { ata[a * k + b] = ata[b * k + a] } }
        guard let inverse = invertSymmetric(ata, size: k) else { return nil }
        var coefficients = [[Double]](repeating: [Double](repeating: 0, count: k), count: values.count)
        for d in 0..<values.count {
            for a in 0..<k {
                var s = 0.0
                for b in 0..<k { s += inverse[a * k + b] * atb[d][b] }
                var unscale = 1.0
                for _ in 0..<a { unscale /= scale }
                coefficients[d][a] = s * unscale
            }
        }
        var unitSigma = [Double](repeating: 0, count: k)
        for a in 0..<k {
            var unscale = 1.0
            for _ in 0..<a { unscale /= scale }
            unitSigma[a] = max(0, inverse[a * k + a]).squareRoot() * unscale
        }
        return Fit(coefficients: coefficients, unitSigma: unitSigma, halfWidth: (range.count - 1) / 2)
    }

    /// Inverse of a small symmetric positive-definite matrix by Gauss–Jordan with partial pivoting.
    static func invertSymmetric(_ matrix: [Double], size k: Int) -> [Double]? {
        var a = matrix
        var inv = [Double](repeating: 0, count: k * k)
        for i in 0..<k { inv[i * k + i] = 1 }
        for col in 0..<k {
            var pivot = col
            for r in col..<k where abs(a[r * k + col]) > abs(a[pivot * k + col]) { pivot = r }
            let pv = a[pivot * k + col]
            if abs(pv) < 1e-12 { return nil }
            if pivot != col {
                for c in 0..<k {
                    a.swapAt(pivot * k + c, col * k + c)
                    inv.swapAt(pivot * k + c, col * k + c)
                }
            }
            for c in 0..<k { a[col * k + c] /= pv; inv[col * k + c] /= pv }
            for r in 0..<k where r != col {
                let f = a[r * k + col]
                if f == 0 { continue }
                for c in 0..<k { a[r * k + c] -= f * a[col * k + c]; inv[r * k + c] -= f * inv[col * k + c] }
            }
        }
        return inv
    }
}
