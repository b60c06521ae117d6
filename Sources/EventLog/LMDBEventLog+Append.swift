extension LMDBEventLog {
    /// Appends `events` durably, all or none, with `checkpoint` in the same transaction.
    ///
    /// The call returns after the group commit that holds these events has been synced to disk.
    package func append(_ events: [NewEvent], checkpoint: CheckpointUpdate? = nil) async throws -> [AppendOutcome] {
        for event in events { try configuration.limits.validate(event) }
        if let checkpoint { try validateCheckpointName(checkpoint.name) }
        if events.isEmpty && checkpoint == nil { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let pending = LogWriter.Pending(events: events, checkpoint: checkpoint, continuation: continuation)
            if !writer.submit(pending) {
                continuation.resume(throwing: EventLogError(.closed, "the event log at \(directory) is closed"))
            }
        }
    }

    func validateCheckpointName(_ name: String) throws(EventLogError) {
        let bytes = name.utf8.count
        guard bytes > 0, bytes <= 200 else {
            throw EventLogError(.invalidEvent, "a checkpoint name must have 1 to 200 bytes, not \(bytes)")
        }
    }

    static func checkpointKey(_ name: String) -> String { "checkpoint:" + name }

    /// Runs on the writer thread: one write transaction for the whole group.
    func commit(_ group: [LogWriter.Pending]) throws -> [[AppendOutcome]] {
        let recordedAt = Timestamp.now()
        let (outcomes, head) = try env.write { txn in
            // The head is read inside the transaction, so another process's appends are chained onto too.
            var head = try Self.headOf(events: events, in: txn)
            var outcomes = [[AppendOutcome]]()
            outcomes.reserveCapacity(group.count)
            for pending in group {
                var results = [AppendOutcome]()
                results.reserveCapacity(pending.events.count)
                for event in pending.events {
                    if let key = event.idempotencyKey, let original = try keys.get(key, in: txn) {
                        let hash = try events.withValue(for: original, in: txn) {
                            EventHash(copying: UnsafeRawBufferPointer(rebasing: $0.suffix(RecordCodec.hashSize)))
                        }
                        results.append(.duplicate(of: original, hash: hash ?? .zero))
                        continue
                    }
                    let position = head.position + 1
                    let record = RecordCodec.encode(event, position: position, recordedAt: recordedAt, previousHash: head.hash)
                    try events.put(record.bytes, for: position, in: txn, mode: .append)
                    if let key = event.idempotencyKey { try keys.put(position, for: key, in: txn) }
                    head = LogHead(position: position, hash: record.hash)
                    results.append(.appended(position, hash: record.hash))
                }
                for record in pending.restored {
                    try events.put(try Self.restoredRecord(record, after: head), for: record.position, in: txn, mode: .append)
                    if let key = record.idempotencyKey {
                        guard try keys.put(record.position, for: key, in: txn, mode: .noOverwrite) else {
                            throw EventLogError(.invalidEvent, "position \(record.position) repeats the idempotency key of an earlier event")
                        }
                    }
                    head = LogHead(position: record.position, hash: record.hash)
                }
                if let checkpoint = pending.checkpoint {
                    try meta.put(checkpoint.position.storedBytes, for: Self.checkpointKey(checkpoint.name), in: txn)
                }
                outcomes.append(results)
            }
            try meta.put(head.position.storedBytes + head.hash.bytes, for: "head", in: txn)
            return (outcomes, head)
        }
        watch.advance(to: head.position)
        return outcomes
    }
}
