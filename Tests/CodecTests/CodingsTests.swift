import Foundation
import Formulas
import Testing
@testable import Codec

/// Several codings of the same frames in memory (`Codings`): each finished stream is byte for
/// byte the stream `StreamWriter` writes to a file, whatever the clip's length (shorter than one
/// block of 64 frames, or longer); a racing law that cannot be the shortest is abandoned with a
/// lower bound above the winner's size; the winner is the law that codes shortest.
@Suite struct CodingsTests {
    @Test(arguments: [20, 70])
    func finishedCodingsAreTheStreamsWrittenToAFile(frameCount: Int) throws {
        let g = Geometry(width: 48, height: 36, channels: 1)
        let frames = sketchFrames(count: frameCount, width: g.width, height: g.height, channels: 1, noise: 0, seed: 3)
        let scene = Data("{\"frame_interval\":0.05}".utf8)
        let requests = [Codings.Request(model: .temporal), Codings.Request(model: .motion), Codings.Request(model: .learned),
                        Codings.Request(model: .law, law: try Law(text: genericLaw))]
        let coded = try Codings.code(geometry: g, frameCount: frames.count, scene: scene, requests: requests, threads: 2,
                                     frame: { frames[$0] })
        for (request, c) in zip(requests, coded) {
            #expect(c.finished)
            let (_, bytes) = try encodeStream(frames, geometry: g, model: request.model, scene: scene)
            #expect(c.stream == bytes, "\(request.model.rawValue), \(frameCount) frames: \(c.stream.count) bytes, file \(bytes.count)")
            #expect(c.bytes == bytes.count && c.frameBits.count == frameCount)
            var reader = try StreamReader(bytes: c.stream)
            for f in frames { #expect(try reader.next() == f) }
        }
    }

    @Test func aRacingLawThatCannotWinIsAbandoned() throws {
        let g = Geometry(width: 48, height: 36, channels: 1)
        // the first disc of `sketchFrames` circles at ω = 0.2 per frame: a = −ω²·(position − centre)
        let frames = sketchFrames(count: 200, width: g.width, height: g.height, channels: 1, noise: 0, seed: 5)
        let laws = [try Law(text: "ax = k*x + c; ay = k*y + d"), try Law(text: "ax = exp(vy*40) - 1; ay = sin(x*30)*3")]
        let requests = laws.map { Codings.Request(model: .law, law: $0, rank: 0) }
        let coded = try Codings.code(geometry: g, frameCount: frames.count, scene: Data(), requests: requests, threads: 1,
                                     frame: { frames[$0] })
        let files = try laws.map { try encodeStream(frames, geometry: g, model: .law, law: $0.text).1.count }
        #expect(files[0] < files[1], "\(files)")
        #expect(coded[0].finished && coded[0].bytes == files[0])
        #expect(!coded[1].finished && coded[1].stream.isEmpty, "the wrong law was coded to the end")
        #expect(coded[1].bytes > coded[0].bytes && coded[1].bytes <= files[1], "lower bound \(coded[1].bytes), file \(files[1])")
    }
}
