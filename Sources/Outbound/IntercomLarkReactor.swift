import EventLog
import Foundation
import Projections

/// Intercom → Lark: a card to every configured bot when a conversation of the configured team is assigned,
/// closed or noted.
package struct IntercomLarkReactor: Reactor {
    package init(teamId: String, bots: [String]) { (self.teamId, self.bots) = (teamId, bots) }

    package let name = "intercom-lark"
    let teamId: String
    let bots: [String]

    static let topics = ["conversation.admin.assigned", "conversation.admin.closed", "conversation.admin.noted"]

    package func react(to event: Event) throws -> [ActionRequest] {
        guard event.type == "webhook.received", event.source == "intercom",
            let topic = event.metadata["event-type"], Self.topics.contains(topic),
            let notification = IntercomNotification(payload: event.payload), let id = notification.itemID,
            notification.teamAssigneeID == teamId
        else { return [] }
        var params = ["topic": notification.topic, "conversation_id": id]
        params["title"] = notification.title
        params["assignee"] = notification.assigneeName ?? notification.adminAssigneeID.map { "admin \($0)" }
        return bots.enumerated().map { index, bot in
            ActionRequest(
                reactor: name, causedBy: event.position, index: index, kind: "lark.card", channel: "lark", target: bot,
                params: params)
        }
    }
}
