import Crypto
import EventLog
import Projections
import HTTPTypes
import Hummingbird
import WebhookAuth
import JSONScan

/// A field of a webhook's body whose kind of JSON value the projections rely on: the gateway refuses a body that
/// breaks it, so that the log holds no webhook the projections' decoders would refuse for its shape.
struct FieldRule: Sendable {
    /// The field's index in the source's `fields`.
    let index: Int
    /// The field as the sender's documentation names it, for the message.
    let name: String
    /// The kinds of value accepted; `null` is accepted wherever the field is optional.
    let kinds: Set<JSONFieldScanner.Kind>
    /// Whether the field must be there (and not `null`).
    let required: Bool

    init(index: Int, name: String, kinds: Set<JSONFieldScanner.Kind>, required: Bool) {
        (self.index, self.name, self.kinds, self.required) = (index, name, kinds, required)
    }

    /// A message saying how a value of `kind` (`nil`: absent) with text `value` breaks the rule, or `nil` when it
    /// keeps it. A number must be whole and fit in 64 bits, as the projections read every number they use.
    func violation(_ kind: JSONFieldScanner.Kind?, _ value: String?) -> String? {
        guard let kind, kind != .null || required else {
            return required ? "\"\(name)\" is required and must be \(expected)" : nil
        }
        guard kinds.contains(kind) else { return "\"\(name)\" must be \(expected); got \(Self.describe(kind))" }
        if kind == .number, Int64(value ?? "") == nil {
            return "\"\(name)\" must be a whole number from \(Int64.min) to \(Int64.max)"
        }
        return nil
    }

    private var expected: String { kinds.map(Self.describe).sorted().joined(separator: " or ") }

    private static func describe(_ kind: JSONFieldScanner.Kind) -> String {
        switch kind {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .object: "an object"
        case .array: "an array"
        }
    }
}

/// What the gateway knows about one kind of sender: how to check it, which fields name its event, and which
/// headers are worth keeping for auditors.
struct WebhookSource: Sendable {
    /// The `source` written to the log, such as `stripe` or `in:orders`.
    let name: String
    /// The label used in metrics.
    let route: String
    /// Fields read from the body: the first ones make up the idempotency key.
    let fields: JSONFieldScanner.Paths
    /// Builds the idempotency key from the fields' values (and headers, or the body itself); `nil` when a required
    /// one is missing.
    let key: @Sendable (_ values: [String?], _ headers: HTTPFields, _ body: UnsafeRawBufferPointer) -> String?
    /// Names the fields a sender must fill in, for the error message.
    let requiredFields: String
    /// The kinds of value the projections rely on, checked before the key is made.
    var rules: [FieldRule] = []
    /// Headers kept in the event's metadata (signatures only; never tokens).
    let keptHeaders: [HTTPField.Name]
    /// Metadata taken from fields: (metadata name, index into `fields`).
    let fieldMetadata: [(String, Int)]
    /// Checks authenticity; `now` is seconds since the epoch.
    let verify:
        @Sendable (_ headers: HTTPFields, _ body: UnsafeRawBufferPointer, _ now: Int64) throws(VerificationFailure) ->
            Void
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
        stripe(secrets: configuration.stripeSecrets, tolerance: configuration.stripeToleranceSeconds, route: "stripe")
    }

    static func stripe(secrets: [String], tolerance: Int64, route: String) -> WebhookSource {
        let verifier = StripeSignature(secrets: secrets, tolerance: tolerance)
        return WebhookSource(
            name: "stripe", route: route,
            fields: [["id"], ["type"], ["livemode"], ["created"], ["data"], ["data", "object"]],
            key: { values, _, _ in values[0].map { "stripe:" + $0 } },
            requiredFields: "a Stripe event needs a string \"id\"",
            rules: [
                FieldRule(index: 0, name: "id", kinds: [.string], required: true),
                FieldRule(index: 1, name: "type", kinds: [.string], required: true),
                FieldRule(index: 2, name: "livemode", kinds: [.bool], required: false),
                FieldRule(index: 3, name: "created", kinds: [.number], required: false),
                FieldRule(index: 4, name: "data", kinds: [.object], required: false),
                FieldRule(index: 5, name: "data.object", kinds: [.object], required: false),
            ],
            keptHeaders: [.stripeSignature],
            fieldMetadata: [("event-type", 1), ("livemode", 2)],
            verify: { headers, body, now throws(VerificationFailure) in
                try verifier.verify(header: headers.value(.stripeSignature), body: body, now: now)
            }
        )
    }

    static func intercom(_ configuration: GatewayConfiguration) -> WebhookSource {
        intercom(secrets: configuration.intercomSecrets, route: "intercom")
    }

    static func intercom(secrets: [String], route: String) -> WebhookSource {
        let verifier = IntercomSignature(secrets: secrets)
        return WebhookSource(
            name: "intercom", route: route,
            fields: [["id"], ["topic"], ["data"], ["data", "item"], ["created_at"]],
            key: { values, _, body in
                if let id = values[0] { return "intercom:" + id }
                // The endpoint test Intercom sends when a webhook is set up has "id": null; the body's digest keys it,
                // so a repeat of the same ping is a duplicate.
                guard values[1] == "ping" else { return nil }
                return "intercom:ping:" + Hex.encode(SHA256.hash(data: body))
            },
            requiredFields: "an Intercom notification needs an \"id\" (a ping may have \"id\": null)",
            rules: [
                FieldRule(index: 0, name: "id", kinds: [.string, .number], required: false),
                FieldRule(index: 1, name: "topic", kinds: [.string], required: true),
                FieldRule(index: 2, name: "data", kinds: [.object], required: false),
                FieldRule(index: 3, name: "data.item", kinds: [.object], required: false),
                FieldRule(index: 4, name: "created_at", kinds: [.number], required: false),
            ],
            keptHeaders: [.hubSignature],
            fieldMetadata: [("event-type", 1)],
            verify: { headers, body, _ throws(VerificationFailure) in
                try verifier.verify(header: headers.value(.hubSignature), body: body)
            }
        )
    }

    /// Contact2Sale posts a lead either flat (`id`, `hook_action`, `attributes`) or wrapped in `data`.
    static func c2s(_ configuration: GatewayConfiguration) -> WebhookSource {
        c2s(tokens: configuration.c2sTokens, route: "c2s")
    }

    static func c2s(tokens: [String], route: String) -> WebhookSource {
        let verifier = C2SToken(tokens: tokens)
        return WebhookSource(
            name: "c2s", route: route,
            fields: [
                ["id"], ["hook_action"], ["attributes", "updated_at"],
                ["data", "id"], ["data", "hook_action"], ["data", "attributes", "updated_at"],
            ],
            key: { v, _, _ in
                guard let id = v[0] ?? v[3], let action = v[1] ?? v[4], let updated = v[2] ?? v[5] else { return nil }
                return "c2s:\(id):\(action):\(updated)"
            },
            requiredFields: "a Contact2Sale lead needs \"id\", \"hook_action\" and \"attributes.updated_at\"",
            rules: [
                FieldRule(index: 0, name: "id", kinds: [.string, .number], required: false),
                FieldRule(index: 1, name: "hook_action", kinds: [.string], required: false),
                FieldRule(index: 2, name: "attributes.updated_at", kinds: [.string], required: false),
                FieldRule(index: 3, name: "data.id", kinds: [.string, .number], required: false),
                FieldRule(index: 4, name: "data.hook_action", kinds: [.string], required: false),
                FieldRule(index: 5, name: "data.attributes.updated_at", kinds: [.string], required: false),
            ],
            keptHeaders: [],
            fieldMetadata: [("hook-action", 1), ("hook-action", 4)],
            verify: { headers, _, _ throws(VerificationFailure) in
                try verifier.verify(header: headers.value(.webhookToken))
            }
        )
    }

    static func standard(name: String, secrets: [String], tolerance: Int64, route: String = "inbound") -> WebhookSource
    {
        let verifier = StandardWebhookSignature(secrets: secrets, tolerance: tolerance)
        return WebhookSource(
            name: "in:\(name)", route: route, fields: [["type"]],
            key: { _, headers, _ in headers.value(.webhookID).map { "in:\(name):" + $0 } },
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
