import EventLog
import Foundation

/// Outbound actions (`action.requested`, `.attempted`, `.succeeded`, `.failed`, `.dead`): what was asked, of
/// which channel and target, how it went and how long it took.
public struct NotificationsProjection: Projection {
    public let name = "notifications"
    public let version = 2
    public let tables = ["actions"]

    /// Creates the projection.
    public init() {}

    /// What the projection reads of an action event's JSON payload.
    public struct Input: Decodable, Sendable {
        let action_id: String
        let channel: String?
        let target: String?
        let caused_by: UInt64?
        let kind: String?
        let error: String?
        let sandbox: Bool?
    }

    /// An action as it stands.
    public struct Notification: Codable, Sendable, Equatable {
        public var id: String
        public var kind: String?
        public var channel: String?
        public var target: String?
        public var causedBy: UInt64?
        public var status: String
        public var attempts: Int
        public var lastError: String?
        public var requestedAt: Int64
        public var timeToDeliveryMs: Int64?
        /// Whether it was recorded as delivered without calling out.
        public var sandbox: Bool?
    }

    static let statuses = [
        "action.requested": "pending", "action.attempted": "attempted", "action.succeeded": "delivered",
        "action.failed": "failed", "action.dead": "dead", "action.retried": "pending",
    ]

    public func decode(_ event: Event) throws -> Input? {
        guard Self.statuses[event.type] != nil else { return nil }
        return try JSONPayload.decode(Input.self, from: event.payload)
    }

    public func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
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
