import Crypto
import Foundation
import Projections

/// Lark custom bots: an interactive card per action, signed when the bot has a signing secret.
struct LarkConnector: Connector {
    let channel = "lark"
    let bots: [String: ActionsConfiguration.LarkBot]
    let conversationURL: String

    init(_ configuration: ActionsConfiguration) {
        bots = Dictionary(configuration.larkBots.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        conversationURL = configuration.conversationURL
    }

    /// The header colour of each topic.
    static let templates = ["conversation.admin.assigned": "blue", "conversation.admin.closed": "green", "conversation.admin.noted": "orange"]
    static let headlines = [
        "conversation.admin.assigned": "Conversation assigned", "conversation.admin.closed": "Conversation closed",
        "conversation.admin.noted": "Note added to a conversation",
    ]

    func call(for action: ActionRequest, now: Int64) throws -> OutboundCall {
        guard let bot = bots[action.target] else { throw ConnectorError("no Lark bot named \(action.target) is configured") }
        var message: [String: Any] = ["msg_type": "interactive", "card": card(for: action)]
        if let secret = bot.secret {
            let timestamp = String(now / 1_000_000_000)
            message["timestamp"] = timestamp
            message["sign"] = Self.sign(timestamp: timestamp, secret: secret)
        }
        return OutboundCall(url: bot.url, body: Array(try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys, .withoutEscapingSlashes])))
    }

    func conversationCard(_ action: ActionRequest) -> [String: Any] {
        let topic = action.params["topic"] ?? ""
        let id = action.params["conversation_id"] ?? ""
        let link = conversationURL.replacingOccurrences(of: "{id}", with: id)
        var lines = ["**Conversation:** \(action.params["title"] ?? id)"]
        if let assignee = action.params["assignee"] { lines.append("**Assignee:** \(assignee)") }
        return [
            "config": ["wide_screen_mode": true],
            "header": ["template": Self.templates[topic] ?? "grey", "title": ["tag": "plain_text", "content": Self.headlines[topic] ?? topic]],
            "elements": [
                ["tag": "div", "text": ["tag": "lark_md", "content": lines.joined(separator: "\n")]],
                ["tag": "action", "actions": [["tag": "button", "type": "primary", "url": link, "text": ["tag": "plain_text", "content": "Open in Intercom"]]]],
            ],
        ]
    }

    func card(for action: ActionRequest) -> [String: Any] {
        switch action.kind {
        case "lead.closed": leadClosedCard(action)
        case "alert.card": alertCard(action)
        default: conversationCard(action)
        }
    }

    func alertCard(_ action: ActionRequest) -> [String: Any] {
        let resolved = action.params["state"] == "resolved"
        let title = "\(resolved ? "Resolved" : (action.params["severity"] ?? "alert").capitalized): \(action.params["alert"] ?? "")"
        return [
            "header": ["template": resolved ? "green" : (action.params["severity"] == "critical" ? "red" : "orange"), "title": ["tag": "plain_text", "content": title]],
            "elements": [["tag": "div", "text": ["tag": "lark_md", "content": action.params["message"] ?? ""]]],
        ]
    }

    func leadClosedCard(_ action: ActionRequest) -> [String: Any] {
        let lead = action.params["lead_id"] ?? ""
        return [
            "header": ["template": "purple", "title": ["tag": "plain_text", "content": "Lead closed"]],
            "elements": [["tag": "div", "text": ["tag": "lark_md", "content": "**Lead:** \(action.params["name"] ?? lead) (\(lead))"]]],
        ]
    }

    /// Lark's signature: HMAC-SHA256 keyed with `"{timestamp}\n{secret}"` over an empty message, in base64.
    static func sign(timestamp: String, secret: String) -> String {
        let key = SymmetricKey(data: Array("\(timestamp)\n\(secret)".utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key)).base64EncodedString()
    }
}
