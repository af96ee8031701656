import Foundation
import Render
import TestSupport
import Testing
@testable import Codec
@testable import Tracking

/// The neural level: its network's arithmetic, and what a user relies on — on an eccentric
/// orbit (which neither constant acceleration nor the learned level's quadratic library
/// represents) drawn by this test's own code, in two looks, the network's stream is smaller
/// than the motion and learned levels' (clean) or costs nothing over them (noisy), and decodes
/// pixel-exactly.
@Suite struct NeuralLevelTests {
    /// Backpropagation agrees with central differences of the loss, parameter by parameter.
    @Test func gradientMatchesFiniteDifferences() {
        let net = Perceptron(sizes: [4, 6, 5, 2], seed: 7)
        let input = [0.3, -1.2, 0.8, 0.1], target = [0.5, -0.25]
        func loss(_ p: [Double]) -> Double {
            let o = Perceptron(sizes: net.sizes, parameters: p)(input)
            return 0.5 * ((o[0] - target[0]) * (o[0] - target[0]) + (o[1] - target[1]) * (o[1] - target[1]))
        }
        var gradient = [Double](repeating: 0, count: net.parameters.count)
        net.accumulateGradient(input, target: target, into: &gradient)
        #expect(gradient.count == Perceptron.parameterCount(net.sizes))
        for k in net.parameters.indices {
            var plus = net.parameters, minus = net.parameters
            plus[k] += 1e-6
            minus[k] -= 1e-6
            let numeric = (loss(plus) - loss(minus)) / 2e-6
            #expect(abs(numeric - gradient[k]) < 1e-6 * max(1, abs(numeric)), "parameter \(k): \(gradient[k]) vs \(numeric)")
        }
    }

    /// The activation's slope is its derivative (the smooth rectifier z(1 + z/√(1+z²))/2).
    @Test func activationSlope() {
        for z in stride(from: -4.0, through: 4.0, by: 0.37) {
            let numeric = (Perceptron.activation(z + 1e-6) - Perceptron.activation(z - 1e-6)) / 2e-6
            #expect(abs(numeric - Perceptron.slope(z)) < 1e-8)
        }
    }

    /// An eccentric Kepler orbit (a = 18 px, e = 1/3, period 50 frames, up to 3.2 px/frame:
    /// fast enough that the dynamics show in the bits) around a bright static star, integrated
    /// here with many small leapfrog steps per frame, in pixels and frames.
    static func orbit(frames: Int) -> [(Double, Double)] {
        let star = (31.3, 30.6), k = 18 * 18 * 18 * (2 * Double.pi / 50) * (2 * Double.pi / 50)
        var (x, y, vx, vy) = (12.0, 0.0, 0.0, (k * (2.0 / 12 - 1.0 / 18)).squareRoot())
        var positions: [(Double, Double)] = []
        let sub = 200, h = 1.0 / Double(sub)
        func acc(_ x: Double, _ y: Double) -> (Double, Double) {
            let r = (x * x + y * y).squareRoot()
            return (-k * x / (r * r * r), -k * y / (r * r * r))
        }
        for _ in 0..<frames {
            positions.append((star.0 + x, star.1 - y))
            for _ in 0..<sub {
                var a = acc(x, y)
                vx += 0.5 * h * a.0; vy += 0.5 * h * a.1
                x += h * vx; y += h * vy
                a = acc(x, y)
                vx += 0.5 * h * a.0; vy += 0.5 * h * a.1
            }
        }
        return positions
    }

    /// A charge drifting in crossed fields past the star (cycloid: gyration of radius 8 px and
    /// period 40 frames about a guiding centre drifting at 0.15 px/frame): no central force.
    static func cycloid(frames: Int) -> [(Double, Double)] {
        (0..<frames).map { f in
            let phase = 2 * Double.pi * Double(f) / 40
            return (12 + 0.15 * Double(f) + 8 * sin(phase), 34 + 8 * cos(phase))
        }
    }

    /// 64×64 frames: a supersampled disc planet (clean), or Gaussian blobs with σ = 2 noise.
    static func frames(gaussian: Bool, noise: Double, path: [(Double, Double)] = orbit(frames: 260)) -> [[UInt8]] {
        let star = (31.3, 30.6)
        return paint(path.map { p in [Blob(centre: star, radius: 3.5, disc: 230, sigma: 1.3, psf: 240),
                                      Blob(centre: p, radius: 2.2, disc: 170, sigma: 1.1, psf: 150)] },
                     gaussian: gaussian, noise: noise, seed: 5)
    }

    /// An object as the codec tests draw it: a 4×4-supersampled disc of `radius` and brightness
    /// `disc`, or a Gaussian of σ `sigma` and peak `psf`.
    struct Blob { var centre: (Double, Double); var radius: Double; var disc: Double; var sigma: Double; var psf: Double }

    /// 64×64 frames of the blobs of each frame on a sky of 12, discs or Gaussians, with σ =
    /// `noise` Gaussian noise (seeded).
    static func paint(_ frames: [[Blob]], gaussian: Bool, noise: Double, seed: UInt64) -> [[UInt8]] {
        let w = 64
        var random = XorShift64Star(seed: seed)
        func normal() -> Double {
            let u = max(random.unit(), 1e-12), v = random.unit()
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        return frames.map { blobs in
            var frame = [UInt8](repeating: 0, count: w * w)
            for y in 0..<w {
                for x in 0..<w {
                    var v = 12.0
                    for b in blobs {
                        let c = b.centre
                        if gaussian {
                            let du = Double(x) + 0.5 - c.0, dv = Double(y) + 0.5 - c.1
                            v += b.psf * exp(-(du * du + dv * dv) / (2 * b.sigma * b.sigma))
                        } else {
                            var inside = 0
                            for i in 0..<4 {
                                for j in 0..<4 {
                                    let du = Double(x) + (Double(i) + 0.5) / 4 - c.0, dv = Double(y) + (Double(j) + 0.5) / 4 - c.1
                                    if du * du + dv * dv <= b.radius * b.radius { inside += 1 }
                                }
                            }
                            v += b.disc * Double(inside) / 16
                        }
                    }
                    if noise > 0 { v += noise * normal() }
                    frame[y * w + x] = UInt8(max(0, min(255, v.rounded())))
                }
            }
            return frame
        }
    }

    @Test(arguments: [(false, 0.0), (true, 2.0)])
    func theNetworkCodesAnEccentricOrbitInFewerBits(gaussian: Bool, noise: Double) throws {
        let g = Geometry(width: 64, height: 64, channels: 1)
        let frames = Self.frames(gaussian: gaussian, noise: noise)
        var sizes: [ModelKind: Int] = [:]
        for model in [ModelKind.motion, .learned, .neural, .law] {
            let (path, bytes) = try encodeStream(frames, geometry: g, model: model, law: "ax = -k*x/r^3; ay = -k*y/r^3")
            sizes[model] = bytes.count
            if model == .neural {
                var reader = try StreamReader(path: path)
                for (k, f) in frames.enumerated() {
                    let same = try reader.next() == f
                    #expect(same, "frame \(k) differs")
                    if !same { break }
                }
            }
        }
        print("neural level, \(gaussian ? "Gaussian σ=\(noise)" : "supersampled discs"): \(sizes)")
        if noise == 0 {
            #expect(sizes[.neural]! < sizes[.motion]!, "\(sizes)")
            #expect(sizes[.neural]! < sizes[.learned]!, "\(sizes)")
        } else {
            // With σ = 2 the stream is the noise's (even the true law gains < 0.01 % over
            // motion); the network must cost nothing: a position 1 px off would cost ~0.2 %.
            #expect(Double(sizes[.neural]!) <= Double(sizes[.motion]!) * 1.0001, "\(sizes)")
            #expect(Double(sizes[.neural]!) <= Double(sizes[.learned]!) * 1.0001, "\(sizes)")
        }
    }
}

/// Stream version 6's central-field network (`NeuralDynamics.central`) beside the general one:
/// shorter where the field is central about the reference body, no longer where it is not
/// (its candidates are then not chosen). Frames drawn by the test.
@Suite struct CentralFieldTests {
    @Test func theCentralNetworkShortensACentralOrbitAndCostsNothingElsewhere() throws {
        let g = Geometry(width: 64, height: 64, channels: 1)
        for (name, path) in [("kepler", NeuralLevelTests.orbit(frames: 260)), ("cycloid", NeuralLevelTests.cycloid(frames: 260))] {
            let frames = NeuralLevelTests.frames(gaussian: false, noise: 0, path: path)
            let (file, v6) = try encodeStream(frames, geometry: g, model: .neural, version: 6)
            let v5 = try encodeStream(frames, geometry: g, model: .neural, version: 5).1
            var reader = try StreamReader(path: file)
            for (k, f) in frames.enumerated() {
                let same = try reader.next() == f
                #expect(same, "\(name): frame \(k) differs")
                if !same { break }
            }
            print("\(name): neural level \(v5.count) bytes in version 5, \(v6.count) in version 6")
            if name == "kepler" {
                #expect(Double(v6.count) < 0.97 * Double(v5.count), "\(name): \(v5.count) -> \(v6.count)")
            } else {
                #expect(Double(v6.count) <= 1.01 * Double(v5.count), "\(name): \(v5.count) -> \(v6.count)")
            }
        }
    }
}

/// The pretrained starts (`prior-1`, `prior-2`, `NeuralPriorWeights.swift`): a stream that names
/// one is an archive like any other — each was written when its start was released and must keep
/// decoding to its frames, and today's encoder must still write its bytes.
@Suite struct NeuralPriorGoldenTests {
    /// prior-1: version 3 as written when the start was released; version 5, the compact
    /// container; version 6, with the central-field network beside the pretrained one. prior-2
    /// (prior-1's network and the sample gate, `SampleGate`): version 7.
    static func path(_ start: NeuralStart, _ version: UInt16) -> String {
        "\(GoldenStreamTests.folder)/clean-grey-neural-\(start.rawValue)\(version >= 5 ? "-v\(version)" : "").occ"
    }

    @Test(arguments: [(NeuralStart.prior1, UInt16(3)), (.prior1, 5), (.prior1, 6), (.prior2, 7)])
    func thePretrainedStartsGoldenStreamDecodesAndReencodes(start: NeuralStart, version: UInt16) throws {
        let clip = try #require(GoldenStreamTests.clips.first { $0.name == "clean-grey" })
        let g = Geometry(width: clip.width, height: clip.height, channels: clip.channels)
        let frames = try (0..<clip.frames).map { try PNGFile.read(GoldenStreamTests.framePath(clip, $0)).pixels }
        func encode(_ start: NeuralStart) throws -> [UInt8] {
            var writer = try StreamWriter(sink: .memory([]), geometry: g, frameCount: frames.count, model: .neural,
                                          scene: GoldenStreamTests.scene, law: nil, start: start,
                                          appearance: version >= 5 ? .default : .disc, formatVersion: version)
            for f in frames { try writer.append(f) }
            _ = try writer.finish()
            return writer.bytes
        }
        let path = Self.path(start, version)
        let w = ProcessInfo.processInfo.environment["OCCAM_WRITE_GOLDEN"]
        if w == "1" || w == "neural-\(start.rawValue)-v\(version)" {
            try Data(try encode(start)).write(to: URL(fileURLWithPath: path))
        }
        let golden = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var reader = try StreamReader(bytes: golden)
        #expect(reader.model == .neural && reader.frameCount == frames.count && reader.version == version)
        for (k, f) in frames.enumerated() {
            let same = try reader.next() == f
            #expect(same, "frame \(k) differs")
            if !same { break }
        }
        let today = try encode(start)
        #expect(today == golden, "\(today.count) bytes, golden \(golden.count)")
        // the start matters: from the one before it (the seed; prior-1, without the gate) the
        // same frames code differently, beyond the start's number in the header
        let before = try encode(start == .prior2 ? .prior1 : .online)
        #expect(before.count != golden.count || zip(before, golden).filter { $0 != $1 }.count > 1, "the start changed nothing here")
    }
}
/// The two networks of stream version 6 learn from the same samples but need not be ready
/// together: the central one drops a sample taken exactly at the reference body (r = 0 has no
/// direction), so the general network can predict a frame before it. The predictor must then
/// choose among the ready network's candidates only (it indexed past its windows and stopped).
@Suite struct NetworkReadinessTests {
    @Test func aPathThroughTheReferenceBodyIsPredictedWhileOnlyOneNetworkIsReady() {
        var predictor = NeuralPredictor(start: .online, followsTrajectories: true, centralField: true)
        predictor.smooth(over: 32, correctedVelocities: false)
        let origin = (u: 100.0, v: 100.0)
        // a cubic path (constant acceleration misses it) that is exactly at the origin in frame 20
        func point(_ f: Int) -> PixelTrack.Point {
            let s = Double(f - 20)
            return PixelTrack.Point(frame: f, u: origin.u + 1.5 * s + 0.02 * s * s, v: origin.v + s - 0.001 * s * s * s,
                                    flux: 100, radius: 2, sigma: 0)
        }
        var track = PixelTrack(id: 0)
        var sawOnlyGeneralReady = false
        for f in 0..<70 {
            track.points.append(point(f))
            let next = predictor.nextPosition(of: track, next: f + 1, decoded: f + 1, origin: origin)
            #expect(next.u.isFinite && next.v.isFinite)
            predictor.endFrame(decoded: f + 1)
            if predictor.dynamics.ready && !(predictor.central?.ready ?? true) { sawOnlyGeneralReady = true }
        }
        #expect(sawOnlyGeneralReady, "the path should leave the central network a sample short")
        #expect(predictor.dynamics.inputs.count == predictor.central!.inputs.count + 1)
    }
}

/// Stream version 7's pair network (`PairField`): two bodies that attract each other by the
/// inverse square, their barycentre drifting across the frame and no static body — a field
/// neither the general network (a function of one object's state) nor the central one (about a
/// fixed point) can hold. Drawn by the test, clean discs and noisy point sources.
@Suite struct PairNetworkTests {
    /// Masses 1 and 0.4 on a mutual orbit of a = 16 px, e = 0.4, period 60 frames, from
    /// apocentre; the barycentre starts at (24, 30) px and drifts at (0.08, 0.03) px/frame.
    /// Leapfrog with 200 steps per frame, in pixels and frames (image axes).
    static func pair(frames: Int) -> [[(Double, Double)]] {
        let (m1, m2) = (1.0, 0.4), a = 16.0, e = 0.4, omega = 2 * Double.pi / 60
        let g = a * a * a * omega * omega / (m1 + m2)
        let r0 = a * (1 + e), v0 = (g * (m1 + m2) * (2 / r0 - 1 / a)).squareRoot()
        let (cx, cy, cvx, cvy) = (24.0, 30.0, 0.08, 0.03)
        // body 1 and body 2 about the barycentre
        let p = [(cx - m2 / (m1 + m2) * r0, cy), (cx + m1 / (m1 + m2) * r0, cy)]
        let v = [(cvx, cvy - m2 / (m1 + m2) * v0), (cvx, cvy + m1 / (m1 + m2) * v0)]
        return leapfrog(masses: [m1, m2], g: g, positions: p, velocities: v, frames: frames)
    }

    /// Bodies pulling on each other by g·m_j·(r_j − r_i)/|r_j − r_i|³, leapfrog (kick, drift,
    /// kick) with 200 steps per frame in pixels and frames; each body's position at every frame.
    static func leapfrog(masses m: [Double], g: Double, positions: [(Double, Double)], velocities: [(Double, Double)],
                         frames: Int) -> [[(Double, Double)]] {
        var p = positions, v = velocities
        let n = m.count, h = 1.0 / 200
        func accelerations() -> [(Double, Double)] {
            (0..<n).map { i in
                var a = (0.0, 0.0)
                for j in 0..<n where j != i {
                    let dx = p[j].0 - p[i].0, dy = p[j].1 - p[i].1
                    let r3 = pow(dx * dx + dy * dy, 1.5)
                    a.0 += g * m[j] * dx / r3
                    a.1 += g * m[j] * dy / r3
                }
                return a
            }
        }
        var paths = [[(Double, Double)]](repeating: [], count: n)
        for _ in 0..<frames {
            for k in 0..<n { paths[k].append(p[k]) }
            for _ in 0..<200 {
                var acc = accelerations()
                for k in 0..<n {
                    v[k].0 += 0.5 * h * acc[k].0; v[k].1 += 0.5 * h * acc[k].1
                    p[k].0 += h * v[k].0; p[k].1 += h * v[k].1
                }
                acc = accelerations()
                for k in 0..<n { v[k].0 += 0.5 * h * acc[k].0; v[k].1 += 0.5 * h * acc[k].1 }
            }
        }
        return paths
    }

    /// 64×64 frames of the two bodies: 4×4-supersampled discs (radii 2.5 and 2 px) on a sky of
    /// 12, or Gaussian point sources (σ 1.3 and 1.1 px) with σ = `noise` sensor noise.
    static func frames(gaussian: Bool, noise: Double, count: Int = 200) -> [[UInt8]] {
        let paths = pair(frames: count)
        return NeuralLevelTests.paint((0..<count).map { f in
            [NeuralLevelTests.Blob(centre: paths[0][f], radius: 2.5, disc: 220, sigma: 1.3, psf: 220),
             NeuralLevelTests.Blob(centre: paths[1][f], radius: 2.0, disc: 170, sigma: 1.1, psf: 170)]
        }, gaussian: gaussian, noise: noise, seed: 7)
    }

    /// Three bodies of masses 1, 0.25 and 0.08 (G·(1 + 0.25) = 40 px³/frame²), the second at
    /// 9 px from the first, the third at 21 px, all pulling on each other; barycentre at rest
    /// at (32.3, 31.6). Leapfrog with 200 steps per frame, pixels and frames (image axes).
    static func three(frames: Int) -> [[(Double, Double)]] {
        let m = [1.0, 0.25, 0.08], g = 40.0 / 1.25
        var p = [(0.0, 0.0), (9.0, 0.0), (0.0, -21.0)]
        var v = [(0.0, 0.0), (0.0, (g * 1.25 / 9).squareRoot()), ((g * 1.33 / 21).squareRoot(), 0.0)]
        // the barycentre at rest at the frame's point
        let total = m.reduce(0, +)
        let (px, py) = (zip(m, p).map { $0 * $1.0 }.reduce(0, +) / total, zip(m, p).map { $0 * $1.1 }.reduce(0, +) / total)
        let (vx, vy) = (zip(m, v).map { $0 * $1.0 }.reduce(0, +) / total, zip(m, v).map { $0 * $1.1 }.reduce(0, +) / total)
        p = p.map { (32.3 + $0.0 - px, 31.6 + $0.1 - py) }
        v = v.map { ($0.0 - vx, $0.1 - vy) }
        return leapfrog(masses: m, g: g, positions: p, velocities: v, frames: frames)
    }

    /// Each sender has its own coupling (one readout block per sender): three bodies of
    /// different masses code shorter than in version 6 and than the learned level, clean and
    /// at σ = 2.
    @Test(arguments: [(false, 0.0), (true, 2.0)])
    func threeBodiesOfDifferentMassesCodeShorter(gaussian: Bool, noise: Double) throws {
        let g = Geometry(width: 64, height: 64, channels: 1)
        let paths = Self.three(frames: 200)
        let frames = NeuralLevelTests.paint((0..<200).map { f in
            [NeuralLevelTests.Blob(centre: paths[0][f], radius: 2.5, disc: 220, sigma: 1.3, psf: 220),
             NeuralLevelTests.Blob(centre: paths[1][f], radius: 2.0, disc: 180, sigma: 1.1, psf: 180),
             NeuralLevelTests.Blob(centre: paths[2][f], radius: 1.8, disc: 150, sigma: 1.0, psf: 150)]
        }, gaussian: gaussian, noise: noise, seed: 9)
        let (file, v7) = try encodeStream(frames, geometry: g, model: .neural, version: 7)
        var reader = try StreamReader(path: file)
        for (k, f) in frames.enumerated() {
            let same = try reader.next() == f
            #expect(same, "frame \(k) differs")
            if !same { break }
        }
        let v6 = try encodeStream(frames, geometry: g, model: .neural, version: 6).1.count
        let learned = try encodeStream(frames, geometry: g, model: .learned).1.count
        let motion = try encodeStream(frames, geometry: g, model: .motion).1.count
        print("three bodies, \(gaussian ? "Gaussian σ=\(noise)" : "supersampled discs"): motion \(motion), learned \(learned), neural v6 \(v6), v7 \(v7.count) bytes")
        // (clean: 1,012 bytes against version 6's 1,210 and the learned level's 1,647 when written)
        #expect(Double(v7.count) < (noise == 0 ? 0.9 : 1) * Double(v6), "\(v6) -> \(v7.count)")
        #expect(v7.count < learned && v7.count < motion, "motion \(motion), learned \(learned), neural \(v7.count)")
    }

    /// With one moving object (the codec tests' eccentric orbit about a static star) the pair
    /// network learns nothing and version 7 writes version 6's bytes but for the header's
    /// version and checksum.
    @Test func oneMovingObjectCodesAsInVersion6() throws {
        let g = Geometry(width: 64, height: 64, channels: 1)
        let frames = NeuralLevelTests.frames(gaussian: false, noise: 0, path: NeuralLevelTests.orbit(frames: 120))
        let v6 = try encodeStream(frames, geometry: g, model: .neural, version: 6).1
        let v7 = try encodeStream(frames, geometry: g, model: .neural, version: 7).1
        #expect(v6.count == v7.count)
        let differing = zip(v6, v7).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.allSatisfy { $0 < 32 }, "bytes differ at \(differing.prefix(8))")
    }

    @Test(arguments: [(false, 0.0), (true, 2.0)])
    func thePairNetworkShortensTwoBodiesThatActOnEachOther(gaussian: Bool, noise: Double) throws {
        let g = Geometry(width: 64, height: 64, channels: 1)
        let frames = Self.frames(gaussian: gaussian, noise: noise)
        let (file, v7) = try encodeStream(frames, geometry: g, model: .neural, version: 7)
        var reader = try StreamReader(path: file)
        for (k, f) in frames.enumerated() {
            let same = try reader.next() == f
            #expect(same, "frame \(k) differs")
            if !same { break }
        }
        let v6 = try encodeStream(frames, geometry: g, model: .neural, version: 6).1.count
        let motion = try encodeStream(frames, geometry: g, model: .motion).1.count
        print("two bodies, \(gaussian ? "Gaussian σ=\(noise)" : "supersampled discs"): motion \(motion), neural v6 \(v6), v7 \(v7.count) bytes")
        if noise == 0 {
            #expect(Double(v7.count) < 0.85 * Double(v6), "\(v6) -> \(v7.count)")
            #expect(v7.count < motion, "\(motion) motion, \(v7.count) neural")
        } else {
            #expect(v7.count <= v6, "\(v6) -> \(v7.count)")
            #expect(v7.count <= motion, "\(motion) motion, \(v7.count) neural")
        }
    }
}
