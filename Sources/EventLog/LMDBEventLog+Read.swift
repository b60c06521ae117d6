extension LMDBEventLog {
    /// The event at `position`, or `nil` when there is none.
    package func event(at position: UInt64) throws -> Event? {
        try guardOpen {
            try env.read { txn in
                try events.withValue(for: position, in: txn) { try RecordCodec.decode($0) }
            }
        }
    }

    /// Up to `limit` events from `position` on, in order.
    package func events(from position: UInt64, limit: Int) throws -> [Event] {
        guard limit > 0 else { return [] }
        return try guardOpen {
            try env.read { txn in
                var result = [Event]()
                try events.scan(from: position, in: txn) { _, value in
                    result.append(try RecordCodec.decode(value))
                    return result.count < limit
                }
                return result
            }
        }
    }

    /// The last record's position and hash, as stored (appends by other processes included).
    package func head() throws -> LogHead {
        try guardOpen { try env.read { txn in try Self.headOf(events: events, in: txn) } }
    }

    /// The position stored for the checkpoint `name`, or `nil`.
    package func checkpoint(named name: String) throws -> UInt64? {
        try guardOpen {
            try env.read { txn in
                try meta.withValue(for: Self.checkpointKey(name), in: txn) { try UInt64(storedBytes: $0) }
            }
        }
    }

    /// The position of the event appended with idempotency key `key`, or `nil`.
    package func position(forKey key: String) throws -> UInt64? {
        try guardOpen { try env.read { txn in try keys.get(key, in: txn) } }
    }
}
