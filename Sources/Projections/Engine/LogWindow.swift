import EventLog
import Synchronization

/// The most recent events read from the log, shared by the readers (projections, reactors) that follow it together,
/// so that each new event is read from storage and decoded into an ``Event`` once, not once per reader.
///
/// A read that starts inside the window is served from it. One that starts where the window ends extends it: one
/// reader at a time goes to the log, and the others that want the same events wait for that read and are served
/// from it. A read from before the window (a projection far behind, such as one building a new version) goes to the
/// log and leaves the window as it is. The window keeps at most `capacity` events and `byteCapacity` bytes of
/// payload; beyond either, it drops its older half (whole reads, so the newest read always stays). Readers that
/// follow the log in step ask for the same events as the read that brought them, and share its array.
package final class LogWindow<Log: EventStore>: Sendable {
    private struct State {
        /// The events as read from the log, one array a read, oldest first; `starts[i]` is the position of
        /// `chunks[i][0]`. A reader that asks for exactly one read's events gets that array itself, not a copy.
        var chunks: [[Event]] = []
        var starts: [UInt64] = []
        var count = 0
        var bytes = 0
        /// Whether a reader is reading the events after the window from the log.
        var extending = false
        var waiters: [CheckedContinuation<Void, Never>] = []

        var start: UInt64 { starts.first ?? 0 }
        var end: UInt64 { start + UInt64(count) }

        /// Up to `limit` events from `position`, which the window holds.
        func events(from position: UInt64, limit: Int) -> [Event] {
            // The last chunk that starts at or before `position`.
            var low = 0, high = starts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if starts[middle] <= position { low = middle } else { high = middle - 1 }
            }
            let offset = Int(position - starts[low])
            if offset == 0, chunks[low].count <= limit, low == chunks.count - 1 || chunks[low].count == limit {
                return chunks[low]
            }
            var events = [Event]()
            events.reserveCapacity(min(limit, Int(end - position)))
            var index = low, first = offset
            while index < chunks.count, events.count < limit {
                let chunk = chunks[index]
                events.append(contentsOf: chunk[first..<min(chunk.count, first + limit - events.count)])
                index += 1
                first = 0
            }
            return events
        }
    }

    private enum Step {
        case serve([Event])
        case bypass
        case wait
        case extend
    }

    /// The log it reads.
    package let log: Log
    /// The most events it keeps.
    package let capacity: Int
    /// The most bytes of payload it keeps.
    package let byteCapacity: Int
    private let state = Mutex(State())

    /// Shares reads of `log`, keeping up to `capacity` events and `byteCapacity` bytes of their payloads.
    package init(log: Log, capacity: Int, byteCapacity: Int = 32 << 20) {
        self.log = log
        self.capacity = max(1, capacity)
        self.byteCapacity = byteCapacity
    }

    /// Up to `limit` events from `position` on, in order: fewer when the window holds fewer, none at the head.
    package func events(from position: UInt64, limit: Int) async throws -> [Event] {
        while true {
            let step = state.withLock { state -> Step in
                if state.count > 0, position >= state.start, position < state.end {
                    return .serve(state.events(from: position, limit: limit))
                }
                if state.count > 0, position < state.start { return .bypass }
                if state.extending { return .wait }
                state.extending = true
                return .extend
            }
            switch step {
            case .serve(let events):
                return events
            case .bypass:
                return try await log.events(from: position, limit: limit)
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let waiting = state.withLock { state in
                        if state.extending { state.waiters.append(continuation) }
                        return state.extending
                    }
                    if !waiting { continuation.resume() }
                }
            case .extend:
                let result: Result<[Event], any Error>
                do { result = .success(try await log.events(from: position, limit: limit)) } catch {
                    result = .failure(error)
                }
                let waiters = state.withLock { state in
                    if case .success(let events) = result, !events.isEmpty { add(events, at: position, to: &state) }
                    state.extending = false
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume() }
                return try result.get()
            }
        }
    }

    private func add(_ events: [Event], at position: UInt64, to state: inout State) {
        let bytes = events.reduce(0) { $0 + $1.payload.count }
        if state.count == 0 || position != state.end {
            state.chunks = []
            state.starts = []
            state.count = 0
            state.bytes = 0
        }
        state.chunks.append(events)
        state.starts.append(position)
        state.count += events.count
        state.bytes += bytes
        guard state.count > capacity || state.bytes > byteCapacity else { return }
        // Drop whole reads, oldest first, until at least half the events (or all beyond capacity) are gone.
        let target = max(state.count / 2, state.count - capacity)
        var dropped = 0, chunks = 0
        while dropped < target, chunks < state.chunks.count - 1 {
            dropped += state.chunks[chunks].count
            state.bytes -= state.chunks[chunks].reduce(0) { $0 + $1.payload.count }
            chunks += 1
        }
        state.chunks.removeFirst(chunks)
        state.starts.removeFirst(chunks)
        state.count -= dropped
    }
}
