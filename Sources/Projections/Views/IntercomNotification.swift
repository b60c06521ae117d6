import EventLog
import Foundation

/// What the hub reads of an Intercom notification, in the shapes Intercom sends:
/// - API 2.x: `data.item` is the conversation, with `state` and `admin_assignee_id` / `team_assignee_id`;
/// - API 1.x: `data.item.assignee` is `{"type": "admin" | "team" | "nobody_admin", "id": …}` and `open` a boolean;
/// - `*.deleted` topics: a minimal item that names the conversation by `id` or `conversation_id` alone;
/// - the endpoint test: `topic: "ping"`, `id: null`.
///
/// Reading is lenient by design: a field of an unexpected type is read as absent, never as a failure, since a
/// sender's new field or version must not stop a projection. Ids may be strings or numbers.
public struct IntercomNotification: Sendable, Equatable {
    public var topic: String
    /// When Intercom created the notification, in seconds.
    public var createdAt: Int64?
    /// The item's `type`, such as `conversation` or `contact`.
    public var itemType: String?
    /// The conversation's (or contact's) id.
    public var itemID: String?
    public var title: String?
    /// `open`, `closed`, `snoozed`; from `open` in 1.x.
    public var state: String?
    public var adminAssigneeID: String?
    public var teamAssigneeID: String?
    /// The assignee's name or email, when the notification carries it (1.x).
    public var assigneeName: String?

    /// Reads `payload`; `nil` when it is not a JSON object with a string `topic`.
    public init?(payload: [UInt8]) {
        guard case .object(let root)? = try? JSONDecoder().decode(LenientJSON.self, from: Data(payload)),
            case .string(let topic)? = root["topic"]
        else { return nil }
        self.topic = topic
        createdAt = root["created_at"]?.integer
        let item = root["data"]?["item"]
        itemType = item?["type"]?.string
        itemID = item?["id"]?.id ?? item?["conversation_id"]?.id
        title = item?["title"]?.string
        state = item?["state"]?.string ?? item?["open"]?.bool.map { $0 ? "open" : "closed" }
        adminAssigneeID = item?["admin_assignee_id"]?.id
        teamAssigneeID = item?["team_assignee_id"]?.id
        if let assignee = item?["assignee"] {
            switch assignee["type"]?.string {
            case "admin": adminAssigneeID = adminAssigneeID ?? assignee["id"]?.id
            case "team": teamAssigneeID = teamAssigneeID ?? assignee["id"]?.id
            default: break
            }
            assigneeName = assignee["name"]?.string ?? assignee["email"]?.string
        }
    }
}

/// Any JSON value, read without failing on the types it meets: for payloads whose fields a sender may change.
enum LenientJSON: Decodable, Sendable, Equatable {
    case string(String), integer(Int64), number, bool(Bool), null, array, object([String: LenientJSON])

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members = [String: LenientJSON]()
            for key in object.allKeys where members[key.stringValue] == nil {
                members[key.stringValue] = try object.decode(LenientJSON.self, forKey: key)
            }
            self = .object(members)
            return
        }
        if (try? decoder.unkeyedContainer()) != nil {
            self = .array
            return
        }
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
        } else if let bool = try? value.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? value.decode(Int64.self) {
            self = .integer(integer)
        } else if let text = try? value.decode(String.self) {
            self = .string(text)
        } else {
            self = .number
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    subscript(key: String) -> LenientJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? { if case .string(let text) = self { text } else { nil } }
    var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// An id written as a non-empty string or a whole number.
    var id: String? {
        switch self {
        case .string(let text): text.isEmpty ? nil : text
        case .integer(let value): String(value)
        default: nil
        }
    }
}
