import Foundation
import TestSupport

@testable import Discovery

/// Rows of `inputs` columns uniform in 1…5 and the target `law` of them, with Gaussian noise of
/// σ = `noise` × the target's RMS (as SRBench adds it): the tables the search's suites draw.
func drawnTable(_ inputs: Int, rows: Int = 100, noise: Double, seed: UInt64, _ law: ([Double]) -> Double) -> ([[Double]], [Double]) {
    var rng = SeededLCG(seed: seed)
    let x = (0..<inputs).map { _ in (0..<rows).map { _ in 1 + 4 * rng.unit() } }
    var y = (0..<rows).map { r in law(x.map { $0[r] }) }
    let rms = (y.reduce(0) { $0 + $1 * $1 } / Double(rows)).squareRoot()
    if noise > 0 { y = y.map { $0 + noise * rms * rng.gaussian() } }
    return (x, y)
}

extension SearchOptions {
    /// A short evolution (two populations of 20, 60 cycles per epoch) that keeps a test's
    /// search to seconds; the moves under test do the rest.
    static func short(epochs: Int = 4) -> SearchOptions {
        var o = SearchOptions()
        o.epochs = epochs
        o.populations = 2
        o.populationSize = 20
        o.cyclesPerEpoch = 60
        return o
    }
}
