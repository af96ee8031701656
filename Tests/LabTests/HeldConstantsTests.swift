import Choice
@testable import Codec
import Foundation
import Formulas
import Testing
import TestSupport

/// The hindsight comparison of `StreamChoice.challenger`/`settle`: a law coded with its named
/// constants held at the values the online fit ended with. A term the motion does not have
/// (a uniform field beside a central pull) buys nothing once held, whatever its online path
/// bought; a wrong law stays longer than the right one once both are held. Frames drawn by the
/// tests' own film, discs clean and PSF with σ = 2 noise.
@Suite struct HeldConstantsTests {
    static let looks: [(Film.Look, Double)] = [(.discs(samples: 4), 0), (.psf(sigma: 1.3), 2)]
    static let plain = "ax = k1*x/r^3; ay = k1*y/r^3"
    static let field = "ax = k1*x/r^3; ay = k1*y/r^3 + k2"

    /// Per-frame bits of each law coded online, then of each coded again with its constants held.
    func held(_ laws: [String], field g: Double, look: Film.Look, noise: Double) throws -> (online: [[Double]], held: [[Double]]) {
        var film = Film(look: look, noise: noise)
        film.reference = true
        film.frames = 120
        // an eccentric orbit about the reference body (GM = 4), a bit over one turn
        let drawn = film.draw(start: [2, 0, 0, 1.1]) { x, y, _, _ in
            let r3 = pow(x * x + y * y, 1.5)
            return (-4 * x / r3, -4 * y / r3 + g)
        }
        let geometry = Geometry(width: film.size, height: film.size, channels: 1)
        let scene = try JSONSerialization.data(withJSONObject: ["calibration": ["px_per_unit": film.pxPerUnit, "source": "flags"],
                                                                "frame_interval": film.dt, "start_time": 0.0], options: [.sortedKeys])
        func code(_ laws: [Law]) throws -> [Codings.Coded] {
            try Codings.code(geometry: geometry, frameCount: drawn.frames.count, scene: scene,
                             requests: laws.map { Codings.Request(model: .law, law: $0) }, threads: 2, frame: { drawn.frames[$0] })
        }
        let values = try laws.map { try Law(text: $0) }
        let online = try code(values)
        let holding = try zip(values, online).map { law, c -> Law in
            let h = try #require(law.holding(c.lawConstants), "\(law.text): constants \(c.lawConstants)")
            #expect(h.names.isEmpty)
            return h
        }
        let again = try code(holding)
        #expect(online.allSatisfy(\.finished) && again.allSatisfy(\.finished))
        return (online.map(\.frameBits), again.map(\.frameBits))
    }

    /// (Under σ = 2 noise the 1 % floor alone would call the two alike: that look checks that
    /// holding does not make a field-free law look worse; the clean look is the sharp one.)
    @Test(arguments: 0..<2)
    func aFieldTheMotionDoesNotHaveBuysNothingOnceHeld(look: Int) throws {
        let (l, noise) = Self.looks[look]
        let bits = try held([Self.plain, Self.field], field: 0, look: l, noise: noise)
        let sums = bits.held.map { $0.reduce(0, +) }
        #expect(StreamChoice.indistinguishable(bits.held[1], from: bits.held[0]),
                "\(l), σ = \(noise): held field \(sums[1]) bits against held plain law \(sums[0])")
    }

    /// Clean discs only. Under σ = 2 sensor noise the noise is nearly all of a stream's bits
    /// (a 1/r law codes within 7 of 3.5 million bits of the inverse square), and on PSF frames
    /// the law level's disc model barely sees the law (measured by hand in session 13 with this
    /// test's film: clean PSF, the 1/r law held codes 31 of
    /// 43 000 bits *shorter*); there the fit bar on the tracked accelerations, not the stream,
    /// keeps a wrong law out of the choice, and `challenger` only ever offers laws that fit.
    @Test func aWrongLawStaysLongerOnceHeld() throws {
        let l = Film.Look.discs(samples: 4), noise = 0.0
        // the pull as 1/r instead of 1/r²: on an eccentric orbit no one constant makes it right
        let bits = try held([Self.plain, "ax = k1*x/r^2; ay = k1*y/r^2"], field: 0, look: l, noise: noise)
        let sums = bits.held.map { $0.reduce(0, +) }
        #expect(!StreamChoice.indistinguishable(bits.held[1], from: bits.held[0]),
                "\(l), σ = \(noise): held 1/r law \(sums[1]) bits against held inverse square \(sums[0])")
    }
}
