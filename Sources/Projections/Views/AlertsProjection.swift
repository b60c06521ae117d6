import EventLog
import Foundation

/// Alerts: the ones firing now, and every firing and resolving, newest first.
public struct AlertsProjection: Projection {
    public let name = "alerts"
    public let version = 2
    public let tables = ["active", "history"]

    /// The event types.
    public static let fired = "alert.fired"
    public static let resolved = "alert.resolved"

    /// Creates the projection.
    public init() {}

    /// An alert as it fired or resolved.
    public struct Alert: Codable, Sendable, Equatable {
        /// Such as `webhook_rejections`.
        public var name: String
        /// `critical` or `warning`.
        public var severity: String
        public var message: String
        /// `firing` or `resolved`.
        public var state: String
        /// When it changed: in an `alert.*` event's payload, when the rule was evaluated; in the projection's records,
        /// when the log recorded the event.
        public var at: String
        /// In the payload, the log's head the rule was evaluated at; in the records, the event's own position.
        public var position: UInt64
        /// The rule's figure when it was evaluated, and its threshold, in the rule's unit (a count, a percent).
        public var value: Int64?
        public var threshold: Int64?

        /// Creates an alert as a rule evaluated it at `at`, over the log up to `position`.
        public init(
            name: String, severity: String, message: String, state: String = "", at: String = "", position: UInt64 = 0,
            value: Int64? = nil, threshold: Int64? = nil
        ) {
            self.name = name
            self.severity = severity
            self.message = message
            self.state = state
            self.at = at
            self.position = position
            self.value = value
            self.threshold = threshold
        }
    }

    public func decode(_ event: Event) throws -> Alert? {
        guard event.type == Self.fired || event.type == Self.resolved else { return nil }
        return try JSONPayload.decode(Alert.self, from: event.payload)
    }

    public func apply(_ input: Alert, event: EventInfo, to state: ProjectionState) throws {
        var alert = input
        alert.state = event.type == Self.fired ? "firing" : "resolved"
        alert.at = event.recordedAt.iso8601
        alert.position = event.position
        if event.type == Self.fired { try state.put(alert, alert.name, in: "active") } else { try state.delete(alert.name, in: "active") }
        try state.put(alert, PaymentsProjection.newestFirst(event.position), in: "history")
    }
}
