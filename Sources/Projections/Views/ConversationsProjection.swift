import EventLog
import Foundation

/// Intercom conversations: last topic, team and admin assignee, state and last event time.
public struct ConversationsProjection: Projection {
    public let name = "conversations"
    public let version = 1
    public let tables = ["conversations"]

    /// Creates the projection.
    public init() {}

    /// What the projection reads of an Intercom notification.
    public struct Input: Decodable, Sendable, Equatable {
        struct Body: Decodable, Sendable, Equatable { let item: Item }
        struct Item: Decodable, Sendable, Equatable {
            let id: String
            let state: String?
            let team_assignee_id: FlexibleID?
            let admin_assignee_id: FlexibleID?
        }
        let topic: String
        let created_at: Int64?
        let data: Body
    }

    /// A conversation as last seen.
    public struct Conversation: Codable, Sendable, Equatable {
        public var id: String
        public var lastTopic: String
        public var teamAssigneeId: String?
        public var adminAssigneeId: String?
        public var state: String?
        public var lastEventAt: Int64?
        public var lastPosition: UInt64
    }

    public func decode(_ event: Event) throws -> Input? {
        guard event.type == "webhook.received", event.source == "intercom",
              event.metadata["event-type"]?.hasPrefix("conversation.") == true else { return nil }
        return try Input.scanned(event.payload) ?? JSONPayload.decode(Input.self, from: event.payload)
    }

    public func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        let item = input.data.item
        try state.put(Conversation(
            id: item.id, lastTopic: input.topic, teamAssigneeId: item.team_assignee_id?.value,
            adminAssigneeId: item.admin_assignee_id?.value, state: item.state, lastEventAt: input.created_at,
            lastPosition: event.position
        ), item.id, in: "conversations")
    }
}

/// An id that senders write either as a number or as a string.
public struct FlexibleID: Decodable, Sendable, Equatable {
    /// The id as text.
    public let value: String

    init(value: String) { self.value = value }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else {
            value = try container.decode(String.self)
        }
    }
}
