import ArgumentParser
import Discovery
import Foundation
import Lab

/// The search settings `discover`, `run` and `sweep` share; checked by `SearchOptions.validate`.
struct SearchFlags: ParsableArguments {
    @Option(help: "Seed of the evolutionary search: the same seed gives the same result.")
    var seed: UInt64 = 1

    @Option(help: "Evolution epochs at most per search (default 60; 0: enumeration only).")
    var epochs: Int?

    @Option(help: "Largest formula size in nodes (default 20).")
    var maxSize: Int?

    @Option(help: "Formulas up to this size are enumerated exhaustively before the evolution (default: 5 for one or two inputs, 4 for three or four, 3 for more).")
    var enumerate: Int?

    @Option(help: "Threads for the search (default: all cores; the result does not depend on it).")
    var threads: Int?

    @Option(help: ArgumentHelp("Functions the search may use, comma-separated (default: sqrt,square,inv,exp,log,sin,cos; also available: neg, cube, abs, asin, acos, atan, tanh, sinh, cosh). A leading + adds to the default set.",
                               valueName: "list"))
    var functions: String?

    /// Set what was given on `options`, then check the whole.
    func apply(_ options: inout SearchOptions) throws {
        options.seed = seed
        if let epochs {
            options.epochs = epochs
            options.minEpochs = min(options.minEpochs, max(0, epochs))
        }
        if let maxSize { options.maxSize = maxSize }
        if let enumerate { options.enumerationSize = enumerate }
        if let threads { options.threads = threads }
        if let functions {
            do { options.unary = try SearchOptions.unaryOperators(functions, adding: options.unary) } catch let e as DiscoveryError {
                throw LabError("--functions: \(e.message)")
            }
        }
        do { try options.validate() } catch let e as DiscoveryError { throw LabError("--\(e.message)") }
    }

    /// The same settings as command-line words (for the runs a sweep starts).
    var arguments: [String] {
        var out = ["--seed", "\(seed)"]
        if let epochs { out += ["--epochs", "\(epochs)"] }
        if let maxSize { out += ["--max-size", "\(maxSize)"] }
        if let enumerate { out += ["--enumerate", "\(enumerate)"] }
        if let threads { out += ["--threads", "\(threads)"] }
        if let functions { out += ["--functions", functions] }
        return out
    }
}

/// The calibration of frames without a scene.json (or overriding it): `track` and `discover`.
struct CalibrationFlags: ParsableArguments {
    @Option(help: "Pixels per length unit (required without scene.json; overrides it).")
    var pxPerUnit: Double?

    @Option(help: "Frames per second; time is then in seconds (overrides scene.json).")
    var fps: Double?

    @Option(help: "Time between frames, in your time unit (instead of --fps).")
    var dt: Double?
}
