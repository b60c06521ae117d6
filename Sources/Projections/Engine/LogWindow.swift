import EventLog
import Synchronization

/// The most recent events read from the log, shared by the readers (projections, reactors) that follow it together,
/// so that each new event is read from storage and decoded into an ``Event`` once, not once per reader.
///
/// A read that starts inside the window is served from it. One that starts where the window ends extends it: one
/// reader at a time goes to the log, and the others that want the same events wait for that read and are served
/// from it. A read from before the window (a projection far behind, such as one building a new version) goes to the
/// log and leaves the window as it is. The window keeps at most `capacity` events and `byteCapacity` bytes of
/// payload; beyond either, it drops its older half.
public final class LogWindow<Log: EventStore>: Sendable {
    private struct State {
        /// The position of `events[0]`.
        var start: UInt64 = 0
        var events: [Event] = []
        var bytes = 0
        /// Whether a reader is reading the events after the window from the log.
        var extending = false
        var waiters: [CheckedContinuation<Void, Never>] = []

        var end: UInt64 { start + UInt64(events.count) }
    }

    private enum Step {
        case serve([Event])
        case bypass
        case wait
        case extend
    }

    /// The log it reads.
    public let log: Log
    /// The most events it keeps.
    public let capacity: Int
    /// The most bytes of payload it keeps.
    public let byteCapacity: Int
    private let state = Mutex(State())

    /// Shares reads of `log`, keeping up to `capacity` events and `byteCapacity` bytes of their payloads.
    public init(log: Log, capacity: Int, byteCapacity: Int = 32 << 20) {
        self.log = log
        self.capacity = max(1, capacity)
        self.byteCapacity = byteCapacity
    }

    /// Up to `limit` events from `position` on, in order: fewer when the window holds fewer, none at the head.
    public func events(from position: UInt64, limit: Int) async throws -> [Event] {
        while true {
            let step = state.withLock { state -> Step in
                if !state.events.isEmpty, position >= state.start, position < state.end {
                    let first = Int(position - state.start)
                    return .serve(Array(state.events[first..<min(first + limit, state.events.count)]))
                }
                if !state.events.isEmpty, position < state.start { return .bypass }
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
                do { result = .success(try await log.events(from: position, limit: limit)) } catch { result = .failure(error) }
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
        if state.events.isEmpty || position != state.end {
            state.start = position
            state.events = events
            state.bytes = bytes
        } else {
            state.events.append(contentsOf: events)
            state.bytes += bytes
        }
        guard state.events.count > capacity || state.bytes > byteCapacity else { return }
        let dropped = max(state.events.count / 2, state.events.count - capacity)
        state.bytes -= state.events[..<dropped].reduce(0) { $0 + $1.payload.count }
        state.events.removeFirst(dropped)
        state.start += UInt64(dropped)
    }
}
