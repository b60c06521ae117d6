import Synchronization

/// Lets tasks wait, without polling, until a position that only grows reaches a value: the log's head, or a
/// projection's checkpoint.
///
/// Whoever moves the position calls ``advance(to:)`` after each commit; ``wait(forPosition:)`` returns once the
/// position is at or past the one asked for, when the watch closes, or when the waiting task is cancelled.
package final class PositionWatch: Sendable {
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

    /// A watch whose position starts at `head`.
    package init(head: UInt64) {
        state = Mutex(State(head: head))
    }

    /// The position as last advanced.
    package var head: UInt64 { state.withLock { $0.head } }
    /// Whether ``close()`` was called.
    package var isClosed: Bool { state.withLock { $0.closed } }

    /// Records a new position (a lower one is ignored) and wakes the waiters it satisfies.
    package func advance(to head: UInt64) {
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
    package func close() {
        let all = state.withLock { state -> [Waiter] in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in all { waiter.continuation.resume() }
    }

    /// Waits until the position is at least `position`; returns `false` if the watch closed or the task was
    /// cancelled first.
    package func wait(forPosition position: UInt64) async -> Bool {
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

    /// Waits as ``wait(forPosition:)`` does, but at most `timeout`; returns whether the position was reached.
    package func wait(forPosition position: UInt64, timeout: Duration) async -> Bool {
        if head >= position { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(forPosition: position) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || head >= position
        }
    }
}
