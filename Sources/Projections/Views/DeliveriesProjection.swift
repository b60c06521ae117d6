import EventLog

/// Webhook deliveries per source: received and rejected by reason, and one bucket per minute of the last 24
/// hours (by the time the log recorded each event), so that alerts can ask about the last few minutes.
///
/// Minute buckets form a ring keyed `<source>|<HH:MM>`: a bucket holds the minute it counts, and an event of a
/// later day at the same time of day starts it afresh. So the table stays at most 1,440 buckets a source, and a
/// rebuild gives the same state. Duplicates append nothing to the log, so they are not here: the gateway
/// counts them (`/api/deliveries` shows them since its start).
package struct DeliveriesProjection: Projection {
    package let name = "deliveries"
    package let version = 2
    package let tables = ["sources", "minutes"]

    /// Creates the projection.
    package init() {}

    /// Totals for one source.
    package struct SourceTotals: Codable, Sendable, Equatable {
        package var received = 0
        package var rejected = 0
        package var rejectedByReason: [String: Int] = [:]
    }

    /// One minute of one source.
    package struct Minute: Codable, Sendable, Equatable {
        /// The minute counted, `YYYY-MM-DDTHH:MM` in UTC.
        package var minute: String
        package var received = 0
        package var rejected = 0
    }

    package func decode(_ event: Event) throws -> String? {
        switch event.type {
        case "webhook.received": return "received"
        case "webhook.rejected": return event.metadata["reason"] ?? "unknown"
        default: return nil
        }
    }

    package func apply(_ outcome: String, event: EventInfo, to state: ProjectionState) throws {
        let received = outcome == "received"
        try state.update(event.source, in: "sources", initial: SourceTotals()) { totals in
            if received {
                totals.received += 1
            } else {
                totals.rejected += 1
                totals.rejectedByReason[outcome, default: 0] += 1
            }
        }
        let minute = event.recordedAt.iso8601(.minute)
        try state.update(Self.bucketKey(event.source, minute), in: "minutes", initial: Minute(minute: minute)) {
            bucket in
            if bucket.minute != minute { bucket = Minute(minute: minute) }
            if received { bucket.received += 1 } else { bucket.rejected += 1 }
        }
    }

    static func bucketKey(_ source: String, _ minute: String) -> String { "\(source)|\(minute.suffix(5))" }

    /// Received and rejected webhooks of `source` in the `minutes` minutes up to and including the minute of
    /// `now` (at most 1,440).
    package static func window(
        _ reader: ProjectionReader, source: String, minutes: Int, now: Timestamp
    ) throws -> (received: Int, rejected: Int) {
        var total = (received: 0, rejected: 0)
        let nowMinute = now.seconds / 60
        for back in 0..<max(0, min(minutes, 1440)) {
            let minute = Timestamp.iso8601(secondsSinceEpoch: (nowMinute - Int64(back)) * 60, .minute)
            guard let bucket = try reader.get(Minute.self, bucketKey(source, minute), in: "minutes"),
                bucket.minute == minute
            else { continue }
            total.received += bucket.received
            total.rejected += bucket.rejected
        }
        return total
    }
}
