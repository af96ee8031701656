import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

/// Settings of each run's discovery, shared by occam run and occam sweep (which passes them on).
struct RunSettings: ParsableArguments {
    @OptionGroup(title: "Search")
    var search: SearchFlags

    @Flag(help: "Skip the intra and temporal ladder levels (faster).")
    var quick = false

    @Option(help: "Candidate laws to code with the compressor (default 10).")
    var candidates: Int?

    @Flag(help: "Also distil a law from the neural level's network (its accelerations at the states it learned from) and compare it with the chosen law off the filmed orbits (distilled.json).")
    var distill = false

    func apply(_ o: inout FrameDiscoverJob.Options) throws {
        o.fullLadder = !quick
        o.distill = distill
        try search.apply(&o.search)
        if let candidates {
            guard candidates >= 1 else { throw LabError("--candidates must be at least 1") }
            o.candidates = candidates
        }
    }

    /// The same settings as command-line words, for the runs a sweep starts.
    var arguments: [String] {
        var out = search.arguments
        if quick { out.append("--quick") }
        if distill { out.append("--distill") }
        if let candidates { out += ["--candidates", "\(candidates)"] }
        return out
    }
}
