import EventLog

/// Webhook deliveries per source: received, rejected by reason, and per-minute buckets (by the time the log
/// recorded them) so that alerts can ask about the last few minutes.
public struct DeliveriesProjection: Projection {
    public let name = "deliveries"
    public let version = 1
    public let tables = ["sources", "minutes"]

    /// Creates the projection.
    public init() {}

    /// Totals for one source.
    public struct SourceTotals: Codable, Sendable, Equatable {
        public var received = 0
        public var rejected = 0
        public var rejectedByReason: [String: Int] = [:]
    }

    /// One minute of one source.
    public struct Minute: Codable, Sendable, Equatable {
        public var received = 0
        public var rejected = 0
    }

    public func decode(_ event: Event) throws -> String? {
        switch event.type {
        case "webhook.received": return "received"
        case "webhook.rejected": return event.metadata["reason"] ?? "unknown"
        default: return nil
        }
    }

    public func apply(_ outcome: String, event: EventInfo, to state: ProjectionState) throws {
        let received = outcome == "received"
        try state.update(event.source, in: "sources", initial: SourceTotals()) { totals in
            if received {
                totals.received += 1
            } else {
                totals.rejected += 1
                totals.rejectedByReason[outcome, default: 0] += 1
            }
        }
        let minute = String(event.recordedAt.iso8601.prefix(16))
        try state.update("\(event.source)|\(minute)", in: "minutes", initial: Minute()) { bucket in
            if received { bucket.received += 1 } else { bucket.rejected += 1 }
        }
    }
}
