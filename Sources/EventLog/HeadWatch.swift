import Synchronization

/// Lets readers wait until the log's head reaches a position.
///
/// The writer calls ``advance(to:)`` after each commit; ``wait(forPosition:)`` returns once the head is at or
/// past the position, when the log closes, or when the waiting task is cancelled.
final class HeadWatch: Sendable {
    private struct Waiter {
        let position: UInt64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var head: UInt64
        var closed = false
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
        var cancelled: Set<Int> = []
    }

    private let state: Mutex<State>

    init(head: UInt64) {
        state = Mutex(State(head: head))
    }

    var head: UInt64 { state.withLock { $0.head } }
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Records a new head and wakes the waiters it satisfies.
    func advance(to head: UInt64) {
        let ready = state.withLock { state -> [Waiter] in
            guard head > state.head else { return [] }
            state.head = head
            let ready = state.waiters.filter { $0.value.position <= head }
            for id in ready.keys { state.waiters[id] = nil }
            return Array(ready.values)
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Wakes every waiter for good.
    func close() {
        let all = state.withLock { state -> [Waiter] in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in all { waiter.continuation.resume() }
    }

    /// Waits until the head is at least `position`; returns `false` if the log closed or the task was cancelled first.
    func wait(forPosition position: UInt64) async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.head >= position || state.closed || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = Waiter(position: position, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume()
        }
        return state.withLock { state in
            state.cancelled.remove(id)
            return state.head >= position
        }
    }
}
