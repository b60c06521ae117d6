import EventLog

/// The log as it was right after `end`: reads stop there and nothing new ever arrives. Projections built
/// from it show the state as of that point of history.
public struct LogPrefix<Base: EventStore>: EventStore {
    let base: Base
    /// The last position included.
    public let end: UInt64

    /// The first `end` positions of `base`.
    public init(_ base: Base, end: UInt64) {
        self.base = base
        self.end = end
    }

    public func append(_ events: [NewEvent], checkpoint: CheckpointUpdate?) async throws -> [AppendOutcome] {
        throw EventLogError(.invalidEvent, "a prefix of the log is read-only")
    }

    public func event(at position: UInt64) async throws -> Event? {
        position <= end ? try await base.event(at: position) : nil
    }

    public func events(from position: UInt64, limit: Int) async throws -> [Event] {
        guard position <= end else { return [] }
        return try await base.events(from: position, limit: Int(min(UInt64(limit), end - position + 1))).filter { $0.position <= end }
    }

    public func head() async throws -> LogHead {
        let head = try await base.head()
        guard head.position > end else { return head }
        guard end > 0, let last = try await base.event(at: end) else { return .empty }
        return LogHead(position: end, hash: last.hash)
    }

    /// Never yields: the prefix has no future. Ends when the waiting task is cancelled.
    public func subscribe(from position: UInt64) -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { _ in }
    }

    public func checkpoint(named name: String) async throws -> UInt64? {
        try await base.checkpoint(named: name)
    }
}
