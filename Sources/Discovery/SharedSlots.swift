import Foundation

/// One result slot per item of work spread over threads (`DispatchQueue.concurrentPerform`),
/// every read and write under one lock. Writing elements of a shared Swift array from several
/// threads is a data race even at distinct indices: a write whose buffer is not uniquely
/// referenced copies it first (copy on write), and two threads copying at once corrupt the
/// heap. The evolution's populations did that (their array was also held by the caller), and
/// `occam discover --distill` on a three-body film crashed in one run of three (SIGSEGV in
/// `Evolution.run`, session 31).
public final class SharedSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T]

    public init(_ items: [T]) { self.items = items }

    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return items.count
    }

    public subscript(index: Int) -> T {
        get {
            lock.lock(); defer { lock.unlock() }
            return items[index]
        }
        set {
            lock.lock(); defer { lock.unlock() }
            items[index] = newValue
        }
    }

    /// Every slot, once the threads are done.
    public var all: [T] {
        lock.lock(); defer { lock.unlock() }
        return items
    }
}
