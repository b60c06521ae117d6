/// The log as it was right after `end`: reads stop there and nothing new ever arrives. Projections built
/// from it show the state as of that point of history.
package struct LogPrefix<Base: EventStore>: EventStore {
    let base: Base
    /// The last position included.
    package let end: UInt64

    /// The first `end` positions of `base`.
    package init(_ base: Base, end: UInt64) {
        self.base = base
        self.end = end
    }

    package func append(_ events: [NewEvent], checkpoint: CheckpointUpdate?) async throws -> [AppendOutcome] {
        throw EventLogError(.invalidEvent, "a prefix of the log is read-only")
    }

    package func event(at position: UInt64) async throws -> Event? {
        position <= end ? try await base.event(at: position) : nil
    }

    package func events(from position: UInt64, limit: Int) async throws -> [Event] {
        guard position <= end else { return [] }
        return try await base.events(from: position, limit: Int(min(UInt64(limit), end - position + 1))).filter {
            $0.position <= end
        }
    }

    package func head() async throws -> LogHead {
        let head = try await base.head()
        guard head.position > end else { return head }
        guard end > 0, let last = try await base.event(at: end) else { return .empty }
        return LogHead(position: end, hash: last.hash)
    }

    /// Never yields: the prefix has no future. Ends when the waiting task is cancelled.
    package func subscribe(from position: UInt64) -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { _ in }
    }

    package func checkpoint(named name: String) async throws -> UInt64? {
        try await base.checkpoint(named: name)
    }

    /// Never: a prefix is read-only.
    package var isWritable: Bool { false }

    package func storageUsage() async throws -> StorageUsage { try await base.storageUsage() }

    /// Leaves the base open: it belongs to whoever made the prefix.
    package func close() async {}
}
