import EventLog
import Foundation

/// Alerts: the ones firing now, and every firing and resolving, newest first.
public struct AlertsProjection: Projection {
    public let name = "alerts"
    public let version = 1
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
        /// When it changed, as the log recorded it.
        public var at: String
        public var position: UInt64

        /// Creates an alert record; `state`, `at` and `position` are set when it is applied.
        public init(name: String, severity: String, message: String) {
            self.name = name
            self.severity = severity
            self.message = message
            state = ""
            at = ""
            position = 0
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
