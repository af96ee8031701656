import Formulas
import Tracking

/// The `learned` level's predictor: no law is given, so each acceleration component is a
/// general quadratic in the state (1, x, y, vx, vy and their 10 products, 15 weights per axis),
/// fitted by least squares to the last 64 measured accelerations — a local dynamics model
/// learned while coding (SINDy-style library regression, online), stepped like a given law
/// (`LawPredictor`). The window holds about four samples per weight.
struct LibraryRegression: MotionPredictor {
    var inner: LawPredictor

    init(calibration: StreamCalibration) {
        inner = LawPredictor(Self.library, calibration: calibration, window: 64, iterations: 1)
    }

    /// The library's terms as products of state variables (indices into `Law.variables`;
    /// empty: the constant term).
    static let terms: [[Int]] = [[], [1], [2], [3], [4], [1, 1], [1, 2], [1, 3], [1, 4], [2, 2], [2, 3], [2, 4], [3, 3], [3, 4], [4, 4]]

    /// Σ_k w_k·term_k per axis, weights named a0…a14 (x) and b0…b14 (y). The postfix order is
    /// the one earlier versions parsed from `a0*1 + a1*x + …` (stream format: keep it).
    static let library: Law = {
        func axis(_ prefix: String) -> (Formula, [String?]) {
            var tokens: [Token] = [], constants: [Double] = [], names: [String?] = []
            for (k, term) in terms.enumerated() {
                tokens.append(Token(.constant, constants.count))
                constants.append(1)
                names.append("\(prefix)\(k)")
                if term.isEmpty {
                    tokens.append(Token(.constant, constants.count))
                    constants.append(1)
                    names.append(nil)
                    tokens.append(Token(.mul))
                }
                for v in term { tokens += [Token(.variable, v), Token(.mul)] }
                if k > 0 { tokens.append(Token(.add)) }
            }
            return (Formula(tokens: tokens, constants: constants), names)
        }
        let (x, y) = (axis("a"), axis("b"))
        return Law(formulas: [x.0, y.0], constantNames: [x.1, y.1])
    }()

    mutating func nextPosition(of track: PixelTrack, next: Int, decoded: Int, origin: (u: Double, v: Double)) -> (u: Double, v: Double) {
        inner.nextPosition(of: track, next: next, decoded: decoded, origin: origin)
    }
    mutating func endFrame(decoded: Int) { inner.endFrame(decoded: decoded) }
    var constants: [String: Double] { inner.constants }
    var uncertainties: [String: Double] { inner.uncertainties }
}
