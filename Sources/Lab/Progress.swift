import Foundation

/// A progress line on stderr, drawn only when stderr is a terminal and at most 10 times a second;
/// silent in pipes and logs. Safe to call from several threads.
public final class Progress: @unchecked Sendable {
    private let label: String
    private let total: Int
    private var done = 0
    private var lastDraw = Date.distantPast
    private let start = Date()
    private let lock = NSLock()
    private let enabled: Bool

    public init(label: String, total: Int, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.total = max(1, total)
        self.enabled = enabled
    }

    public func advance(by n: Int = 1) { update { $0 + n } }

    /// Set the number of items done.
    public func set(done n: Int) { update { _ in n } }

    private func update(_ change: (Int) -> Int) {
        lock.lock()
        defer { lock.unlock() }
        done = change(done)
        guard enabled else { return }
        let now = Date()
        if now.timeIntervalSince(lastDraw) >= 0.1 || done >= total {
            lastDraw = now
            draw(now)
        }
    }

    private func draw(_ now: Date) {
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let text = String(format: "\r%@ [%@] %d/%d  %.1fs elapsed, ~%.0fs left ", label, bar, done, total, elapsed, eta)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Clear the line (terminal only).
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
