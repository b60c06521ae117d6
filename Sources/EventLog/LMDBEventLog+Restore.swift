extension LMDBEventLog {
    /// Appends records copied from another log (such as an export), keeping their positions, times and hashes,
    /// all or none, and returns once they are durable.
    ///
    /// Each record must continue this log's chain: the next position, the head's hash as its previous hash, and
    /// a hash that its own fields give. Anything else is refused with `invalid_event` naming the position, and
    /// nothing is written. This is how `replay import` rebuilds a log that verifies like the original.
    /// `checkpoint`, when given, is committed in the same transaction (a replica's progress through its source).
    package func restore(_ records: [Event], checkpoint: CheckpointUpdate? = nil) async throws {
        for record in records {
            try configuration.limits.validate(NewEvent(record))
        }
        if records.isEmpty && checkpoint == nil { return }
        _ = try await withCheckedThrowingContinuation { continuation in
            let pending = LogWriter.Pending(
                events: [], checkpoint: checkpoint, restored: records, continuation: continuation)
            if !writer.submit(pending) {
                continuation.resume(throwing: EventLogError(.closed, "the event log at \(directory) is closed"))
            }
        }
    }

    /// Checks that `record` continues the chain after `head` and returns its stored bytes; runs on the writer.
    static func restoredRecord(_ record: Event, after head: LogHead) throws -> [UInt8] {
        guard record.position == head.position + 1 else {
            throw EventLogError(
                .invalidEvent, "position \(record.position) does not follow the head at \(head.position)")
        }
        guard record.previousHash == head.hash else {
            throw EventLogError(
                .invalidEvent,
                "position \(record.position): its previous hash is not the hash of position \(head.position)")
        }
        let encoded = RecordCodec.encode(
            NewEvent(record), position: record.position, recordedAt: record.recordedAt, previousHash: head.hash)
        guard encoded.hash == record.hash else {
            throw EventLogError(
                .invalidEvent, "position \(record.position): its fields do not give its hash, so it was altered")
        }
        return encoded.bytes
    }
}

extension NewEvent {
    /// The fields of a stored event that an append takes.
    package init(_ event: Event) {
        self.init(
            type: event.type, source: event.source, idempotencyKey: event.idempotencyKey, metadata: event.metadata,
            payload: event.payload
        )
    }
}

extension Event {
    /// The hash that this event's fields and previous hash give: equal to `hash` unless the record was altered.
    package func recomputedHash() -> EventHash {
        RecordCodec.encode(NewEvent(self), position: position, recordedAt: recordedAt, previousHash: previousHash).hash
    }
}
