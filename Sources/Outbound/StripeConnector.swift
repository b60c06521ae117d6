import EventLog
import Foundation
import Projections

/// Stripe's API: refunds, form-encoded, with the action id as `Idempotency-Key`, so a call repeated after a
/// crash (between the call and its record) refunds once.
package struct StripeConnector: Connector {
    package init(apiBase: String, apiKey: String?) { (self.apiBase, self.apiKey) = (apiBase, apiKey) }

    package let channel = "stripe"
    let apiBase: String
    let apiKey: String?

    package func call(for action: ActionRequest, now: Int64) throws -> OutboundCall {
        guard action.kind == "stripe.refund" else { throw ConnectorError("Stripe does not carry \(action.kind)") }
        guard let apiKey else {
            throw ConnectorError("no Stripe API key is configured (actions.stripe.apiKey or SWITCHYARD_STRIPE_API_KEY)")
        }
        var fields = [("payment_intent", action.params["payment_intent"] ?? "")]
        if let amount = action.params["amount"] { fields.append(("amount", amount)) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let form = fields.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(
            separator: "&")
        return OutboundCall(
            url: apiBase + "/v1/refunds",
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Bearer \(apiKey)"),
                ("Idempotency-Key", action.actionId),
            ],
            body: Array(form.utf8)
        )
    }

    /// The refund's id and status.
    package func output(of action: ActionRequest, response: [UInt8]) -> [String: String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response)) as? [String: Any] else { return nil }
        var output = [String: String]()
        output["refund_id"] = object["id"] as? String
        output["status"] = object["status"] as? String
        return output
    }

    package func sandboxOutput(of action: ActionRequest) -> [String: String]? {
        ["refund_id": "re_sandbox_\(action.actionId)", "status": "succeeded"]
    }
}
