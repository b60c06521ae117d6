import EventLog
import Foundation
import JSONScan

/// What the hub reads of an Intercom notification, in the shapes Intercom sends:
/// - API 2.x: `data.item` is the conversation, with `state` and `admin_assignee_id` / `team_assignee_id`;
/// - API 1.x: `data.item.assignee` is `{"type": "admin" | "team" | "nobody_admin", "id": …}` and `open` a boolean;
/// - `*.deleted` topics: a minimal item that names the conversation by `id` or `conversation_id` alone;
/// - the endpoint test: `topic: "ping"`, `id: null`.
///
/// Reading is lenient by design: a field of an unexpected type is read as absent, never as a failure, since a
/// sender's new field or version must not stop a projection. Ids may be strings or numbers.
package struct IntercomNotification: Sendable, Equatable {
    package var topic: String
    /// When Intercom created the notification, in seconds.
    package var createdAt: Int64?
    /// The item's `type`, such as `conversation` or `contact`.
    package var itemType: String?
    /// The conversation's (or contact's) id.
    package var itemID: String?
    package var title: String?
    /// `open`, `closed`, `snoozed`; from `open` in 1.x.
    package var state: String?
    package var adminAssigneeID: String?
    package var teamAssigneeID: String?
    /// The assignee's name or email, when the notification carries it (1.x).
    package var assigneeName: String?

    /// The fields read, in the order of ``paths``.
    private enum Field: Int, CaseIterable {
        case topic, createdAt, itemType, id, conversationID, title, state, open, admin, team, assigneeType, assigneeID,
            assigneeName
        case assigneeEmail
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["topic"], ["created_at"], ["data", "item", "type"], ["data", "item", "id"],
        ["data", "item", "conversation_id"],
        ["data", "item", "title"], ["data", "item", "state"], ["data", "item", "open"],
        ["data", "item", "admin_assignee_id"],
        ["data", "item", "team_assignee_id"], ["data", "item", "assignee", "type"], ["data", "item", "assignee", "id"],
        ["data", "item", "assignee", "name"], ["data", "item", "assignee", "email"],
    ]

    /// Reads `payload` in one pass for the fields above; `nil` when it is not JSON, or not an object with a string
    /// `topic`.
    package init?(payload: [UInt8]) {
        guard let scan = payload.withUnsafeBytes({ try? JSONFieldScanner.scan($0, paths: Self.paths) }), scan.isObject
        else { return nil }
        func string(_ field: Field) -> String? {
            scan.kinds[field.rawValue] == .string ? scan.values[field.rawValue] : nil
        }
        func integer(_ field: Field) -> Int64? {
            scan.kinds[field.rawValue] == .number ? scan.values[field.rawValue].flatMap { Int64($0) } : nil
        }
        /// An id written as a non-empty string or a whole number.
        func id(_ field: Field) -> String? {
            if let text = string(field) { return text.isEmpty ? nil : text }
            return integer(field).map(String.init)
        }
        guard let topic = string(.topic) else { return nil }
        self.topic = topic
        createdAt = integer(.createdAt)
        itemType = string(.itemType)
        itemID = id(.id) ?? id(.conversationID)
        title = string(.title)
        let open = scan.kinds[Field.open.rawValue] == .bool ? scan.values[Field.open.rawValue] == "true" : nil
        state = string(.state) ?? open.map { $0 ? "open" : "closed" }
        adminAssigneeID = id(.admin)
        teamAssigneeID = id(.team)
        switch string(.assigneeType) {
        case "admin": adminAssigneeID = adminAssigneeID ?? id(.assigneeID)
        case "team": teamAssigneeID = teamAssigneeID ?? id(.assigneeID)
        default: break
        }
        assigneeName = string(.assigneeName) ?? string(.assigneeEmail)
    }
}
