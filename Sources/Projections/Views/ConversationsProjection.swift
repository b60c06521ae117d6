import EventLog
import Foundation

/// Intercom conversations: last topic, team and admin assignee, state and last event time, from the
/// notifications of API 1.x and 2.x (see ``IntercomNotification``). A conversation deleted in Intercom keeps its
/// record with state `deleted`. Intercom does not deliver in order: a notification older (by its `created_at`)
/// than the one already applied changes nothing. A notification the projection does not understand (another
/// topic, no conversation id) is ignored, never a failure.
package struct ConversationsProjection: Projection {
    package let name = "conversations"
    package let version = 2
    package let tables = ["conversations"]

    /// Creates the projection.
    package init() {}

    package typealias Input = IntercomNotification

    /// A conversation as last seen.
    package struct Conversation: Codable, Sendable, Equatable {
        package var id: String
        package var lastTopic: String
        package var teamAssigneeId: String?
        package var adminAssigneeId: String?
        package var state: String?
        package var lastEventAt: Int64?
        package var lastPosition: UInt64
    }

    package func decode(_ event: Event) throws -> Input? {
        guard event.type == "webhook.received", event.source == "intercom",
            event.metadata["event-type"]?.hasPrefix("conversation.") == true,
            let notification = IntercomNotification(payload: event.payload), notification.itemID != nil
        else { return nil }
        return notification
    }

    package func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        guard let id = input.itemID else { return }
        let stored = try state.get(Conversation.self, id, in: "conversations")
        if let stored, let applied = stored.lastEventAt, let created = input.createdAt, created < applied { return }
        let deleted = input.topic == "conversation.deleted"
        try state.put(
            Conversation(
                id: id, lastTopic: input.topic,
                teamAssigneeId: deleted ? stored?.teamAssigneeId : input.teamAssigneeID ?? stored?.teamAssigneeId,
                adminAssigneeId: deleted ? stored?.adminAssigneeId : input.adminAssigneeID ?? stored?.adminAssigneeId,
                state: deleted ? "deleted" : input.state ?? stored?.state,
                lastEventAt: input.createdAt ?? stored?.lastEventAt, lastPosition: event.position
            ), id, in: "conversations")
    }
}
