import Dispatch
import Foundation
import Physics
import Render

/// Simulate a scenario file and render its runs: frames, `scene.json` and `truth.csv` per run.
public enum SimulateJob {
    public struct Options: Sendable {
        public var output: String
        public var force: Bool = false
        /// Threads that render and encode frames.
        public var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
        public var png: PNGOptions = .frames
        /// Only this run of a sweep (its own folder is `output`).
        public var sweepIndex: Int?
        public var showProgress: Bool = isatty(2) != 0
        public init(output: String) { self.output = output }
    }

    /// Where the time went, summed over threads (seconds).
    public struct Timing: Sendable {
        public var physics = 0.0
        public var raster = 0.0
        public var png = 0.0
        public var wall = 0.0
    }

    public struct Summary: Sendable {
        public var runs: [(name: String, folder: String, frames: Int)] = []
        public var totalFrames = 0
        public var totalBytes = 0
        public var timing = Timing()
    }

    public static func run(_ file: ScenarioFile, options: Options) throws -> Summary {
        var runs = file.runs
        if let index = options.sweepIndex {
            guard file.isSweep else { throw LabError("\(file.path): --index needs a sweep scenario") }
            guard index >= 0, index < runs.count else {
                throw LabError("\(file.path): --index \(index) is out of range (the sweep has \(runs.count) runs: 0…\(runs.count - 1))")
            }
            runs = [runs[index]]
        }
        let start = Date()
        let folder = try OutputFolder(destination: options.output, force: options.force)
        var summary = Summary()
        do {
            let nested = file.isSweep && options.sweepIndex == nil
            var sweepList: [[String: Any]] = []
            let totalFrames = runs.reduce(0) { $0 + $1.frameCount }
            let progress = Progress(label: "simulate", total: totalFrames, enabled: options.showProgress)
            for run in runs {
                let sub = nested ? String(format: "run-%03d", run.sweepIndex ?? 0) : ""
                let dir = nested ? "\(folder.temporary)/\(sub)" : folder.temporary
                if nested { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false) }
                let result = try simulateOne(run, scenarioPath: file.path, into: dir, options: options, progress: progress)
                summary.totalBytes += result.bytes
                summary.totalFrames += run.frameCount
                summary.timing.physics += result.timing.physics
                summary.timing.raster += result.timing.raster
                summary.timing.png += result.timing.png
                let finalDir = nested ? "\(folder.destination)/\(sub)" : folder.destination
                summary.runs.append((run.name, finalDir, run.frameCount))
                if nested {
                    sweepList.append(["index": run.sweepIndex ?? 0, "folder": sub, "values": run.sweepValues ?? [:]])
                }
            }
            progress.finish()
            if nested {
                let doc: [String: Any] = ["format": "occam-sweep", "version": 1, "scenario_file": file.path, "runs": sweepList]
                let data = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])
                try writeFile("\(folder.temporary)/sweep.json", data)
            }
            try folder.commit()
        } catch {
            folder.discard()
            throw error
        }
        summary.timing.wall = Date().timeIntervalSince(start)
        return summary
    }

    /// Thread-safe accumulator for the parallel render loop.
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var raster = 0.0, png = 0.0, bytes = 0
        var error: Error?
        func add(raster r: Double, png p: Double, bytes b: Int) {
            lock.lock(); raster += r; png += p; bytes += b; lock.unlock()
        }
        func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
        var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    }

    static func simulateOne(_ s: Scenario, scenarioPath: String, into dir: String, options: Options,
                            progress: Progress) throws -> (bytes: Int, timing: Timing) {
        var timing = Timing()
        let t0 = Date()
        let trajectory = try Simulator.run(s)
        timing.physics = Date().timeIntervalSince(t0)

        let camera = s.render.camera
        let rasteriser = Rasteriser(width: camera.width, height: camera.height, channels: s.render.channels,
                                    background: s.render.background, noiseSigma: s.render.noiseSigma,
                                    psf: s.render.psf, saturation: s.render.saturation)
        let stars = starField(s.render)
        let shared = Shared()
        let workers = max(1, min(options.workers, s.frameCount))
        let png = options.png
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var frame = w
            while frame < s.frameCount, !shared.failed {
                let r0 = Date()
                let light = sources(trajectory, frame: frame, render: s.render, frameInterval: s.frameInterval, stars: stars)
                let image = rasteriser.render(light.discs, points: light.points, seed: frameSeed(s.render.seed, frame))
                let r1 = Date()
                let path = "\(dir)/\(FrameFolder.fileName(frame))"
                do {
                    try PNGFile.write(image, to: path, options: png)
                } catch {
                    shared.fail(error)
                    return
                }
                let r2 = Date()
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                shared.add(raster: r1.timeIntervalSince(r0), png: r2.timeIntervalSince(r1), bytes: size)
                progress.advance()
                frame += workers
            }
        }
        if let error = shared.error { throw error }
        timing.raster = shared.raster
        timing.png = shared.png

        try writeFile("\(dir)/scene.json", try metadata(s, trajectory, scenarioPath: scenarioPath).encoded())
        try writeFile("\(dir)/truth.csv", truthCSV(trajectory, camera: camera))
        return (shared.bytes, timing)
    }

    static func frameSeed(_ seed: UInt64, _ frame: Int) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (UInt64(frame) &* 0xD1B5_4A32_D192_ED03))
        return g.next()
    }

    /// The light of frame `frame`: trails (older positions, dimmer and smaller), then bodies —
    /// exact discs, or point sources of their disc's flux through the PSF — then the star field,
    /// everything shifted by the frame's seeing offset. With an exposure, each body is drawn at
    /// sub-times across the open shutter (x + v·τ + a·τ²/2 about the frame's state, close enough
    /// apart that the steps do not show: ≤ 0.2 px), each with its share of the light.
    static func sources(_ t: Trajectory, frame: Int, render r: RenderSpec, frameInterval: Double,
                        stars: [PointSource]) -> (discs: [Disc], points: [PointSource]) {
        let camera = r.camera
        var discs: [Disc] = [], points: [PointSource] = []
        var shift = (u: 0.0, v: 0.0)
        if r.seeingPx > 0 {
            var g = SplitMix64(seed: frameSeed(r.seed ^ 0x5EE1_4600_0000_0000, frame))
            shift = (r.seeingPx * g.nextGaussian(), r.seeingPx * g.nextGaussian())
        }
        func place(_ p: Vector3, radius: Double, light: [Double]) {
            var (u, v) = camera.project(p)
            u += shift.u; v += shift.v
            if r.psf != nil {
                points.append(PointSource(u: u, v: v, flux: light.map { $0 * Double.pi * radius * radius }))
            } else {
                discs.append(Disc(u: u, v: v, radius: radius, intensity: light))
            }
        }
        if r.trailFrames > 0 {
            for (b, body) in t.bodies.enumerated() where body.role != "star" {
                for k in stride(from: r.trailFrames, through: 1, by: -1) where frame - k >= 0 {
                    let fade = 0.5 * (1 - Double(k) / Double(r.trailFrames + 1))
                    place(t.positions[frame - k][b], radius: max(0.6, 0.35 * body.appearance.radiusPx),
                          light: body.appearance.brightness.map { $0 * fade })
                }
            }
        }
        for (b, body) in t.bodies.enumerated() {
            let x = t.positions[frame][b], v = t.velocities[frame][b], a = t.accelerations[frame][b]
            let open = r.exposure * frameInterval
            let path = (v.x * v.x + v.y * v.y).squareRoot() * open * camera.pixelsPerUnit
            let samples = open > 0 ? min(512, max(1, Int((path / 0.2).rounded(.up)))) : 1
            for m in 0..<samples {
                let tau = samples == 1 ? 0 : ((Double(m) + 0.5) / Double(samples) - 0.5) * open
                let p = Vector3(x.x + v.x * tau + 0.5 * a.x * tau * tau, x.y + v.y * tau + 0.5 * a.y * tau * tau,
                                x.z + v.z * tau + 0.5 * a.z * tau * tau)
                place(p, radius: body.appearance.radiusPx, light: body.appearance.brightness.map { $0 / Double(samples) })
            }
        }
        for s in stars { points.append(PointSource(u: s.u + shift.u, v: s.v + shift.v, flux: s.flux)) }
        return (discs, points)
    }

    /// The static star field of `r` (image coordinates), or none.
    static func starField(_ r: RenderSpec) -> [PointSource] {
        guard let f = r.stars else { return [] }
        var g = SplitMix64(seed: f.seed)
        let lo = log(f.fluxRange[0]), hi = log(f.fluxRange[1])
        return (0..<f.count).map { _ in
            let u = g.nextUnit() * Double(r.camera.width), v = g.nextUnit() * Double(r.camera.height)
            let flux = exp(lo + (hi - lo) * g.nextUnit())
            return PointSource(u: u, v: v, flux: [Double](repeating: flux, count: r.channels))
        }
    }

    static func metadata(_ s: Scenario, _ t: Trajectory, scenarioPath: String) throws -> SceneMetadata {
        let units = SceneMetadata.Units(length: s.units.length, time: s.units.time, mass: s.units.mass, charge: s.units.charge)
        var G: Double? = nil
        var fields: SceneMetadata.Fields? = nil
        switch s.system {
        case let .gravity(_, _, g): G = g
        case let .charged(_, E, B): fields = .init(E: [E.x, E.y, E.z], B: [B.x, B.y, B.z])
        case let .interacting(kind, _, g, _, E, B):
            if kind == "gravity" { G = g } else { fields = .init(E: [E.x, E.y, E.z], B: [B.x, B.y, B.z]) }
        }
        let bodies = t.bodies.map {
            SceneMetadata.Body(name: $0.name, role: $0.role, mass: $0.mass, charge: $0.charge,
                               radiusPx: $0.appearance.radiusPx, brightness: $0.appearance.brightness)
        }
        var m = SceneMetadata(
            name: s.name, kind: s.kind, units: units, G: G, frameCount: s.frameCount, frameInterval: s.frameInterval,
            image: .init(width: s.render.camera.width, height: s.render.camera.height, channels: s.render.channels),
            calibration: .init(camera: s.render.camera), bodies: bodies, fields: fields,
            render: .init(background: s.render.background, noiseSigma: s.render.noiseSigma, seed: s.render.seed,
                          trailFrames: s.render.trailFrames, psf: s.render.psf,
                          saturation: s.render.saturation < 255 ? s.render.saturation : nil,
                          exposure: s.render.exposure > 0 ? s.render.exposure : nil,
                          seeingPx: s.render.seeingPx > 0 ? s.render.seeingPx : nil, stars: s.render.stars.map {
                              .init(count: $0.count, seed: $0.seed, flux: $0.fluxRange) }),
            integrator: t.integrator, substepsPerFrame: t.substeps)
        if case let .interacting(_, _, _, coulomb, _, _) = s.system, coulomb > 0 { m.coulombConstant = coulomb }
        m.sweepIndex = s.sweepIndex
        m.sweepValues = s.sweepValues
        m.scenarioFile = (scenarioPath as NSString).lastPathComponent
        return m
    }

    /// `truth.csv`: the true state of every body at every frame, for validation only.
    static func truthCSV(_ t: Trajectory, camera: Camera) -> Data {
        var out = "frame,time,body,x,y,z,vx,vy,vz,ax,ay,az,u_px,v_px\n"
        out.reserveCapacity(t.times.count * t.bodies.count * 200)
        for k in 0..<t.times.count {
            for (b, body) in t.bodies.enumerated() {
                let x = t.positions[k][b], v = t.velocities[k][b], a = t.accelerations[k][b]
                let (u, pv) = camera.project(x)
                out += "\(k),\(t.times[k]),\(body.name),\(x.x),\(x.y),\(x.z),\(v.x),\(v.y),\(v.z),\(a.x),\(a.y),\(a.z),\(u),\(pv)\n"
            }
        }
        return Data(out.utf8)
    }
}
