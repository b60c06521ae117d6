extension LMDBEventLog {
    /// Appends `events` durably, all or none, with `checkpoint` in the same transaction.
    ///
    /// The call returns after the group commit that holds these events has been synced to disk.
    package func append(_ events: [NewEvent], checkpoint: CheckpointUpdate? = nil) async throws -> [AppendOutcome] {
        for event in events { try configuration.limits.validate(event) }
        if let checkpoint { try GroupCommit.validateCheckpointName(checkpoint.name) }
        if events.isEmpty && checkpoint == nil { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let pending = LogWriter.Pending(events: events, checkpoint: checkpoint, continuation: continuation)
            if !writer.submit(pending) {
                continuation.resume(throwing: EventLogError(.closed, "the event log at \(directory) is closed"))
            }
        }
    }

    static func checkpointKey(_ name: String) -> String { "checkpoint:" + name }

    /// Runs on the writer thread: one write transaction for the whole group, by the rules of ``GroupCommit``.
    func commit(_ group: [LogWriter.Pending]) throws -> [[AppendOutcome]] {
        let now = Timestamp.now()
        let (outcomes, head) = try env.write { txn in
            // The head is read inside the transaction, so another process's appends are chained onto too.
            let last = try Self.lastRecord(events: events, in: txn)
            var commit = GroupCommit(head: last?.head ?? .empty, lastRecordedAt: last?.recordedAt, now: now)
            var outcomes = [[AppendOutcome]]()
            outcomes.reserveCapacity(group.count)
            for pending in group {
                let start = commit.appended.count
                outcomes.append(
                    try commit.add(pending.events) { key in
                        guard let original = try keys.get(key, in: txn) else { return nil }
                        let hash = try events.withValue(for: original, in: txn) {
                            EventHash(copying: UnsafeRawBufferPointer(rebasing: $0.suffix(RecordCodec.hashSize)))
                        }
                        return (original, hash ?? .zero)
                    })
                for record in commit.appended[start...] {
                    try events.put(record.bytes, for: record.position, in: txn, mode: .append)
                    if let key = record.event.idempotencyKey { try keys.put(record.position, for: key, in: txn) }
                }
                for record in pending.restored {
                    try events.put(
                        try Self.restoredRecord(record, after: commit.head), for: record.position, in: txn,
                        mode: .append)
                    if let key = record.idempotencyKey {
                        guard try keys.put(record.position, for: key, in: txn, mode: .noOverwrite) else {
                            throw EventLogError(
                                .invalidEvent,
                                "position \(record.position) repeats the idempotency key of an earlier event")
                        }
                    }
                    commit.follow(restored: record)
                }
                if let checkpoint = pending.checkpoint {
                    try meta.put(checkpoint.position.storedBytes, for: Self.checkpointKey(checkpoint.name), in: txn)
                }
            }
            try meta.put(commit.head.position.storedBytes + commit.head.hash.bytes, for: "head", in: txn)
            return (outcomes, commit.head)
        }
        watch.advance(to: head.position)
        return outcomes
    }
}
