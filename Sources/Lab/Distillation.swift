import Choice
import Codec
import Discovery
import Formulas
import Foundation
import Render

/// The law a trained network holds, distilled Cranmer-style: the neural level's network
/// (`Codec.NeuralField`, learned while coding the frames) is asked for the acceleration at the
/// states it learned from, and symbolic regression searches a law for *those* accelerations —
/// the network's implicit law — in the same units and with the same search as the explicit
/// law found from the tracked accelerations.
///
/// Both are then compared where the video says nothing: at the observed states with positions
/// moved towards and away from the reference body (×0.7 and ×1.4, velocities kept). A network
/// that learned only the filmed orbits extrapolates badly there; a distilled law that is the
/// explicit one agrees with it there too.
///
/// The network's positions are measured from the codec's reference body (the brightest static
/// object, else the frame centre), the explicit law's from the tracker's origin; with a star
/// in the frame both are the star.
public struct Distillation: Sendable {
    /// The search over the network's accelerations (`chosen[0]` ax, `chosen[1]` ay).
    public var search: DiscoverJob.Outcome
    /// The distilled law: among the laws proposed from the search (`Proposals`, isotropic
    /// variants included) that fit the network's answers (`StreamChoice.fitting`), the shortest
    /// description, then fewest constants — the network, like one filmed orbit, cannot tell such
    /// laws apart, so the simplest is named (as the stream choice does among equivalent laws).
    public var law: LawCandidate
    /// States the network was asked at.
    public var states: Int
    /// RMS of (distilled law − network) over RMS of the network's accelerations, at those states.
    public var fitToNetwork: Double
    /// RMS of (network − measured) over RMS of measured: how well the network learned the frames.
    public var networkToMeasured: Double
    /// Off the filmed orbits: per position scale, RMS of (network − explicit law) and of
    /// (distilled − explicit law), each over RMS of the explicit law there.
    public var offOrbit: [(scale: Double, network: Double, distilled: Double)]

    /// One line per finding, for the terminal and the report.
    public var summary: [String] {
        let names = FrameDiscoverJob.variables
        var lines = ["distilled from the network's accelerations at \(states) states it learned from (the network fits the measured ones to \(percent(networkToMeasured))):",
                     "  ax = \(law.ax.formula.sympyString(names: names))",
                     "  ay = \(law.ay.formula.sympyString(names: names))",
                     "  the distilled law reproduces the network to \(percent(fitToNetwork))"]
        for o in offOrbit {
            lines.append(String(format: "  off the filmed orbits (positions ×%.1f): network vs chosen law %@, distilled vs chosen law %@",
                                o.scale, percent(o.network), percent(o.distilled)))
        }
        return lines
    }

    /// distilled.json: the law, its fits, and the comparison off the orbits.
    func json() throws -> Data {
        struct Off: Encodable { var position_scale: Double; var network_vs_chosen: Double?; var distilled_vs_chosen: Double? }
        struct Document: Encodable {
            var format = "occam-distilled"
            var version = 1
            var note = "a law searched for the neural level's network's accelerations at the states it learned from (pixels and frames "
                + "converted to the stream's calibration); relative RMS differences; off-orbit: positions scaled about the reference body"
            var ax: String, ay: String, states: Int
            var network_vs_measured: Double?, distilled_vs_network: Double?
            var off_orbit: [Off]
        }
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let names = FrameDiscoverJob.variables
        let d = Document(ax: law.ax.formula.sympyString(names: names), ay: law.ay.formula.sympyString(names: names),
                         states: states, network_vs_measured: finite(networkToMeasured), distilled_vs_network: finite(fitToNetwork),
                         off_orbit: offOrbit.map { Off(position_scale: $0.scale, network_vs_chosen: finite($0.network), distilled_vs_chosen: finite($0.distilled)) })
        return try EquationsDocument.encoder.encode(d)
    }

    /// A relative difference for a reader: two digits below 10 %, whole percents above, "over
    /// 1000 %" past that (shared with `PairDistillation`).
    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "—" }
        if x >= 10 { return "over 1000 %" }
        return 100 * x < 10 ? String(format: "%.2g %%", 100 * x) : String(format: "%.0f %%", 100 * x)
    }

    func percent(_ x: Double) -> String { Self.percent(x) }

    /// Distil `field` (pixels, frames) into a law in the units of `calibration`; `explicit` is
    /// the chosen law with its constants held, for the comparison off the orbits.
    static func run(field: NeuralField, pxPerUnit s: Double, dt: Double, startTime: Double, explicit: Law?,
                    maxRows: Int, options: SearchOptions, source: String) throws -> Distillation? {
        guard field.trained, field.states.count >= 12 else { return nil }
        let step = max(1, Int((Double(field.states.count) / Double(maxRows)).rounded(.up)))
        let picked = Swift.stride(from: 0, to: field.states.count, by: step).map { field.states[$0] }
        // physical states: t, x, y, vx, vy, r
        func physical(_ p: [Double], scale: Double = 1) -> [Double] {
            let x = p[1] * scale / s, y = p[2] * scale / s
            return [startTime + p[0] * dt, x, y, p[3] / (s * dt), p[4] / (s * dt), (x * x + y * y).squareRoot()]
        }
        func network(_ p: [Double], scale: Double = 1) -> (Double, Double)? {
            field.acceleration(x: p[1] * scale, y: p[2] * scale, vx: p[3], vy: p[4]).map { ($0.ax / (s * dt * dt), $0.ay / (s * dt * dt)) }
        }
        // The network against what it learned from (all its states): how well it knows the field.
        var net: ([Double], [Double]) = ([], []), measured: ([Double], [Double]) = ([], [])
        for (p, m) in zip(field.states, field.measured) {
            guard let a = network(p) else { continue }
            net.0.append(a.0); net.1.append(a.1)
            measured.0.append(m[0] / (s * dt * dt)); measured.1.append(m[1] / (s * dt * dt))
        }
        func rms(_ v: [Double]) -> Double { (v.reduce(0) { $0 + $1 * $1 } / Double(max(1, v.count))).squareRoot() }
        func relative(_ a: ([Double], [Double]), _ b: ([Double], [Double])) -> Double {
            let d = zip(a.0, b.0).map { $0 - $1 } + zip(a.1, b.1).map { $0 - $1 }
            return rms(d) / rms(b.0 + b.1)
        }
        // The network's answers are known only as well as the network knows the field: each is
        // given a seeded Gaussian error of the size of the network's own uncertainty, so the
        // search's description length does not pay for detail below it (without it, a
        // noiseless network output rewards terms that trace the network's own wiggles). The
        // misfit to the measured accelerations is mostly their finite-difference noise; fitted
        // with p readout weights over n samples, the network's error is about misfit·√(p/n).
        let readout = Double(field.readoutWeights), n = Double(max(1, net.0.count))
        let shrink = min(1, (readout / n).squareRoot())
        let misfit = (shrink * rms(zip(net.0, measured.0).map { $0 - $1 }), shrink * rms(zip(net.1, measured.1).map { $0 - $1 }))
        var random = SplitMix64(seed: 0xD157_111)
        var rows: [[Double]] = [], ax: [Double] = [], ay: [Double] = [], clean: ([Double], [Double]) = ([], [])
        for p in picked {
            guard let a = network(p) else { continue }
            rows.append(physical(p))
            clean.0.append(a.0); clean.1.append(a.1)
            ax.append(a.0 + misfit.0 * random.gaussian())
            ay.append(a.1 + misfit.1 * random.gaussian())
        }
        guard rows.count >= options.maxConstants + 2 else { return nil }
        let columns = (0..<6).map { c in rows.map { $0[c] } }
        let found = try DiscoverJob.search(columns: columns, names: FrameDiscoverJob.variables, targets: Law.components,
                                           values: [ax, ay], options: options, source: source)
        let searched = Proposals.Searched(
            chosen: found.chosen, fronts: found.results.map { $0.front + $0.alternatives }, shared: found.joint?.shared ?? [],
            columns: columns, targets: [ax, ay], alphabet: options.alphabet(variables: columns.count), centred: true)
        let laws = Proposals.laws(searched, limit: 10, distinct: true)
        let fits = StreamChoice.fitting(laws)
        guard let pick = laws.indices.filter({ fits[$0] }).min(by: {
            (laws[$0].descriptionBits, laws[$0].namedConstants, laws[$0].misfit) < (laws[$1].descriptionBits, laws[$1].namedConstants, laws[$1].misfit)
        }) else { return nil }
        let chosen = laws[pick]
        func distilled(_ columns: [[Double]], rows n: Int) -> ([Double], [Double]) {
            let a = chosen.law.acceleration(columns, rows: n, values: chosen.law.values)
            return (a[0], a[1])
        }
        let fit = relative(distilled(columns, rows: rows.count), clean)
        var offOrbit: [(Double, Double, Double)] = []
        if let explicit {
            for scale in [0.7, 1.4] {
                var states: [[Double]] = [], n: ([Double], [Double]) = ([], [])
                for p in picked {
                    guard let a = network(p, scale: scale) else { continue }
                    states.append(physical(p, scale: scale))
                    n.0.append(a.0); n.1.append(a.1)
                }
                let c = (0..<6).map { k in states.map { $0[k] } }
                let e = explicit.acceleration(c, rows: states.count, values: [])
                offOrbit.append((scale, relative(n, (e[0], e[1])), relative(distilled(c, rows: states.count), (e[0], e[1]))))
            }
        }
        return Distillation(search: found, law: chosen, states: rows.count, fitToNetwork: fit, networkToMeasured: relative(net, measured),
                            offOrbit: offOrbit)
    }
}

extension SplitMix64 {
    /// Standard normal by Box–Muller on `nextHalfOpenUnit` (the seeded errors given to the network's answers).
    mutating func gaussian() -> Double {
        let u = max(nextHalfOpenUnit(), 1e-300), v = nextHalfOpenUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
