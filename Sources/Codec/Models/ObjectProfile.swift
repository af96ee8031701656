import Render

/// What a moving object looks like to the object levels: the share of its brightness that each
/// pixel receives, given the object's centre — an exact-coverage disc (`DiscProfile`), a disc
/// sampled on a grid (`SampledDiscProfile`), a pixel-integrated Gaussian point-spread function
/// (`GaussianProfile`), … One file per profile; `ObjectAppearance` says which of them a
/// stream's objects may take (`MotionModel.profiles`).
///
/// Profiles are evaluated identically by encoder and decoder. New ones use only +, −, ×, ÷ and
/// √ (IEEE-exact on every machine); the exact-coverage disc keeps version 3's `asin` (libm),
/// which the golden streams watch.
protocol ObjectProfile: Sendable {
    /// The profile's one shape parameter (a disc's radius, a Gaussian's σ), in pixels.
    var shape: Double { get set }
    /// Smallest shape the fit may reach.
    static var minimumShape: Double { get }
    /// How far from the centre (px) the profile has anything worth drawing.
    var reach: Double { get }
    /// Share of the brightness in pixel (x, y) — the pixel spans [x, x+1] × [y, y+1] — for an
    /// object centred at (u, v).
    func share(x: Int, y: Int, u: Double, v: Double) -> Double
    /// Shares of every pixel of the window x0...x1 × y0...y1, row by row (profiles that separate
    /// by axis compute them faster than pixel by pixel).
    func shares(u: Double, v: Double, x0: Int, x1: Int, y0: Int, y1: Int, into out: inout [Double])
    /// The brightness and shape a first guess takes from a detection: its flux above the
    /// background and its brightest pixel's level above it (both summed over channels). By
    /// default a uniform disc's: the radius with that flux at that level, brightness the level.
    func start(flux: Double, peak: Double) -> (shape: Double, brightness: Double)
    /// Whether the profile is not fitted itself but takes the exact-coverage disc's fit.
    var followsDisc: Bool { get }
    /// How far (in 1/1024 px) the encoder searches around the fitted centre for the correction
    /// that reproduces the frame best.
    var correctionReach: Int { get }
}

extension ObjectProfile {
    var followsDisc: Bool { false }
    var correctionReach: Int { 3 }

    func start(flux: Double, peak: Double) -> (shape: Double, brightness: Double) {
        ((flux / (Double.pi * peak)).squareRoot(), peak)
    }

    /// The profile the centre is fitted with.
    var fitted: any ObjectProfile { followsDisc ? DiscProfile(shape: shape) : self }
    func shares(u: Double, v: Double, x0: Int, x1: Int, y0: Int, y1: Int, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        for y in y0...y1 { for x in x0...x1 { out.append(share(x: x, y: y, u: u, v: v)) } }
    }

    /// The window of pixels the profile touches at (u, v) grown by `margin`, clipped to the frame;
    /// nil off the frame or for a centre that is not finite (a bad law's prediction).
    func window(u: Double, v: Double, margin: Int, geometry g: Geometry) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        let r = reach
        guard u.isFinite, v.isFinite, r.isFinite, abs(u) < 1e6, abs(v) < 1e6, r < 1e4 else { return nil }
        let x0 = max(0, Int((u - r).rounded(.down)) - margin), x1 = min(g.width - 1, Int((u + r).rounded(.up)) + margin)
        let y0 = max(0, Int((v - r).rounded(.down)) - margin), y1 = min(g.height - 1, Int((v + r).rounded(.up)) + margin)
        guard x0 <= x1, y0 <= y1 else { return nil }
        return (x0, x1, y0, y1)
    }
}

/// Which looks a stream's moving objects may take. Stream version 3 knows only `disc`; version 4
/// names the appearance after the scene metadata (and law and start), version 5 in its header.
public enum ObjectAppearance: String, CaseIterable, Sendable, HeaderNumbered {
    /// Every object an exact-coverage disc (stream version 3, byte for byte).
    case disc
    /// Each object an exact-coverage disc, a disc sampled on a 2×2, 3×3, 4×4 or 8×8 grid per
    /// pixel, or a pixel-integrated Gaussian — whichever fitted its decoded pixels better so
    /// far; fits leave out saturated (255) pixels.
    case profiles1 = "profiles-1"
    /// The profiles of `profiles-1`, measured as clean frames allow: on frames without noise the
    /// sky level is a whole grey level, a predicted value at exactly x.5 rounds as the decoded
    /// frames have rounded such values (up, down or to even), a sampled disc's brightness is the
    /// median of its fully covered pixels, its position is coded as which cell of centres (all
    /// drawing the object alike) holds it, counted outwards from the prediction, and the
    /// position the dynamics see is that cell's centroid wherever the drawn object reproduced
    /// the frame (`MotionModel+Cells.swift`); and the law level's step starts from the law's
    /// trajectory through the last 8, 16 or 32 positions, whichever predicted best so far.
    case profiles2 = "profiles-2"
    /// `profiles-2` with the velocities along the law's fitted trajectory corrected by its
    /// accelerations (central differences less (a(j+1) − a(j−1))/12, O(Δt⁴)) instead of taken
    /// by plain differences: for a velocity-dependent law those biased the windows' predictions
    /// enough that, on one circle, a harmonic law about a centre coded shorter than the Lorentz
    /// force (`.ci/sweep-engines`). Laws without velocities code exactly as with `profiles-2`.
    case profiles3 = "profiles-3"

    /// What streams are written with unless told otherwise: on Occam's own renders (exact
    /// discs) every object keeps the disc, and the stream codes as with `disc` (Kepler's golden
    /// clip a few bytes apart); on point-spread functions and sampled discs it is many times
    /// shorter.
    public static let `default` = ObjectAppearance.profiles3

    /// The appearance's number in a version-5 stream header (never reuse one).
    var id: UInt8 {
        switch self {
        case .disc: 0
        case .profiles1: 1
        case .profiles2: 2
        case .profiles3: 3
        }
    }

    /// Whether the clean-frame measurements of `profiles2` apply.
    var measuresCells: Bool { self == .profiles2 || self == .profiles3 }
    /// Whether the law's trajectory velocities are corrected by its accelerations (`profiles3`).
    var correctsPathVelocities: Bool { self == .profiles3 }
}
