import EventLog
import Foundation

/// Outbound actions (`action.requested`, `.attempted`, `.succeeded`, `.failed`, `.dead`): what was asked, of
/// which channel and target, how it went and how long it took.
package struct NotificationsProjection: Projection {
    package let name = "notifications"
    package let version = 3
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
        let status_code: Int?
        let response: String?
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
        /// The last attempt's answer: the target's HTTP status (`nil` when no answer came) and the first KiB of its
        /// body, or of the error that stood for it.
        package var lastStatusCode: Int? = nil
        package var lastResponse: String? = nil

        /// The first `bytes` bytes of `text`, cut at a character boundary.
        static func prefix(_ text: String, bytes: Int) -> String {
            var end = text.utf8.startIndex
            var used = 0
            for character in text {
                let size = character.utf8.count
                guard used + size <= bytes else { break }
                used += size
                end = text.utf8.index(end, offsetBy: size)
            }
            return String(text[..<end])
        }
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
                action.lastStatusCode = input.status_code
                action.lastResponse = input.response.map { Notification.prefix($0, bytes: 1024) }
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
