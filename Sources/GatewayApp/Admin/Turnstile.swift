import Synchronization

/// Lets one caller through at a time, the others in order of arrival: for work that checks the log's state, appends,
/// and waits for a projection to apply it, which must not interleave with another such request. An actor alone would
/// not do: it takes the next call whenever the current one awaits.
final class Turnstile: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// Returns when no other caller is through, waiting behind those that came first. Call ``leave()`` after.
    func enter() async {
        await withCheckedContinuation { continuation in
            let admitted = state.withLock { state -> Bool in
                guard state.busy else {
                    state.busy = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    /// Lets the next waiting caller through, if any.
    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
