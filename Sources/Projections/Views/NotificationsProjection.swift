import EventLog
import Foundation

/// Outbound actions (`action.requested`, `.attempted`, `.succeeded`, `.failed`, `.dead`): what was asked, of
/// which channel and target, how it went and how long it took.
package struct NotificationsProjection: Projection {
    package let name = "notifications"
    package let version = 2
    package let tables = ["actions"]

    /// Creates the projection.
    package init() {}

    /// What the projection reads of an action event's JSON payload.
    package struct Input: Decodable, Sendable {
        let action_id: String
        let channel: String?
        let target: String?
        let caused_by: UInt64?
        let kind: String?
        let error: String?
        let sandbox: Bool?
    }

    /// An action as it stands.
    package struct Notification: Codable, Sendable, Equatable {
        package var id: String
        package var kind: String?
        package var channel: String?
        package var target: String?
        package var causedBy: UInt64?
        package var status: String
        package var attempts: Int
        package var lastError: String?
        package var requestedAt: Int64
        package var timeToDeliveryMs: Int64?
        /// Whether it was recorded as delivered without calling out.
        package var sandbox: Bool?
    }

    static let statuses = [
        "action.requested": "pending", "action.attempted": "attempted", "action.succeeded": "delivered",
        "action.failed": "failed", "action.dead": "dead", "action.retried": "pending",
    ]

    package func decode(_ event: Event) throws -> Input? {
        guard Self.statuses[event.type] != nil else { return nil }
        return try JSONPayload.decode(Input.self, from: event.payload)
    }

    package func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        let now = event.recordedAt.nanosecondsSinceEpoch / 1_000_000
        try state.update(
            input.action_id, in: "actions",
            initial: Notification(
                id: input.action_id, status: "pending", attempts: 0, requestedAt: now
            )
        ) { action in
            action.kind = input.kind ?? action.kind
            action.channel = input.channel ?? action.channel
            action.target = input.target ?? action.target
            action.causedBy = input.caused_by ?? action.causedBy
            switch event.type {
            case "action.attempted":
                action.attempts += 1
            case "action.succeeded":
                action.status = "delivered"
                action.timeToDeliveryMs = now - action.requestedAt
                action.sandbox = input.sandbox ?? action.sandbox
            case "action.retried":
                action.status = "pending"
            case "action.failed", "action.dead":
                action.status = Self.statuses[event.type] ?? action.status
                action.lastError = input.error ?? action.lastError
            default:
                break
            }
        }
    }
}
