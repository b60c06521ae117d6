import Foundation
import Synchronization

/// Progress on standard error: a bar redrawn in place on a terminal, a plain line every few seconds otherwise.
final class RebuildProgress: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastLine = ContinuousClock.now
        var drawn = false
    }

    private let label: String
    private let terminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    init(_ label: String) { self.label = label }

    /// Reports `done` of `total` events.
    func report(_ done: UInt64, of total: UInt64) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard terminal || now - state.lastLine >= .seconds(5) else { return nil }
            state.lastLine = now
            state.drawn = true
            let elapsed = Self.seconds(now - state.started)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let eta = rate > 0 && total > done ? "\(Int(Double(total - done) / rate)) s" : "-"
            let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
            let counts = "\(done)/\(total) events, \(Int(rate)) events/s, ETA \(eta)"
            guard terminal else { return "\(label): \(Int(fraction * 100))% \(counts)\n" }
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            return "\r\(label) [\(bar)] \(Int(fraction * 100))% \(counts)\u{1B}[K"
        }
        if let line { standardError(line) }
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if terminal, state.withLock({ $0.drawn }) { standardError("\n") }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
