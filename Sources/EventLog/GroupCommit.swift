/// The rules of one group commit, as a value that does no I/O, shared by every store so that they cannot drift:
///
/// - **dedupe**: an event whose idempotency key is stored already, or taken earlier in the same group, is a
///   duplicate of that event and is not appended;
/// - **gapless positions**: each appended event takes the position after the head;
/// - **the chain**: each record's previous hash is the head's hash, and its own hash becomes the head's;
/// - **the recording time**: one time for the whole group, never before the last record's (a wall clock stepped
///   back does not make times go backwards, which `lastPosition(recordedAtOrBefore:)` and as-of rely on);
/// - **checkpoint names**: 1 to 200 bytes.
///
/// A store reads its head, the last record's time and its keys, feeds each batch through ``add(_:storedKey:)``,
/// and then writes ``appended`` and the checkpoints, all or nothing.
package struct GroupCommit {
    /// One record this group appends: the event, where it goes, and its stored bytes.
    package struct Appended {
        package let event: NewEvent
        package let position: UInt64
        package let bytes: [UInt8]
        package let previousHash: EventHash
        package let hash: EventHash

        /// The record as read back.
        package func record(recordedAt: Timestamp) -> Event {
            Event(
                position: position, recordedAt: recordedAt, type: event.type, source: event.source,
                idempotencyKey: event.idempotencyKey,
                metadata: event.metadata, payload: event.payload, previousHash: previousHash, hash: hash
            )
        }
    }

    /// The head after what this group appended so far.
    package private(set) var head: LogHead
    /// The time the group's next record is recorded at.
    package private(set) var recordedAt: Timestamp
    /// The records this group appends, in position order.
    package private(set) var appended: [Appended] = []
    /// Keys taken by this group's own records.
    private var newKeys: [String: (position: UInt64, hash: EventHash)] = [:]

    /// Starts a group after `head`, whose record was recorded at `lastRecordedAt` (`nil` for an empty log), at the
    /// wall clock's `now`.
    package init(head: LogHead, lastRecordedAt: Timestamp?, now: Timestamp) {
        self.head = head
        recordedAt = lastRecordedAt.map { max($0, now) } ?? now
    }

    /// Appends one caller's batch; returns each event's outcome. `storedKey` answers where a key is already stored
    /// (its position and hash), or `nil`.
    package mutating func add(
        _ events: [NewEvent], storedKey: (String) throws -> (position: UInt64, hash: EventHash)?
    ) rethrows -> [AppendOutcome] {
        var outcomes = [AppendOutcome]()
        outcomes.reserveCapacity(events.count)
        for event in events {
            if let key = event.idempotencyKey {
                if let original = try storedKey(key) ?? newKeys[key] {
                    outcomes.append(.duplicate(of: original.position, hash: original.hash))
                    continue
                }
            }
            let position = head.position + 1
            let encoded = RecordCodec.encode(event, position: position, recordedAt: recordedAt, previousHash: head.hash)
            appended.append(
                Appended(
                    event: event, position: position, bytes: encoded.bytes, previousHash: head.hash, hash: encoded.hash)
            )
            if let key = event.idempotencyKey { newKeys[key] = (position, encoded.hash) }
            head = LogHead(position: position, hash: encoded.hash)
            outcomes.append(.appended(position, hash: encoded.hash))
        }
        return outcomes
    }

    /// Moves the head past a record copied from another log with its own position, time and hash (a restore).
    package mutating func follow(restored record: Event) {
        head = LogHead(position: record.position, hash: record.hash)
        recordedAt = max(recordedAt, record.recordedAt)
    }

    /// Throws unless `name` can name a checkpoint: 1 to 200 bytes.
    package static func validateCheckpointName(_ name: String) throws(EventLogError) {
        let bytes = name.utf8.count
        guard bytes > 0, bytes <= 200 else {
            throw EventLogError(.invalidEvent, "a checkpoint name must have 1 to 200 bytes, not \(bytes)")
        }
    }
}
