import EventLog
import Foundation

/// Alerts: the ones firing now, and every firing and resolving, newest first.
package struct AlertsProjection: Projection {
    package let name = "alerts"
    package let version = 2
    package let tables = ["active", "history"]

    /// The event types.
    package static let fired = "alert.fired"
    package static let resolved = "alert.resolved"

    /// Creates the projection.
    package init() {}

    /// An alert as it fired or resolved.
    package struct Alert: Codable, Sendable, Equatable {
        /// Such as `webhook_rejections`.
        package var name: String
        /// `critical` or `warning`.
        package var severity: String
        package var message: String
        /// `firing` or `resolved`.
        package var state: String
        /// When it changed: in an `alert.*` event's payload, when the rule was evaluated; in the projection's records,
        /// when the log recorded the event.
        package var at: String
        /// In the payload, the log's head the rule was evaluated at; in the records, the event's own position.
        package var position: UInt64
        /// The rule's figure when it was evaluated, and its threshold, in the rule's unit (a count, a percent).
        package var value: Int64?
        package var threshold: Int64?

        /// Creates an alert as a rule evaluated it at `at`, over the log up to `position`.
        package init(
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

    package func decode(_ event: Event) throws -> Alert? {
        guard event.type == Self.fired || event.type == Self.resolved else { return nil }
        return try JSONPayload.decode(Alert.self, from: event.payload)
    }

    package func apply(_ input: Alert, event: EventInfo, to state: ProjectionState) throws {
        var alert = input
        alert.state = event.type == Self.fired ? "firing" : "resolved"
        alert.at = event.recordedAt.iso8601
        alert.position = event.position
        if event.type == Self.fired {
            try state.put(alert, alert.name, in: "active")
        } else {
            try state.delete(alert.name, in: "active")
        }
        try state.put(alert, PaymentsProjection.newestFirst(event.position), in: "history")
    }
}
