import Dispatch
import Formulas
import Foundation

/// Several codings of the same frames (ladder levels, candidate laws), coded side by side in
/// memory, on all cores: the frames are read once and handed to every coding in blocks. This is
/// what a job needs to *compare* streams — each coding's exact size and per-frame bits — and it
/// keeps every stream's bytes so the chosen one can be written without coding it again.
///
/// Each coding is an ordinary `StreamWriter` (so its bytes are exactly those `occam compress`
/// writes); codings share nothing, so coding them on different threads changes no bit.
public struct Codings {
    /// What to code: a level, and the law for levels that carry one.
    public struct Request: Sendable {
        public var model: ModelKind
        public var law: Law?
        public init(model: ModelKind, law: Law? = nil) {
            self.model = model
            self.law = law
        }
    }

    /// One finished coding.
    public struct Coded: Sendable {
        public var request: Request
        /// The whole stream (header, scene, law, frames, index, trailer).
        public var stream: [UInt8]
        public var frameBits: [Double]
        public var sceneBits: Double
        /// The predictor's constants at the end of the stream, and their 1σ.
        public var lawConstants: [String: Double]
        public var lawUncertainties: [String: Double]
        /// Time spent in this coding's coder (summed over blocks), seconds.
        public var codingSeconds: Double
        public var bytes: Int { stream.count }
    }

    /// One writer per request, each behind a reference so threads can own one each.
    final class Slot: @unchecked Sendable {
        var writer: StreamWriter
        var seconds = 0.0
        var failure: Error?
        init(_ writer: StreamWriter) { self.writer = writer }
    }

    let requests: [Request]
    let slots: [Slot]
    /// Threads to code on (at most one per coding).
    public var threads: Int

    /// Start every coding; throws what `StreamWriter` throws for a bad geometry or law.
    public init(geometry: Geometry, frameCount: Int, scene: Data, requests: [Request],
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.requests = requests
        slots = try requests.map { r in
            Slot(try StreamWriter(geometry: geometry, frameCount: frameCount, model: r.model, scene: scene, law: r.law))
        }
        self.threads = max(1, threads)
    }

    /// Code the next frames (in order) with every coding.
    public func append(_ frames: [[UInt8]]) throws {
        let slots = self.slots
        let workers = min(threads, slots.count)
        // Longest codings first would balance better, but their cost is not known ahead;
        // interleaving by index keeps each thread's share similar for similar codings.
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < slots.count {
                let slot = slots[k]
                if slot.failure == nil {
                    let start = DispatchTime.now().uptimeNanoseconds
                    do { for f in frames { try slot.writer.append(f) } } catch { slot.failure = error }
                    slot.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                }
                k += workers
            }
        }
        if let failure = slots.lazy.compactMap(\.failure).first { throw failure }
    }

    /// Finish every coding and return them in the order requested.
    public func finish() throws -> [Coded] {
        try zip(requests, slots).map { request, slot in
            _ = try slot.writer.finish()
            return Coded(request: request, stream: slot.writer.bytes, frameBits: slot.writer.frameBits,
                         sceneBits: slot.writer.sceneBits, lawConstants: slot.writer.lawConstants,
                         lawUncertainties: slot.writer.lawUncertainties, codingSeconds: slot.seconds)
        }
    }
}
