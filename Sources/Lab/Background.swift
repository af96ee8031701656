import Foundation

/// Work started on another thread now, its value (or error) collected later with `value()`.
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, Error>?

    init(_ work: @escaping @Sendable () throws -> T) {
        Thread.detachNewThread { [self] in
            result = Result { try work() }
            done.signal()
        }
    }

    /// Wait for the work to finish; its value, or the error it threw.
    func value() throws -> T {
        done.wait()
        done.signal()   // a second call returns at once
        guard let result else { preconditionFailure("signalled before the result was set") }
        return try result.get()
    }
}

/// A request to stop, set by one thread and read by others (work in `Background` checks it
/// between frames and throws `CancellationError`).
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return set }
    func stop() { lock.lock(); set = true; lock.unlock() }
}
