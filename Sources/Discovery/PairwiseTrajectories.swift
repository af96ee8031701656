import Formulas
import Foundation

/// A pairwise law fitted where the measurements are: on the tracked *positions*, not on
/// accelerations differentiated from them.
///
/// Why: a smoothing derivative flattens every peak of the acceleration (a close approach, a
/// periapsis), so laws fitted to differentiated accelerations see a softer force at short range
/// (p ≈ −2.86 for an inverse square on a three-body video) and a flexible law (a constant per
/// pair) is rewarded for bending towards that bias. Integrated forward, a law predicts positions
/// — what the frames measured — and the bias is gone.
///
/// Multiple shooting: the frames in which every object was tracked are cut into segments of
/// `segment` frames; each segment starts from its own state (x, y, vx, vy of every object,
/// nuisance parameters fitted alongside), and the law's constants (and its exponent, when free)
/// are shared by all segments. Levenberg–Marquardt on the residuals (x_pred − x)/σ with the
/// segment blocks eliminated by their Schur complement, as bundle adjustment does. The law is
/// then scored like `PairwiseLaws` (Gaussian NLL per object and axis, counted over the
/// residuals' correlation time, + structure + constants at their precision).
public enum PairwiseTrajectories {
    /// Every object's tracked position at one frame.
    public struct Frame: Sendable {
        public var t: Double
        public var x: [Double], y: [Double]
        /// Starting guesses for the velocities (the tracker's).
        public var vx: [Double], vy: [Double]
        /// 1σ of each object's position (the tracker's).
        public var sigma: [Double]
        public init(t: Double, x: [Double], y: [Double], vx: [Double], vy: [Double], sigma: [Double]) {
            self.t = t
            self.x = x
            self.y = y
            self.vx = vx
            self.vy = vy
            self.sigma = sigma
        }
    }

    /// Inverse of a symmetric positive semi-definite matrix after scaling it to unit diagonal
    /// (its columns mix positions, velocities and constants of very different sizes).
    static func invertScaled(_ a: [[Double]]) -> [[Double]]? {
        let m = a.count
        guard m > 0 else { return [] }
        let d = (0..<m).map { a[$0][$0] > 0 ? 1 / a[$0][$0].squareRoot() : 1 }
        var scaled = (0..<m).map { i in (0..<m).map { j in a[i][j] * d[i] * d[j] } }
        // a direction the data do not constrain at all (a start velocity no frame pins down)
        // gets a tiny ridge rather than failing the whole fit
        var inverse = VectorLaws.invert(scaled)
        if inverse == nil {
            for i in 0..<m { scaled[i][i] += 1e-9 }
            inverse = VectorLaws.invert(scaled)
        }
        guard let inv = inverse else { return nil }
        return (0..<m).map { i in (0..<m).map { j in inv[i][j] * d[i] * d[j] } }
    }

    /// Segments of consecutive frames (equal spacing) of at least 6 frames.
    static func segments(_ frames: [Frame], length: Int) -> [[Frame]] {
        guard frames.count >= 2 else { return [] }
        var runs: [[Frame]] = [[frames[0]]]
        let dt = zip(frames.dropFirst(), frames).map { $0.t - $1.t }.min() ?? 0
        for f in frames.dropFirst() {
            if let last = runs[runs.count - 1].last, abs(f.t - last.t - dt) <= 0.01 * dt, runs[runs.count - 1].count < length {
                runs[runs.count - 1].append(f)
            } else {
                runs.append([f])
            }
        }
        return runs.filter { $0.count >= 6 }
    }

    /// A segment's start state fitted to its positions under a fixed law, by Levenberg–Marquardt
    /// over growing spans of its frames (10, 20, 40, all), each from the last one's state; the
    /// start state unchanged where a step fails.
    static func settle(_ start: [Double], segment: [Frame], times: [Double], theta: [Double], law: Parameters, substeps: Int) -> [Double] {
        let n = law.n, k = 4 * n
        var state = start
        for span in [10, 20, 40, segment.count] where span <= segment.count {
            let t = Array(times.prefix(span))
            func residuals(_ q: [Double]) -> [Double]? {
                guard let pred = propagate(q, times: t, theta: theta, law: law, substeps: substeps) else { return nil }
                var r = [Double](repeating: 0, count: pred.count)
                for f in 0..<span {
                    for i in 0..<n {
                        let w = 1 / max(segment[f].sigma[i], 1e-12)
                        r[2 * n * f + 2 * i] = (pred[2 * n * f + 2 * i] - segment[f].x[i]) * w
                        r[2 * n * f + 2 * i + 1] = (pred[2 * n * f + 2 * i + 1] - segment[f].y[i]) * w
                    }
                }
                return r
            }
            guard var current = residuals(state) else { return start }
            var lambda = 1e-3
            for _ in 0..<20 {
                var columns: [[Double]] = []
                for a in 0..<k {
                    var q = state
                    let h = 1e-7 * max(1, abs(q[a]))
                    q[a] += h
                    guard let r = residuals(q) else { return start }
                    columns.append(zip(r, current).map { ($0 - $1) / h })
                }
                var jtj = [[Double]](repeating: [Double](repeating: 0, count: k), count: k), jtr = [Double](repeating: 0, count: k)
                for a in 0..<k {
                    for b in a..<k { jtj[a][b] = zip(columns[a], columns[b]).reduce(0) { $0 + $1.0 * $1.1 }; jtj[b][a] = jtj[a][b] }
                    jtr[a] = zip(columns[a], current).reduce(0) { $0 + $1.0 * $1.1 }
                }
                for a in 0..<k { jtj[a][a] *= 1 + lambda }
                guard let inv = invertScaled(jtj) else { break }
                let trial = (0..<k).map { a in state[a] - (0..<k).reduce(0) { $0 + inv[a][$1] * jtr[$1] } }
                let before = current.reduce(0) { $0 + $1 * $1 }
                if let r = residuals(trial), case let after = r.reduce(0, { $0 + $1 * $1 }), after < before {
                    state = trial
                    current = r
                    lambda = max(1e-9, lambda / 5)
                    if before - after < 1e-9 * before { break }
                } else {
                    lambda *= 10
                    if lambda > 1e8 { break }
                }
            }
        }
        return state
    }

    /// The velocity at the first of equally spaced positions: the derivative there of the cubic
    /// fitted by least squares to the first seven (nil with fewer).
    static func startVelocity(_ values: [Double], dt: Double) -> Double? {
        guard values.count >= 7, dt > 0 else { return nil }
        var ata = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4), atb = [Double](repeating: 0, count: 4)
        for k in 0..<7 {
            let t = Double(k), powers = [1, t, t * t, t * t * t]
            for a in 0..<4 {
                for b in 0..<4 { ata[a][b] += powers[a] * powers[b] }
                atb[a] += powers[a] * (values[k] - values[0])
            }
        }
        guard let inv = VectorLaws.invert(ata) else { return nil }
        let slope = (0..<4).reduce(0) { $0 + inv[1][$1] * atb[$1] }
        return slope.isFinite ? slope / dt : nil
    }

    /// The law's parameters as one vector: constants (sources: N; pairs: N(N−1)) then p if free.
    struct Parameters {
        var coupling: PairwiseLaws.Coupling
        var field: PairwiseLaws.Field = .none
        var n: Int
        var freeExponent: Bool
        var fixedExponent: Double
        /// Index of the first field constant in θ.
        var fieldStart: Int { coupling == .none ? 0 : (coupling == .sources ? n : n * (n - 1)) }
        func pair(_ theta: [Double], _ i: Int, _ j: Int) -> Double {
            switch coupling {
            case .none: return 0
            case .sources: return theta[j]
            case .pairs: return theta[i * (n - 1) + (j < i ? j : j - 1)]
            }
        }
        func exponent(_ theta: [Double]) -> Double { freeExponent ? theta[theta.count - 1] : fixedExponent }
    }

    /// Positions at the segment's frame times from state `q` (x, y, vx, vy per object) at its
    /// first frame, RK4 with `substeps` steps per frame interval. nil if it blew up.
    static func propagate(_ q0: [Double], times: [Double], theta: [Double], law: Parameters, substeps: Int) -> [Double]? {
        let n = law.n
        let p = law.exponent(theta)
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n where j != i { c[i * n + j] = law.pair(theta, i, j) } }
        var q = q0
        var out = [Double](repeating: 0, count: 2 * n * times.count)
        var k1 = [Double](repeating: 0, count: 4 * n), k2 = k1, k3 = k1, k4 = k1, tmp = k1
        func derivative(_ s: [Double], _ d: inout [Double]) {
            for i in 0..<n {
                d[4 * i] = s[4 * i + 2]
                d[4 * i + 1] = s[4 * i + 3]
                var ax = 0.0, ay = 0.0
                for j in 0..<n where j != i {
                    let dx = s[4 * j] - s[4 * i], dy = s[4 * j + 1] - s[4 * i + 1]
                    let f = c[i * n + j] * pow(dx * dx + dy * dy, 0.5 * p)
                    ax += f * dx
                    ay += f * dy
                }
                switch law.field {
                case .none: break
                case .uniform:
                    ax += theta[law.fieldStart]
                    ay += theta[law.fieldStart + 1]
                case .perObject:
                    let k = law.fieldStart + 3 * i
                    ax += theta[k] + theta[k + 2] * s[4 * i + 3]
                    ay += theta[k + 1] - theta[k + 2] * s[4 * i + 2]
                }
                d[4 * i + 2] = ax
                d[4 * i + 3] = ay
            }
        }
        for (k, t) in times.enumerated() {
            if k > 0 {
                let h = (t - times[k - 1]) / Double(substeps)
                for _ in 0..<substeps {
                    derivative(q, &k1)
                    for m in 0..<(4 * n) { tmp[m] = q[m] + 0.5 * h * k1[m] }
                    derivative(tmp, &k2)
                    for m in 0..<(4 * n) { tmp[m] = q[m] + 0.5 * h * k2[m] }
                    derivative(tmp, &k3)
                    for m in 0..<(4 * n) { tmp[m] = q[m] + h * k3[m] }
                    derivative(tmp, &k4)
                    for m in 0..<(4 * n) { q[m] += h / 6 * (k1[m] + 2 * k2[m] + 2 * k3[m] + k4[m]) }
                }
            }
            for i in 0..<n {
                out[2 * n * k + 2 * i] = q[4 * i]
                out[2 * n * k + 2 * i + 1] = q[4 * i + 1]
            }
        }
        return out.allSatisfy(\.isFinite) ? out : nil
    }

    /// The law refitted on the positions; nil when there are too few segments or the fit fails.
    /// `tau`: the correlation time to count the residuals with (nil: their own).
    /// Frames per segment: long enough that a weak pull bends the path measurably within one
    /// (16 left the heavier of two charges' strength 3 % off), short enough that the fit from
    /// the tracker's start states converges.
    public static let segmentLength = 80

    /// `outliers`: the positions to leave out (nil: found here, see below), as the first law's
    /// refit returns them in `positionOutliers`, so that every law is scored on the same points.
    public static func refine(_ start: PairwiseLaws.Fitted, frames: [Frame], segment: Int = segmentLength, alphabet: Int,
                              tau fixedTau: Double? = nil, outliers fixedOutliers: Set<Int>? = nil) -> PairwiseLaws.Fitted? {
        let n = start.objects
        guard frames.first?.x.count == n else { return nil }
        let parts = segments(frames, length: segment)
        guard !parts.isEmpty else { return nil }
        let law = Parameters(coupling: start.coupling, field: start.field, n: n,
                             freeExponent: !start.exponentSnapped && start.coupling != .none, fixedExponent: start.exponent)
        var theta: [Double]
        switch start.coupling {
        case .none: theta = []
        case .sources: theta = start.constants
        case .pairs: theta = (0..<n).flatMap { i in (0..<n).filter { $0 != i }.map { start.constants[i * n + $0] } }
        }
        theta += start.fieldConstants
        if law.freeExponent && start.coupling != .none { theta.append(start.exponent) }
        let m = theta.count
        // segment states from the tracker — except after a gap (frames where an object was
        // hidden, at a close encounter): the tracker's derivative there spans the encounter
        // and can be off by the whole velocity, and a segment started from it settles in a
        // wrong minimum (three bodies, 600 frames: the four segments after encounters left
        // residuals 1000 times the others' and every law a misfit). There the start velocity
        // comes from the segment's own first positions (`startVelocity`).
        let afterGap = parts.map { seg in
            frames.contains { $0.t < seg[0].t } && !frames.contains { abs(seg[0].t - $0.t - (seg[1].t - seg[0].t)) <= 0.01 * (seg[1].t - seg[0].t) }
        }
        var states: [[Double]] = parts.indices.map { s in
            let seg = parts[s]
            return (0..<n).flatMap { i -> [Double] in
                guard afterGap[s], let vx = startVelocity(seg.map { $0.x[i] }, dt: seg[1].t - seg[0].t),
                      let vy = startVelocity(seg.map { $0.y[i] }, dt: seg[1].t - seg[0].t) else {
                    return [seg[0].x[i], seg[0].y[i], seg[0].vx[i], seg[0].vy[i]]
                }
                return [seg[0].x[i], seg[0].y[i], vx, vy]
            }
        }
        let times = parts.map { $0.map(\.t) }
        // substeps: resolve the fastest change (closest approach relative to speed) 50 times
        var quickest = Double.infinity
        for f in frames {
            for i in 0..<n {
                for j in 0..<n where j != i {
                    let d = hypot(f.x[j] - f.x[i], f.y[j] - f.y[i]), v = hypot(f.vx[j] - f.vx[i], f.vy[j] - f.vy[i])
                    if v > 0 { quickest = min(quickest, d / v) }
                }
            }
        }
        if start.field == .perObject {
            for i in 0..<n { quickest = min(quickest, 1 / max(abs(start.fieldConstants[3 * i + 2]), 1e-12)) }
        }
        let dt = (times[0][1] - times[0][0])
        let substeps = max(4, min(200, Int((50 * dt / max(quickest, 1e-12)).rounded(.up))))
        // measurement weights per object: the tracker's σ times a per-object scale, estimated
        var scale = [Double](repeating: 1, count: n)
        // Positions left out (1 − keep), by part, frame and object, numbered in that order:
        // a centroid pulled by a body that blends with it (1.1 px off where the track is good to
        // 0.01 px, 1400σ: one such point left every law of a three-body video with residuals
        // thousands of σ wide) must not decide the law.
        var keep = parts.map { $0.map { _ in [Double](repeating: 1, count: n) } }
        let offsets = parts.indices.map { s in parts[..<s].reduce(0) { $0 + $1.count } }
        func setOutliers(_ set: Set<Int>) {
            for s in parts.indices { for k in parts[s].indices { for i in 0..<n { keep[s][k][i] = set.contains((offsets[s] + k) * n + i) ? 0 : 1 } } }
        }
        var outliers = fixedOutliers ?? []
        setOutliers(outliers)

        // Segment s's weighted residuals (x, y per frame and object) from `state` under
        // `theta`; `all`: every position, the measurement weights alone (the settling's test).
        func segmentResiduals(_ s: Int, _ state: [Double], _ theta: [Double], all: Bool = false) -> [Double]? {
            guard let pred = propagate(state, times: times[s], theta: theta, law: law, substeps: substeps) else { return nil }
            var r = [Double](repeating: 0, count: pred.count)
            for (k, f) in parts[s].enumerated() {
                for i in 0..<n {
                    let w = (all ? 1 : keep[s][k][i]) / (max(f.sigma[i], 1e-12) * (all ? 1 : scale[i]))
                    r[2 * n * k + 2 * i] = (pred[2 * n * k + 2 * i] - f.x[i]) * w
                    r[2 * n * k + 2 * i + 1] = (pred[2 * n * k + 2 * i + 1] - f.y[i]) * w
                }
            }
            return r
        }
        func residuals(_ theta: [Double], _ states: [[Double]]) -> [[Double]]? {
            var out: [[Double]] = []
            for s in parts.indices {
                guard let r = segmentResiduals(s, states[s], theta) else { return nil }
                out.append(r)
            }
            return out
        }
        // The start states of segments after a gap, and of segments whose start leaves more
        // than 3 times the median segment's RMS residual under the candidate law, are settled
        // before the joint fit, over the segment's first 10, 20, 40 frames and then all
        // (`settle`): from a start a close encounter has made poor, a fit over the whole
        // segment at once finds a wrong minimum. (Settling every segment gave the same laws on
        // the tests' films for 8 % more of their time.)
        let startRMS = parts.indices.map { s -> Double in
            guard let r = segmentResiduals(s, states[s], theta, all: true) else { return .infinity }
            return (r.reduce(0) { $0 + $1 * $1 } / Double(r.count)).squareRoot()
        }
        let medianRMS = startRMS.sorted()[startRMS.count / 2]
        for s in parts.indices where afterGap[s] || startRMS[s] > 3 * medianRMS {
            states[s] = settle(states[s], segment: parts[s], times: times[s], theta: theta, law: law, substeps: substeps)
        }
        func cost(_ r: [[Double]]) -> Double { r.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } }

        var lambda = 1e-3
        var current = residuals(theta, states)
        guard current != nil else { debug("start blew up"); return nil }
        var lastInverse: [[Double]] = []
        var converged = false
        for round in 0..<2 {
            if round == 1, let r = current {
                // Outliers (unless given): a position more than 10 robust widths (1.4826 × the
                // median |residual| of its object) from the first round's fit.
                if fixedOutliers == nil {
                    for i in 0..<n {
                        var sizes: [Double] = []
                        for seg in r { for k in stride(from: 0, to: seg.count, by: 2 * n) { sizes += [abs(seg[k + 2 * i]), abs(seg[k + 2 * i + 1])] } }
                        let sorted = sizes.sorted(), width = 1.4826 * (sorted.isEmpty ? 0 : sorted[sorted.count / 2])
                        for (s, seg) in r.enumerated() {
                            for k in 0..<(seg.count / (2 * n)) where max(abs(seg[2 * n * k + 2 * i]), abs(seg[2 * n * k + 2 * i + 1])) > 10 * width {
                                outliers.insert((offsets[s] + k) * n + i)
                            }
                        }
                    }
                    setOutliers(outliers)
                }
                // per-object scale from the standardised residuals of the first round (kept points)
                for i in 0..<n {
                    var sum = 0.0, count = 0.0
                    for (s, seg) in r.enumerated() {
                        for k in 0..<(seg.count / (2 * n)) where keep[s][k][i] > 0 {
                            sum += seg[2 * n * k + 2 * i] * seg[2 * n * k + 2 * i] + seg[2 * n * k + 2 * i + 1] * seg[2 * n * k + 2 * i + 1]
                            count += 2
                        }
                    }
                    scale[i] *= max(1e-3, (sum / max(count, 1)).squareRoot())
                }
                current = residuals(theta, states)
            }
            for _ in 0..<25 {
                guard let r = current else { debug("lost residuals"); return nil }
                // Normal equations with the segment blocks eliminated (Schur complement).
                var reducedH = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
                var reducedG = [Double](repeating: 0, count: m)
                var plainH = reducedH
                var blocks: [(hInv: [[Double]], hst: [[Double]], gs: [Double])] = []
                let k = 4 * n
                for (s, seg) in parts.enumerated() {
                    let base = r[s]
                    // Jacobian columns: the segment's state, then θ
                    var columns: [[Double]] = []
                    for a in 0..<(k + m) {
                        var q = states[s], th = theta
                        let h: Double
                        if a < k { h = 1e-7 * max(1, abs(q[a])); q[a] += h } else { h = 1e-7 * max(1e-3, abs(th[a - k])); th[a - k] += h }
                        guard let pred = propagate(q, times: times[s], theta: th, law: law, substeps: substeps) else { debug("perturbed segment blew up"); return nil }
                        var col = [Double](repeating: 0, count: base.count)
                        for (f, frame) in seg.enumerated() {
                            for i in 0..<n {
                                let w = keep[s][f][i] / (max(frame.sigma[i], 1e-12) * scale[i])
                                col[2 * n * f + 2 * i] = ((pred[2 * n * f + 2 * i] - frame.x[i]) * w - base[2 * n * f + 2 * i]) / h
                                col[2 * n * f + 2 * i + 1] = ((pred[2 * n * f + 2 * i + 1] - frame.y[i]) * w - base[2 * n * f + 2 * i + 1]) / h
                            }
                        }
                        columns.append(col)
                    }
                    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
                    var hss = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
                    var hst = [[Double]](repeating: [Double](repeating: 0, count: m), count: k)
                    var gs = [Double](repeating: 0, count: k)
                    for a in 0..<k {
                        for b in a..<k { hss[a][b] = dot(columns[a], columns[b]); hss[b][a] = hss[a][b] }
                        for b in 0..<m { hst[a][b] = dot(columns[a], columns[k + b]) }
                        gs[a] = dot(columns[a], base)
                    }
                    for a in 0..<m {
                        for b in 0..<m {
                            let h = dot(columns[k + a], columns[k + b])
                            reducedH[a][b] += h
                            plainH[a][b] += h
                        }
                        reducedG[a] += dot(columns[k + a], base)
                    }
                    // The covariance of θ: the undamped Schur complement (a damped segment block
                    // would pretend the start states are known and θ better than it is).
                    guard let plainInv = invertScaled(hss) else { debug("segment block singular"); return nil }
                    for a in 0..<m {
                        for b in 0..<m {
                            var t = 0.0
                            for x in 0..<k { for y in 0..<k { t += hst[x][a] * plainInv[x][y] * hst[y][b] } }
                            plainH[a][b] -= t
                        }
                    }
                    for a in 0..<k { hss[a][a] *= 1 + lambda }
                    guard let inv = invertScaled(hss) else { debug("segment block singular"); return nil }
                    // reduce: H_θθ −= H_θs H_ss⁻¹ H_sθ, g_θ −= H_θs H_ss⁻¹ g_s
                    var invHst = [[Double]](repeating: [Double](repeating: 0, count: m), count: k)
                    var invGs = [Double](repeating: 0, count: k)
                    for a in 0..<k {
                        for b in 0..<m { invHst[a][b] = (0..<k).reduce(0) { $0 + inv[a][$1] * hst[$1][b] } }
                        invGs[a] = (0..<k).reduce(0) { $0 + inv[a][$1] * gs[$1] }
                    }
                    for a in 0..<m {
                        for b in 0..<m { reducedH[a][b] -= (0..<k).reduce(0) { $0 + hst[$1][a] * invHst[$1][b] } }
                        reducedG[a] -= (0..<k).reduce(0) { $0 + hst[$1][a] * invGs[$1] }
                    }
                    blocks.append((inv, hst, gs))
                }
                var damped = reducedH
                for a in 0..<m { damped[a][a] *= 1 + lambda }
                guard let hInv = m == 0 ? [] : invertScaled(damped) else { debug("reduced system singular"); return nil }
                lastInverse = (m == 0 ? [] : invertScaled(plainH)) ?? hInv
                converged = true
                let dTheta = (0..<m).map { a in -(0..<m).reduce(0) { $0 + hInv[a][$1] * reducedG[$1] } }
                var trialTheta = theta
                for a in 0..<m { trialTheta[a] += dTheta[a] }
                var trialStates = states
                for s in parts.indices {
                    let (inv, hst, gs) = blocks[s]
                    let rhs = (0..<k).map { a in gs[a] + (0..<m).reduce(0) { $0 + hst[a][$1] * dTheta[$1] } }
                    for a in 0..<k { trialStates[s][a] -= (0..<k).reduce(0) { $0 + inv[a][$1] * rhs[$1] } }
                }
                let before = cost(r)
                if let trial = residuals(trialTheta, trialStates), cost(trial) < before {
                    theta = trialTheta
                    states = trialStates
                    current = trial
                    lambda = max(1e-9, lambda / 5)
                    if before - cost(trial) < 1e-9 * before { break }
                } else {
                    lambda *= 10
                    if lambda > 1e8 { break }
                }
            }
        }
        guard let r = current, converged, m == 0 || !lastInverse.isEmpty else { debug("no step (converged \(converged))"); return nil }
        // scores: NLL per object and axis in the tracker's units (σ·scale back out)
        var rssX = [Double](repeating: 0, count: n), rssY = rssX, counts = rssX
        var logSigma = 0.0
        for (s, seg) in parts.enumerated() {
            for (f, frame) in seg.enumerated() {
                for i in 0..<n where keep[s][f][i] > 0 {
                    rssX[i] += r[s][2 * n * f + 2 * i] * r[s][2 * n * f + 2 * i]
                    rssY[i] += r[s][2 * n * f + 2 * i + 1] * r[s][2 * n * f + 2 * i + 1]
                    logSigma += 2 * log(max(frame.sigma[i], 1e-12) * scale[i])
                    counts[i] += 1
                }
            }
        }
        let count = counts.reduce(0, +)
        // residual sequences in time order, one per segment, object and axis
        var sequences: [[Double]] = []
        for seg in r {
            for a in 0..<(2 * n) { sequences.append(stride(from: a, to: seg.count, by: 2 * n).map { seg[$0] }) }
        }
        let tau = fixedTau ?? PairwiseLaws.correlationTime(sequences)
        var nll = logSigma
        for i in 0..<n {
            for part in [rssX[i], rssY[i]] {
                let variance = max(part / max(counts[i], 1), 1e-24)
                nll += 0.5 * counts[i] * log(2 * Double.pi * variance) + 0.5 * part / variance
            }
        }
        nll /= tau
        // the same, frame by frame (bits), for a paired comparison of laws on this video
        var frameBits: [Double] = []
        for (s, seg) in parts.enumerated() {
            for (f, frame) in seg.enumerated() {
                var b = 0.0
                for i in 0..<n where keep[s][f][i] > 0 {
                    b += 2 * log(max(frame.sigma[i], 1e-12) * scale[i])
                    for (axis, part) in [rssX[i], rssY[i]].enumerated() {
                        let variance = max(part / max(counts[i], 1), 1e-24), z = r[s][2 * n * f + 2 * i + axis]
                        b += 0.5 * log(2 * Double.pi * variance) + 0.5 * z * z / variance
                    }
                }
                frameBits.append(b / tau / log(2.0))
            }
        }
        let dof = max(1.0, 2 * count - Double(m + 4 * n * parts.count))
        let variance = max((rssX.reduce(0, +) + rssY.reduce(0, +)) / dof, 1e-24) * tau
        let covariance = m == 0 ? [] : lastInverse.map { $0.map { $0 * variance } }
        let sigmas = (0..<m).map { max(0, covariance[$0][$0]).squareRoot() }
        let nodes = (start.coupling == .none ? (start.field == .none ? 1 : 0) : 9) + start.field.nodes
            + (start.coupling != .none && start.field != .none ? 1 : 0)
        let structure = Double(nodes) * log(Double(max(2, alphabet)))
        let count2 = law.freeExponent ? m - 1 : m
        let couplingCount = law.fieldStart
        // Constants at the precision the data give them jointly: Σ log|θ_a| − ½·log det(Cov)
        // (the free exponent over its searched range of 5), not Σ log(|θ_a|/σ_a) with marginal
        // σ — those grow when a correlated constant is added, and would make a law with a free
        // exponent cheaper in its other constants than the same law with p = −3 exactly.
        var constantBits = PairwiseLaws.jointConstantBits(values: theta.enumerated().map { law.freeExponent && $0.offset == m - 1 ? 5 : $0.element },
                                                           covariance: covariance)
        if !law.freeExponent, let (a, b) = Formula.exactFraction(start.exponent) {
            constantBits += start.coupling == .none ? 0 : log(2) + log(Double(abs(a) + 1)) + log(Double(b))
        }
        var out = start
        let p = law.exponent(theta)
        out.exponent = p
        out.exponentSigma = law.freeExponent ? sigmas[m - 1] : 0
        let fitted = Array(theta.prefix(couplingCount)), fittedSigmas = Array(sigmas.prefix(couplingCount))
        out.fieldConstants = Array(theta[couplingCount..<count2])
        out.fieldSigmas = Array(sigmas[couplingCount..<count2])
        out.covariance = (0..<count2).map { a in (0..<count2).map { covariance[a][$0] } }
        if start.coupling == .pairs {
            var full = [Double](repeating: 0, count: n * n), fullSigmas = full
            for i in 0..<n { for j in 0..<n where j != i { full[i * n + j] = fitted[i * (n - 1) + (j < i ? j : j - 1)]; fullSigmas[i * n + j] = fittedSigmas[i * (n - 1) + (j < i ? j : j - 1)] } }
            out.constants = full
            out.sigmas = fullSigmas
        } else {
            out.constants = fitted
            out.sigmas = fittedSigmas
        }
        let ln2 = log(2.0)
        out.bits = (nll + structure + constantBits) / ln2
        out.descriptionBits = (structure + constantBits) / ln2
        out.correlationTime = tau
        out.fittedOnPositions = true
        out.frameBits = frameBits
        out.positionResidual = ((rssX.reduce(0, +) + rssY.reduce(0, +)) / max(2 * count, 1)).squareRoot()
        out.positionOutliers = outliers
        if ProcessInfo.processInfo.environment["OCCAM_DEBUG_SEGMENTS"] != nil {
            for (sIdx, seg) in r.enumerated() {
                let rms = (seg.reduce(0) { $0 + $1 * $1 } / Double(max(1, seg.count))).squareRoot()
                debug("  segment \(sIdx) t \(times[sIdx].first!)…\(times[sIdx].last!) frames \(times[sIdx].count) rms \(rms)")
            }
        }
        debug("\(start.coupling) p \(p) free \(law.freeExponent): bits \(out.bits) nll \(nll / ln2) constants \(constantBits / ln2) τ \(tau) χ² \(cost(r)) scale \(scale) outliers \(outliers.count)")
        return out
    }

    static func debug(_ s: String) {
        if ProcessInfo.processInfo.environment["OCCAM_DEBUG_PAIRWISE"] != nil { FileHandle.standardError.write(Data("pairwise: \(s)\n".utf8)) }
    }
}
