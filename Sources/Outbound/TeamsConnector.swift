import Foundation
import Projections

/// A Microsoft Teams incoming webhook: an Adaptive Card in a message envelope.
package struct TeamsConnector: Connector {
    package init(url: String?) { self.url = url }

    package let channel = "teams"
    let url: String?

    static let titles = [
        "payment_intent.payment_failed": "Payment failed", "charge.dispute.created": "Dispute opened",
        "lead.closed": "Lead closed",
        "alert.card": "Switchyard alert",
    ]

    /// Office 365 connector webhooks answer 200 for a failed delivery too, with a text body
    /// (`Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with
    /// ContextId …`), where a success is a number (`1`); Power Automate workflows answer 202 with an empty body.
    /// The inner status decides: 408, 429 and 5xx are retried, any other is dead.
    package func refusal(in response: [UInt8]) -> Refusal? {
        let text = String(decoding: response.prefix(1024), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard text.hasPrefix("Webhook message delivery failed") || text.contains("returned HTTP error") else {
            return nil
        }
        let status = text.range(of: "HTTP error ").flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
        let retryable = status.map { $0 == 408 || $0 == 429 || $0 >= 500 } ?? true
        return Refusal(message: "Teams refused the card: \(text.prefix(300))", retryable: retryable)
    }

    package func call(for action: ActionRequest, now: Int64) throws -> OutboundCall {
        guard let url else { throw ConnectorError("no Teams webhook is configured (actions.teams.url)") }
        let p = action.params
        var facts = [[String: String]]()
        if let amount = p["amount"].flatMap(Int64.init), let currency = p["currency"] {
            facts.append(["title": "Amount", "value": formatMoney(amount, currency: currency)])
        }
        for (title, key) in [
            ("Alert", "alert"), ("Severity", "severity"), ("State", "state"), ("Lead", "lead_id"), ("Name", "name"),
            ("Reason", "reason"),
            ("Customer", "customer"), ("Object", "object_id"), ("Event", "event_id"), ("Mode", "mode"),
        ] {
            if let value = p[key] { facts.append(["title": title, "value": value]) }
        }
        var body: [[String: Any]] = [
            [
                "type": "TextBlock", "size": "Medium", "weight": "Bolder",
                "text": Self.titles[p["event_type"] ?? action.kind] ?? "Stripe event",
            ],
            ["type": "FactSet", "facts": facts],
        ]
        if let message = p["message"] { body.append(["type": "TextBlock", "wrap": true, "text": message]) }
        let envelope: [String: Any] = [
            "type": "message",
            "attachments": [
                [
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": [
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                        "version": "1.4", "body": body,
                    ] as [String: Any],
                ]
            ],
        ]
        return OutboundCall(
            url: url,
            body: Array(
                try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])))
    }
}
