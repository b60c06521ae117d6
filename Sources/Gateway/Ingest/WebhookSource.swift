import Projections
import HTTPTypes
import Hummingbird

/// What the gateway knows about one kind of sender: how to check it, which fields name its event, and which
/// headers are worth keeping for auditors.
struct WebhookSource: Sendable {
    /// The `source` written to the log, such as `stripe` or `in:orders`.
    let name: String
    /// The label used in metrics.
    let route: String
    /// Fields read from the body: the first ones make up the idempotency key.
    let fields: JSONFieldScanner.Paths
    /// Builds the idempotency key from the fields' values (and headers); `nil` when a required one is missing.
    let key: @Sendable (_ values: [String?], _ headers: HTTPFields) -> String?
    /// Names the fields a sender must fill in, for the error message.
    let requiredFields: String
    /// Headers kept in the event's metadata (signatures only; never tokens).
    let keptHeaders: [HTTPField.Name]
    /// Metadata taken from fields: (metadata name, index into `fields`).
    let fieldMetadata: [(String, Int)]
    /// Checks authenticity; `now` is seconds since the epoch.
    let verify: @Sendable (_ headers: HTTPFields, _ body: UnsafeRawBufferPointer, _ now: Int64) throws(VerificationFailure) -> Void
}

extension HTTPField.Name {
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
    static let hubSignature = HTTPField.Name("X-Hub-Signature")!
    static let webhookToken = HTTPField.Name("X-Webhook-Token")!
    static let webhookID = HTTPField.Name("webhook-id")!
    static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    static let webhookSignature = HTTPField.Name("webhook-signature")!
}

extension WebhookSource {
    static func stripe(_ configuration: GatewayConfiguration) -> WebhookSource {
        let verifier = StripeSignature(secrets: configuration.stripeSecrets, tolerance: configuration.stripeToleranceSeconds)
        return WebhookSource(
            name: "stripe", route: "stripe", fields: [["id"], ["type"], ["livemode"]],
            key: { values, _ in values[0].map { "stripe:" + $0 } },
            requiredFields: "a Stripe event needs a string \"id\"",
            keptHeaders: [.stripeSignature],
            fieldMetadata: [("event-type", 1), ("livemode", 2)],
            verify: { headers, body, now throws(VerificationFailure) in
                try verifier.verify(header: headers.value(.stripeSignature), body: body, now: now)
            }
        )
    }

    static func intercom(_ configuration: GatewayConfiguration) -> WebhookSource {
        let verifier = IntercomSignature(secrets: configuration.intercomSecrets)
        return WebhookSource(
            name: "intercom", route: "intercom", fields: [["id"], ["topic"]],
            key: { values, _ in values[0].map { "intercom:" + $0 } },
            requiredFields: "an Intercom notification needs an \"id\"",
            keptHeaders: [.hubSignature],
            fieldMetadata: [("event-type", 1)],
            verify: { headers, body, _ throws(VerificationFailure) in
                try verifier.verify(header: headers.value(.hubSignature), body: body)
            }
        )
    }

    /// Contact2Sale posts a lead either flat (`id`, `hook_action`, `attributes`) or wrapped in `data`.
    static func c2s(_ configuration: GatewayConfiguration) -> WebhookSource {
        let verifier = C2SToken(tokens: configuration.c2sTokens)
        return WebhookSource(
            name: "c2s", route: "c2s",
            fields: [
                ["id"], ["hook_action"], ["attributes", "updated_at"],
                ["data", "id"], ["data", "hook_action"], ["data", "attributes", "updated_at"],
            ],
            key: { v, _ in
                guard let id = v[0] ?? v[3], let action = v[1] ?? v[4], let updated = v[2] ?? v[5] else { return nil }
                return "c2s:\(id):\(action):\(updated)"
            },
            requiredFields: "a Contact2Sale lead needs \"id\", \"hook_action\" and \"attributes.updated_at\"",
            keptHeaders: [],
            fieldMetadata: [("hook-action", 1), ("hook-action", 4)],
            verify: { headers, _, _ throws(VerificationFailure) in try verifier.verify(header: headers.value(.webhookToken)) }
        )
    }

    static func standard(name: String, secrets: [String], tolerance: Int64) -> WebhookSource {
        let verifier = StandardWebhookSignature(secrets: secrets, tolerance: tolerance)
        return WebhookSource(
            name: "in:\(name)", route: "inbound", fields: [["type"]],
            key: { _, headers in headers.value(.webhookID).map { "in:\(name):" + $0 } },
            requiredFields: "a Standard Webhooks delivery needs a webhook-id header",
            keptHeaders: [.webhookID, .webhookTimestamp, .webhookSignature],
            fieldMetadata: [("event-type", 0)],
            verify: { headers, body, now throws(VerificationFailure) in
                try verifier.verify(
                    id: headers.value(.webhookID), timestamp: headers.value(.webhookTimestamp),
                    signatureHeader: headers.value(.webhookSignature), body: body, now: now
                )
            }
        )
    }
}
