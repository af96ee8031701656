import Foundation

/// The shape and period of a closed orbit, measured from a track's positions alone — no law
/// of motion is assumed, so a law between the measured quantities (Kepler's third law) is a
/// finding, not an input.
///
/// Shape: a least-squares conic A·x² + B·xy + C·y² + D·x + E·y = 1 through the positions (the
/// origin, at the reference body, lies inside a closed orbit, so the right-hand side 1 is a
/// valid normalisation); an ellipse gives its centre and semi-axes.
/// Period: when the object goes round at least once, the time it takes to sweep the same polar
/// angle about the ellipse's centre again, averaged over every sample that has a successor one
/// turn later; this needs no assumption about how fast it moves along the way. With less than
/// one turn (at least half a turn) the period comes from the areal rate about the origin,
/// T = π·a·b / (½·|x·v_y − y·v_x|) — that assumes equal areas in equal times about the
/// reference body (Kepler's second law), and `method` says so.
public struct Orbit: Sendable, Equatable {
    public var track: String
    public var semiMajorAxis: Double
    public var semiMinorAxis: Double
    public var eccentricity: Double
    public var centreX: Double, centreY: Double
    public var period: Double
    /// "revolutions" or "areal rate".
    public var method: String
    /// Turns covered by the track.
    public var turns: Double
    public var samples: Int

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooFewSamples(Int), tooShort(turns: Double), notAnEllipse
        public var description: String {
            switch self {
            case .tooFewSamples(let n): return "\(n) samples (need 12)"
            case .tooShort(let turns): return String(format: "covers %.2f of a turn (need half a turn)", turns)
            case .notAnEllipse: return "the positions do not lie on an ellipse"
            }
        }
    }

    public static func measure(_ track: Track) -> Result<Orbit, Failure> {
        let s = track.samples.filter { $0.x.isFinite && $0.y.isFinite }
        guard s.count >= 12 else { return .failure(.tooFewSamples(s.count)) }
        // Conic by least squares on scaled coordinates (conditioning).
        let scale = s.map { max(abs($0.x), abs($0.y)) }.max() ?? 1
        guard scale > 0 else { return .failure(.notAnEllipse) }
        var ata = [Double](repeating: 0, count: 25), atb = [Double](repeating: 0, count: 5)
        for p in s {
            let x = p.x / scale, y = p.y / scale
            let row = [x * x, x * y, y * y, x, y]
            for i in 0..<5 {
                atb[i] += row[i]
                for j in 0..<5 { ata[i * 5 + j] += row[i] * row[j] }
            }
        }
        guard let inv = Differentiator.invertSymmetric(ata, size: 5) else { return .failure(.notAnEllipse) }
        let c = (0..<5).map { i in (0..<5).reduce(0.0) { $0 + inv[i * 5 + $1] * atb[$1] } }
        let (a, b, cc, d, e) = (c[0], c[1] / 2, c[2], c[3], c[4])
        // centre: M·x0 = −g/2 with M = [[a, b], [b, cc]], g = (d, e)
        let det = a * cc - b * b
        guard det > 0, a + cc > 0 else { return .failure(.notAnEllipse) }
        let x0 = (-d / 2 * cc + e / 2 * b) / det, y0 = (-e / 2 * a + d / 2 * b) / det
        // (u)ᵀ M u = 1 + x0ᵀ M x0 in coordinates u about the centre
        let k = 1 + a * x0 * x0 + 2 * b * x0 * y0 + cc * y0 * y0
        let mean = (a + cc) / 2, half = (((a - cc) / 2) * ((a - cc) / 2) + b * b).squareRoot()
        let (small, large) = (mean - half, mean + half)
        guard small > 0, k > 0 else { return .failure(.notAnEllipse) }
        let major = (k / small).squareRoot() * scale, minor = (k / large).squareRoot() * scale
        let cx = x0 * scale, cy = y0 * scale

        // Unwrapped polar angle about the centre, in the direction of motion.
        var theta: [Double] = []
        for p in s {
            var angle = atan2(p.y - cy, p.x - cx)
            if let last = theta.last {
                while angle - last > .pi { angle -= 2 * .pi }
                while angle - last < -.pi { angle += 2 * .pi }
            }
            theta.append(angle)
        }
        let sign: Double = theta.last! >= theta.first! ? 1 : -1
        theta = theta.map { $0 * sign }
        let turns = (theta.last! - theta.first!) / (2 * .pi)
        guard turns >= 0.5 else { return .failure(.tooShort(turns: turns)) }
        var orbit = Orbit(track: track.name, semiMajorAxis: major, semiMinorAxis: minor,
                          eccentricity: max(0, 1 - minor * minor / (major * major)).squareRoot(),
                          centreX: cx, centreY: cy, period: .nan, method: "", turns: turns, samples: s.count)
        if turns >= 1 {
            // Time to the same angle one turn later, for every sample that has one.
            var periods: [Double] = []
            var j = 0
            for i in s.indices {
                let goal = theta[i] + 2 * .pi
                while j + 1 < s.count && theta[j + 1] < goal { j += 1 }
                guard j + 1 < s.count, j >= i else { break }
                let f = (goal - theta[j]) / (theta[j + 1] - theta[j])
                periods.append(s[j].t + f * (s[j + 1].t - s[j].t) - s[i].t)
            }
            orbit.period = periods.reduce(0, +) / Double(periods.count)
            orbit.method = "revolutions"
        } else {
            let rates = s.filter { $0.vx.isFinite && $0.vy.isFinite }.map { abs($0.x * $0.vy - $0.y * $0.vx) / 2 }.sorted()
            guard !rates.isEmpty else { return .failure(.tooFewSamples(0)) }
            orbit.period = Double.pi * major * minor / rates[rates.count / 2]
            orbit.method = "areal rate"
        }
        return .success(orbit)
    }
}
