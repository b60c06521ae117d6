/// The event log's public interface: append, read, subscribe and checkpoint.
///
/// It names no storage engine; the LMDB log implements it today and a distributed backend can later.
package protocol EventStore: Sendable {
    /// The sequence returned by ``subscribe(from:)``.
    associatedtype Subscription: AsyncSequence<Event, any Error> & Sendable

    /// Appends `events` durably, all or none, and commits `checkpoint` in the same transaction.
    ///
    /// Returns when the events are on disk; events whose idempotency key is taken come back as
    /// ``AppendOutcome/duplicate(of:)`` and are not appended.
    func append(_ events: [NewEvent], checkpoint: CheckpointUpdate?) async throws -> [AppendOutcome]

    /// The event at `position`, or `nil`.
    func event(at position: UInt64) async throws -> Event?

    /// Up to `limit` events from `position` on, in order.
    func events(from position: UInt64, limit: Int) async throws -> [Event]

    /// The last record's position and hash.
    func head() async throws -> LogHead

    /// Every event from `position` on: first those already stored, then each new one as it commits.
    func subscribe(from position: UInt64) -> Subscription
    /// Waits until the log holds an event after `position`, without reading it: for readers that read in batches
    /// of their own and only need to know when there is more. Returns `false` when the log closed or the task was
    /// cancelled first.
    func waitForEvents(after position: UInt64) async throws -> Bool

    /// The position stored for the checkpoint `name`, or `nil`.
    func checkpoint(named name: String) async throws -> UInt64?

    /// Whether the store takes appends: open, and its last write (if any failed) has succeeded since.
    var isWritable: Bool { get }
    /// How much room the store's storage uses and has.
    func storageUsage() async throws -> StorageUsage
    /// Stops taking appends, stores those already queued, and releases the storage. Reads after it fail.
    func close() async
}

extension EventStore {
    /// Waits by reading the next event through ``subscribe(from:)``: correct for any store; a store that can
    /// watch its head without reading does better.
    package func waitForEvents(after position: UInt64) async throws -> Bool {
        var iterator = subscribe(from: position + 1).makeAsyncIterator()
        return try await iterator.next() != nil
    }

    /// Appends `events` durably, all or none.
    package func append(_ events: [NewEvent]) async throws -> [AppendOutcome] {
        try await append(events, checkpoint: nil)
    }

    /// The last position recorded at or before `time` (0 when none was): a binary search, since recording times never
    /// go backwards.
    package func lastPosition(recordedAtOrBefore time: Timestamp) async throws -> UInt64 {
        var low: UInt64 = 0
        var high = try await head().position
        while low < high {
            let middle = low + (high - low + 1) / 2
            if let event = try await event(at: middle), event.recordedAt <= time {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return low
    }

    /// Appends one event durably.
    package func append(_ event: NewEvent) async throws -> AppendOutcome {
        try await append([event], checkpoint: nil)[0]
    }
}
