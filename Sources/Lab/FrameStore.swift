import Dispatch
import Foundation
import Render

/// Decoded frames of a folder, for jobs that pass over them more than once (the discovery job
/// tracks and then codes the same frames): decoded once, on all cores, when they fit in
/// `budget` bytes; otherwise each pass reads them again.
enum FrameStore {
    /// 2 GiB of pixels: 600 frames of 1024×1024 RGB.
    static let budget = 2 << 30

    /// A frame of the folder with errors that name its file (every frame must match the first
    /// one's size).
    static func frame(_ folder: FrameFolder, _ k: Int, expecting size: (Int, Int, Int)? = nil) throws -> Image {
        do { return try folder.frame(k, expecting: size) } catch { throw LabError("\(error)") }
    }

    /// Every frame, or nil when they would take more than `budget` bytes.
    static func load(_ folder: FrameFolder, showProgress: Bool) throws -> [Image]? {
        let first = try frame(folder, 0)
        guard first.pixels.count * folder.count <= budget else { return nil }
        let size = (first.width, first.height, first.channels)
        final class Slots: @unchecked Sendable {
            var images: [Image?]
            /// The first frame (by number) that could not be read.
            var failure: (frame: Int, error: Error)?
            let lock = NSLock()
            init(_ n: Int) { images = Array(repeating: nil, count: n) }
        }
        let slots = Slots(folder.count)
        slots.images[0] = first
        let progress = Progress(label: "reading frames", total: folder.count, enabled: showProgress && isatty(2) != 0)
        let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, folder.count))
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var k = 1 + w
            while k < folder.count {
                do {
                    let image = try frame(folder, k, expecting: size)
                    slots.lock.lock()
                    slots.images[k] = image
                    slots.lock.unlock()
                } catch {
                    slots.lock.lock()
                    if k < slots.failure?.frame ?? .max { slots.failure = (k, error) }
                    slots.lock.unlock()
                    return
                }
                progress.advance()
                k += threads
            }
        }
        progress.finish()
        if let failure = slots.failure { throw failure.error }
        let images = slots.images.compactMap { $0 }
        guard images.count == folder.count else { throw LabError("\(folder.files[0]): frames could not all be read") }
        return images
    }
}
