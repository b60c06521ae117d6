import Crypto
import Foundation
import Projections

/// Lark custom bots: an interactive card per action, signed when the bot has a signing secret.
package struct LarkConnector: Connector {
    package let channel = "lark"
    let bots: [String: ActionsConfiguration.LarkBot]
    let conversationURL: String

    package init(_ configuration: ActionsConfiguration) {
        bots = Dictionary(configuration.larkBots.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        conversationURL = configuration.conversationURL
    }

    /// The header colour of each topic.
    static let templates = [
        "conversation.admin.assigned": "blue", "conversation.admin.closed": "green",
        "conversation.admin.noted": "orange",
    ]
    static let headlines = [
        "conversation.admin.assigned": "Conversation assigned", "conversation.admin.closed": "Conversation closed",
        "conversation.admin.noted": "Note added to a conversation",
    ]

    package func call(for action: ActionRequest, now: Int64) throws -> OutboundCall {
        guard let bot = bots[action.target] else {
            throw ConnectorError("no Lark bot named \(action.target) is configured")
        }
        var message: [String: Any] = ["msg_type": "interactive", "card": card(for: action)]
        if let secret = bot.secret {
            let timestamp = String(now / 1_000_000_000)
            message["timestamp"] = timestamp
            message["sign"] = Self.sign(timestamp: timestamp, secret: secret)
        }
        return OutboundCall(
            url: bot.url,
            body: Array(
                try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys, .withoutEscapingSlashes])))
    }

    func conversationCard(_ action: ActionRequest) -> [String: Any] {
        let topic = action.params["topic"] ?? ""
        let id = action.params["conversation_id"] ?? ""
        let link = conversationURL.replacingOccurrences(of: "{id}", with: id)
        var lines = ["**Conversation:** \(action.params["title"] ?? id)"]
        if let assignee = action.params["assignee"] { lines.append("**Assignee:** \(assignee)") }
        return [
            "config": ["wide_screen_mode": true],
            "header": [
                "template": Self.templates[topic] ?? "grey",
                "title": ["tag": "plain_text", "content": Self.headlines[topic] ?? topic],
            ],
            "elements": [
                ["tag": "div", "text": ["tag": "lark_md", "content": lines.joined(separator: "\n")]],
                [
                    "tag": "action",
                    "actions": [
                        [
                            "tag": "button", "type": "primary", "url": link,
                            "text": ["tag": "plain_text", "content": "Open in Intercom"],
                        ]
                    ],
                ],
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
        let title =
            "\(resolved ? "Resolved" : (action.params["severity"] ?? "alert").capitalized): \(action.params["alert"] ?? "")"
        return [
            "header": [
                "template": resolved ? "green" : (action.params["severity"] == "critical" ? "red" : "orange"),
                "title": ["tag": "plain_text", "content": title],
            ],
            "elements": [["tag": "div", "text": ["tag": "lark_md", "content": action.params["message"] ?? ""]]],
        ]
    }

    func leadClosedCard(_ action: ActionRequest) -> [String: Any] {
        let lead = action.params["lead_id"] ?? ""
        return [
            "header": ["template": "purple", "title": ["tag": "plain_text", "content": "Lead closed"]],
            "elements": [
                [
                    "tag": "div",
                    "text": ["tag": "lark_md", "content": "**Lead:** \(action.params["name"] ?? lead) (\(lead))"],
                ]
            ],
        ]
    }

    /// Lark's custom bots answer HTTP 200 for a refused card too, with a non-zero `code` and a `msg`
    /// (`{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`);
    /// older bots answer `{"StatusCode":0,"StatusMessage":"success"}`. A code in ``permanentCodes`` needs the
    /// configuration changed; any other (a rate limit such as 11232, a server error) is retried.
    package func refusal(in response: [UInt8]) -> Refusal? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response)) as? [String: Any] else {
            return Refusal(
                message:
                    "Lark answered with a body that is not its JSON: \(String(decoding: response.prefix(200), as: UTF8.self))",
                retryable: true)
        }
        let code = (object["code"] ?? object["StatusCode"]) as? NSNumber
        guard let code, code.intValue != 0 else { return nil }
        let message = (object["msg"] ?? object["StatusMessage"]) as? String ?? ""
        return Refusal(
            message: "Lark refused the card: code \(code.intValue) (\(message))",
            retryable: !Self.permanentCodes.contains(code.intValue))
    }

    /// Lark's codes for a refusal that no retry can fix: a bad request (9499), bad parameters (19001, 19002), a
    /// signature that does not match (19021), an address not allowed (19022), a keyword not in the card (19024).
    static let permanentCodes: Set<Int> = [9499, 19001, 19002, 19021, 19022, 19024]

    /// Lark's signature: HMAC-SHA256 keyed with `"{timestamp}\n{secret}"` over an empty message, in base64.
    static func sign(timestamp: String, secret: String) -> String {
        let key = SymmetricKey(data: Array("\(timestamp)\n\(secret)".utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key)).base64EncodedString()
    }
}
