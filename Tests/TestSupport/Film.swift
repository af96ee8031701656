import Foundation

/// Videos the tests draw with their own code — their own integrator and their own looks, not
/// Occam's simulator or rasteriser — so a test sees frames as another renderer would make them.
///
/// Motion: RK4 with `substeps` steps per frame interval of an acceleration a(x, y, vx, vy) in
/// physical units (y up, origin at the frame centre). Looks: discs anti-aliased by n×n
/// supersampling (`Sketch`), or Gaussian point-spread functions integrated over each pixel (the
/// error function across the pixel's edges), clipped at 255 so a bright one saturates. Sensor
/// noise: Gaussian, σ in grey levels, from a seeded generator, then rounding and clipping.
public struct Film: Sendable {
    public enum Look: Sendable, CustomStringConvertible {
        /// A disc of `radius` px with n×n sample points per pixel.
        case discs(samples: Int)
        /// A Gaussian PSF of width σ px; `peak` grey levels at the centre of the brightest pixel
        /// (before clipping).
        case psf(sigma: Double)
        public var description: String {
            switch self {
            case .discs(let n): "discs \(n)×\(n)"
            case .psf(let s): "PSF σ=\(s)px"
            }
        }
    }

    public var size = 128
    public var frames = 120
    public var pxPerUnit = 20.0
    public var dt = 0.05
    public var substeps = 20
    public var look = Look.discs(samples: 4)
    public var noise = 0.0
    public var sky = 0.0
    /// A static reference body at the origin (a star, an anchor), drawn brighter.
    public var reference = false
    public var bodyRadius = 3.0
    public var seed: UInt64 = 7
    public init() {}
    /// A camera of this look and sensor noise (σ grey levels); a noisy one sees a grey sky (20).
    public init(look: Look, noise: Double) {
        self.look = look
        self.noise = noise
        sky = noise > 0 ? 20 : 0
    }

    /// The frames (size × size grey bytes each, row 0 at the top) of one body starting at
    /// `start` = (x, y, vx, vy), and the states it passed through (one per frame).
    public func draw(start: [Double], accel: (Double, Double, Double, Double) -> (Double, Double)) -> (frames: [[UInt8]], states: [[Double]]) {
        var state = start
        var random = SeededLCG(seed: seed)
        var out: [[UInt8]] = [], states: [[Double]] = []
        func derivative(_ q: [Double]) -> [Double] {
            let (ax, ay) = accel(q[0], q[1], q[2], q[3])
            return [q[2], q[3], ax, ay]
        }
        for _ in 0..<frames {
            var pixels = [Double](repeating: sky, count: size * size)
            if reference { blob(&pixels, x: 0, y: 0, radius: 4, level: 250, peak: 400) }
            blob(&pixels, x: state[0], y: state[1], radius: bodyRadius, level: 200, peak: 180)
            out.append(pixels.map { UInt8(max(0, min(255, ($0 + noise * random.gaussian()).rounded()))) })
            states.append(state)
            let h = dt / Double(substeps)
            for _ in 0..<substeps {
                let k1 = derivative(state)
                let k2 = derivative(zip(state, k1).map { $0 + h / 2 * $1 })
                let k3 = derivative(zip(state, k2).map { $0 + h / 2 * $1 })
                let k4 = derivative(zip(state, k3).map { $0 + h * $1 })
                state = (0..<4).map { state[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
            }
        }
        return (out, states)
    }

    /// One body of a system drawn with `drawBodies`: its start (x, y, vx, vy) and its look.
    public struct Body: Sendable {
        public var start: [Double]
        public var radius: Double
        public var level: Double
        public init(start: [Double], radius: Double = 3, level: Double = 200) {
            self.start = start
            self.radius = radius
            self.level = level
        }
    }

    /// The frames of several bodies that move together under `accel` (every body's (x, y, vx, vy)
    /// → every body's acceleration), and their states per frame ([frame][body] of x, y, vx, vy).
    public func drawBodies(_ bodies: [Body], accel: ([[Double]]) -> [(Double, Double)]) -> (frames: [[UInt8]], states: [[[Double]]]) {
        var state = bodies.map(\.start)
        var random = SeededLCG(seed: seed)
        var out: [[UInt8]] = [], states: [[[Double]]] = []
        func derivative(_ q: [[Double]]) -> [[Double]] {
            zip(q, accel(q)).map { s, a in [s[2], s[3], a.0, a.1] }
        }
        func step(_ q: [[Double]], _ k: [[Double]], _ h: Double) -> [[Double]] {
            zip(q, k).map { s, d in zip(s, d).map { $0 + h * $1 } }
        }
        for _ in 0..<frames {
            var pixels = [Double](repeating: sky, count: size * size)
            if reference { blob(&pixels, x: 0, y: 0, radius: 4, level: 250, peak: 400) }
            for (b, body) in bodies.enumerated() {
                blob(&pixels, x: state[b][0], y: state[b][1], radius: body.radius, level: body.level, peak: 0.9 * body.level)
            }
            out.append(pixels.map { UInt8(max(0, min(255, ($0 + noise * random.gaussian()).rounded()))) })
            states.append(state)
            let h = dt / Double(substeps)
            for _ in 0..<substeps {
                let k1 = derivative(state)
                let k2 = derivative(step(state, k1, h / 2))
                let k3 = derivative(step(state, k2, h / 2))
                let k4 = derivative(step(state, k3, h))
                state = state.indices.map { b in (0..<4).map { state[b][$0] + h / 6 * (k1[b][$0] + 2 * k2[b][$0] + 2 * k3[b][$0] + k4[b][$0]) } }
            }
        }
        return (out, states)
    }

    /// Adds one object at (x, y) in physical units: a disc of `radius` px at `level`, or a PSF
    /// whose centre pixel would reach `peak`.
    func blob(_ pixels: inout [Double], x: Double, y: Double, radius: Double, level: Double, peak: Double) {
        let cu = Double(size) / 2 + x * pxPerUnit, cv = Double(size) / 2 - y * pxPerUnit
        switch look {
        case .discs(let n):
            for py in Sketch.span(cv, radius: radius, size: size) {
                for px in Sketch.span(cu, radius: radius, size: size) {
                    let inside = Sketch.samplesInside(x: px, y: py, cu: cu, cv: cv, radius: radius, n: n)
                    pixels[py * size + px] += level * Double(inside) / Double(n * n)
                }
            }
        case .psf(let sigma):
            // flux so that a pixel centred on the object holds `peak`
            let centre = erf(0.5 / (sigma * 2.0.squareRoot()))
            let flux = peak / (centre * centre)
            func share(_ a: Double, _ c: Double) -> Double {
                0.5 * (erf((a + 1 - c) / (sigma * 2.0.squareRoot())) - erf((a - c) / (sigma * 2.0.squareRoot())))
            }
            let reach = 5 * sigma
            for py in Sketch.span(cv, radius: reach, size: size) {
                let sy = share(Double(py), cv)
                for px in Sketch.span(cu, radius: reach, size: size) {
                    pixels[py * size + px] += flux * sy * share(Double(px), cu)
                }
            }
        }
    }
}
