import Dispatch
import Formulas
import Foundation

/// Several codings of the same frames (ladder levels, candidate laws), coded in memory on all
/// cores from one reading of the frames. This is what a job needs to *compare* streams — each
/// coding's exact size and per-frame bits — and it keeps every finished stream's bytes so the
/// chosen one can be written without coding it again.
///
/// Each coding is an ordinary `StreamWriter` (its bytes are exactly those `occam compress`
/// writes); codings share nothing, so the threads they run on change no bit.
///
/// A request may take part in a *race* (`rank`): it is abandoned as soon as it provably cannot
/// be the shortest, or within a near-tie of it — when its size so far
/// (`StreamWriter.bytesAtLeast`) exceeds the finished size of a request of the same or a better
/// rank by more than 0.1 % + 64 bytes. The most promising requests (fewest bits over the first
/// block) run first, so the bound comes early. Exact: an abandoned request's finished stream
/// would have been longer than one that finished, by more than that margin.
public enum Codings {
    /// What to code: a level, the law for levels that carry one, for requests that race, their
    /// rank (lower is better; a request is only beaten by one of its rank or lower), and where
    /// the neural level's network starts.
    public struct Request: Sendable {
        public var model: ModelKind
        public var law: Law?
        public var rank: Int?
        public var start: NeuralStart
        public init(model: ModelKind, law: Law? = nil, rank: Int? = nil, start: NeuralStart = .default) {
            self.model = model
            self.law = law
            self.rank = rank
            self.start = start
        }
    }

    /// One coding, finished or abandoned.
    public struct Coded: Sendable {
        public var request: Request
        /// The whole stream (header, scene, law, frames, index, trailer); empty if abandoned.
        public var stream: [UInt8]
        /// Bits of each frame coded (all of them, unless abandoned).
        public var frameBits: [Double]
        public var sceneBits: Double
        /// The predictor's constants when the coding ended, and their 1σ.
        public var lawConstants: [String: Double]
        public var lawUncertainties: [String: Double]
        /// The neural level's learned field when the coding ended (nil for other levels).
        public var neuralField: NeuralField? = nil
        /// The neural level's pair network when the coding ended (stream version 7, two or more
        /// moving objects; nil otherwise).
        public var pairMessages: PairMessages? = nil
        /// Time spent in this coding's coder, seconds.
        public var codingSeconds: Double
        /// False when the coding was abandoned (it could not be the shortest of its race).
        public var finished: Bool
        /// The stream's size: exact when finished, else the size it would at least have had.
        public var bytes: Int
    }

    /// One writer per request, each behind a reference so a thread can own one.
    final class Slot: @unchecked Sendable {
        var writer: StreamWriter
        var seconds = 0.0
        var abandoned = false
        var finished = false
        init(_ writer: StreamWriter) { self.writer = writer }
    }

    /// The finished sizes of racing requests, per rank, shared by the threads.
    final class Bound: @unchecked Sendable {
        let lock = NSLock()
        var best: [Int: Int] = [:]
        func record(rank: Int, bytes: Int) {
            lock.lock(); defer { lock.unlock() }
            best[rank] = min(best[rank] ?? .max, bytes)
        }
        /// The smallest finished size among ranks at or below `rank`, plus 0.1 % and 64 bytes:
        /// a near-tie must finish, because the choice among laws treats streams that differ by
        /// their coding noise as equivalent (Choice.StreamChoice).
        func bound(rank: Int) -> Int {
            lock.lock(); defer { lock.unlock() }
            guard let least = best.filter({ $0.key <= rank }).values.min() else { return .max }
            return least + least / 1000 + 64
        }
    }

    /// Code every request over `frameCount` frames; `frame(k)` gives frame k's pixels (it is
    /// called from several threads). Results come in the order requested.
    public static func code(geometry: Geometry, frameCount: Int, scene: Data, requests: [Request],
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            frame: @Sendable (Int) throws -> [UInt8],
                            progress: @Sendable (Int) -> Void = { _ in }) throws -> [Coded] {
        let slots = try requests.map { r in
            Slot(try StreamWriter(geometry: geometry, frameCount: frameCount, model: r.model, scene: scene, law: r.law, start: r.start))
        }
        let bound = Bound()
        let firstBlock = min(frameCount, StreamFormat.blockSize)
        final class Failure: @unchecked Sendable {
            let lock = NSLock()
            var error: Error?
            func set(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
        }
        let failure = Failure()
        let workers = max(1, min(threads, slots.count))

        // Code `slot` over frames start..<end (stopping early if it loses its race).
        @Sendable func run(_ k: Int, from start: Int, to end: Int) {
            let slot = slots[k], rank = requests[k].rank
            let t0 = DispatchTime.now().uptimeNanoseconds
            defer { slot.seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
            var f = start
            do {
                while f < end {
                    if let rank, slot.writer.bytesAtLeast > bound.bound(rank: rank) { slot.abandoned = true; return }
                    let stop = min(end, (f / StreamFormat.blockSize + 1) * StreamFormat.blockSize)
                    for j in f..<stop { try slot.writer.append(try frame(j)) }
                    f = stop
                }
                // (a stream shorter than the first block is finished there, once)
                if end == frameCount && !slot.finished {
                    _ = try slot.writer.finish()
                    slot.finished = true
                    if let rank { bound.record(rank: rank, bytes: slot.writer.bytes.count) }
                }
            } catch { failure.set(error) }
        }

        // The first block for everyone (it also orders the race), then each request to the end,
        // racing ones in order of their bits so far, the others after them.
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < slots.count { run(k, from: 0, to: firstBlock); k += workers }
        }
        if let e = failure.error { throw e }
        progress(firstBlock)
        let racing = slots.indices.filter { requests[$0].rank != nil }
            .sorted { (requests[$0].rank ?? 0, slots[$0].writer.bytesAtLeast, $0) < (requests[$1].rank ?? 0, slots[$1].writer.bytesAtLeast, $1) }
        let order = racing + slots.indices.filter { requests[$0].rank == nil }
        final class Queue: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var done = 0
        }
        let queue = Queue()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                queue.lock.lock()
                let i = queue.next
                queue.next += 1
                queue.lock.unlock()
                guard i < order.count else { return }
                run(order[i], from: firstBlock, to: frameCount)
                queue.lock.lock()
                queue.done += 1
                let done = queue.done
                queue.lock.unlock()
                progress(firstBlock + (frameCount - firstBlock) * done / order.count)
            }
        }
        if let e = failure.error { throw e }
        return zip(requests, slots).map { request, slot in
            let finished = !slot.abandoned
            return Coded(request: request, stream: finished ? slot.writer.bytes : [], frameBits: slot.writer.frameBits,
                         sceneBits: slot.writer.sceneBits, lawConstants: slot.writer.lawConstants,
                         lawUncertainties: slot.writer.lawUncertainties, neuralField: slot.writer.neuralField,
                         pairMessages: slot.writer.pairMessages, codingSeconds: slot.seconds, finished: finished,
                         bytes: finished ? slot.writer.bytes.count : slot.writer.bytesAtLeast)
        }
    }
}
