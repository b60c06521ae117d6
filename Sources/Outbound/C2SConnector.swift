import Foundation
import Projections
import HTTPTypes

/// Contact2Sale's API: a message posted to a lead.
package struct C2SConnector: Connector {
    package init(baseURL: String?, messagePath: String, token: String?) {
        (self.baseURL, self.messagePath, self.token) = (baseURL, messagePath, token)
    }

    package let channel = "c2s"
    let baseURL: String?
    let messagePath: String
    let token: String?

    package func call(for action: ActionRequest, now: Int64) throws -> OutboundCall {
        guard let baseURL else { throw ConnectorError("no Contact2Sale API URL is configured (actions.c2s.baseURL)") }
        guard let token else {
            throw ConnectorError(
                "no Contact2Sale API token is configured (actions.c2s.token or SWITCHYARD_C2S_API_TOKEN)")
        }
        let lead = (action.params["lead_id"] ?? "").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
        let body = try JSONSerialization.data(
            withJSONObject: ["message": action.params["message"] ?? ""], options: [.sortedKeys])
        return OutboundCall(
            url: baseURL + messagePath.replacingOccurrences(of: "{lead_id}", with: lead),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")], body: Array(body)
        )
    }
}
