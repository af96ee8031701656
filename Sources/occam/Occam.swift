import ArgumentParser
import Codec
import Formulas
import Foundation
import Lab
import Render
import Tracking

/// The `occam` command line: parses arguments and calls the libraries, nothing more.
@main
struct Occam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "occam",
        abstract: "Discover physical laws from video by compression.",
        discussion: """
            Simulate a scenario into PNG frames, track the objects, compress the frames with a \
            ladder of models and discover the law whose stream is shortest.

            Examples:
              occam run
              occam discover frames/kepler --out runs/kepler
              occam simulate simulations/kepler.yaml --out frames/kepler
              occam video frames/kepler --format apng --out kepler.png
              occam track frames/kepler --out kepler-tracks.csv
            """,
        subcommands: [Run.self, Sweep.self, Simulate.self, Video.self, Track.self, Compress.self, Decompress.self, Discover.self, Export.self, Train.self])
}
