import Foundation
import Projections
import HTTPTypes

/// The two enrichment providers: a look-up that finds a person id (a CPF) from a phone and an email, and a
/// fetch that returns the person's data for that id.
///
/// Look-up: `POST lookupURL` with `{"phone", "email"}` (those given) answers `{"by_phone": id?, "by_email": id?}`;
/// the person is the one either found, and "same person" holds only when both found the same id.
/// Fetch: `GET fetchURL` with `{id}` replaced answers a JSON object of the person's fields.
package struct EnrichmentConnector: Connector {
    package init(lookupURL: String?, fetchURL: String?, token: String?) {
        (self.lookupURL, self.fetchURL, self.token) = (lookupURL, fetchURL, token)
    }

    package let channel = "enrichment"
    let lookupURL: String?
    let fetchURL: String?
    let token: String?

    package func call(for action: ActionRequest, now: Int64) throws -> OutboundCall {
        var headers = [(String, String)]()
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        switch action.kind {
        case "enrichment.lookup":
            guard let lookupURL else {
                throw ConnectorError("no enrichment look-up URL is configured (actions.enrichment.lookupURL)")
            }
            let query = action.params.filter { $0.key == "phone" || $0.key == "email" }
            headers.append(("Content-Type", "application/json"))
            return OutboundCall(
                url: lookupURL, headers: headers,
                body: Array(try JSONSerialization.data(withJSONObject: query, options: [.sortedKeys])))
        case "enrichment.fetch":
            guard let fetchURL else {
                throw ConnectorError("no enrichment fetch URL is configured (actions.enrichment.fetchURL)")
            }
            let id =
                (action.params["person_id"] ?? "").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
            return OutboundCall(
                method: .get, url: fetchURL.replacingOccurrences(of: "{id}", with: id), headers: headers, body: [])
        default:
            throw ConnectorError("the enrichment connector does not carry \(action.kind)")
        }
    }

    package func output(of action: ActionRequest, response: [UInt8]) -> [String: String]? {
        let object = (try? JSONSerialization.jsonObject(with: Data(response)) as? [String: Any]) ?? [:]
        var output = ["lead_id": action.params["lead_id"] ?? ""]
        if action.kind == "enrichment.lookup" {
            let byPhone = object["by_phone"].flatMap(Self.text)
            let byEmail = object["by_email"].flatMap(Self.text)
            output["person_id"] = byPhone ?? byEmail
            output["same_person"] = byPhone != nil && byPhone == byEmail ? "true" : "false"
        } else {
            for (key, value) in object { if let text = Self.text(value) { output[key] = text } }
            output["same_person"] = action.params["same_person"]
        }
        return output
    }

    package func sandboxOutput(of action: ActionRequest) -> [String: String]? {
        action.kind == "enrichment.lookup"
            ? ["lead_id": action.params["lead_id"] ?? "", "person_id": "sandbox-person", "same_person": "false"]
            : [
                "lead_id": action.params["lead_id"] ?? "", "name": "Sandbox Person",
                "same_person": action.params["same_person"] ?? "false",
            ]
    }

    static func text(_ value: Any) -> String? {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }
}
