import Crypto
import EventLog
import HTTPTypes
import JSONScan
import WebhookAuth

extension WebhookSource {
    /// The source a user defined: its kind's checks with its own secrets. Stripe, Intercom and Contact2Sale sources
    /// write as the built-in ones do (their source and keys, so that the projections read them and a delivery on an
    /// alias and on the built-in path is one event); Standard Webhooks and `hmac` sources write `in:<name>`. Metrics
    /// count each under `source:<name>`.
    static func defined(_ definition: SourceDefinition) -> WebhookSource {
        let route = "source:\(definition.name)"
        let tolerance = definition.toleranceSeconds ?? 300
        switch definition.kind ?? .hmac {
        case .stripe: return stripe(secrets: definition.secrets, tolerance: tolerance, route: route)
        case .intercom: return intercom(secrets: definition.secrets, route: route)
        case .c2s: return c2s(tokens: definition.secrets, route: route)
        case .standard:
            return standard(name: definition.name, secrets: definition.secrets, tolerance: tolerance, route: route)
        case .hmac: return hmac(definition, route: route)
        }
    }

    /// A sender that signs its own way: the scheme's header checked against the body; the key from the configured
    /// header or field, else the body's SHA-256.
    private static func hmac(_ definition: SourceDefinition, route: String) -> WebhookSource {
        let scheme = definition.hmac ?? HMACScheme(header: "X-Signature")
        let verifier = HMACSignature(scheme: scheme, secrets: definition.secrets)
        let signature = HTTPField.Name(scheme.header)
        let timestamp = scheme.timestampHeader.flatMap { HTTPField.Name($0) }
        let keyHeader = definition.idempotencyKey?.header.flatMap { HTTPField.Name($0) }
        let keyField = definition.idempotencyKey?.field.map { $0.split(separator: ".").map(String.init) }
        let name = "in:\(definition.name)"
        let kept = [signature, timestamp, keyHeader].compactMap { $0 }
        let requirement =
            keyHeader.map { "a delivery needs its \($0.canonicalName) header" }
            ?? keyField.map { "a delivery needs a string or number \"\($0.joined(separator: "."))\"" }
            ?? "a JSON object"
        return WebhookSource(
            name: name, route: route, fields: keyField.map { [$0] } ?? [],
            key: { values, headers, body in
                if let keyHeader { return headers.value(keyHeader).map { "\(name):" + $0 } }
                if keyField != nil { return values.first.flatMap { $0 }.map { "\(name):" + $0 } }
                return "\(name):sha256:" + Hex.encode(SHA256.hash(data: body))
            },
            requiredFields: requirement,
            rules: keyField.map {
                [FieldRule(index: 0, name: $0.joined(separator: "."), kinds: [.string, .number], required: true)]
            } ?? [],
            keptHeaders: kept, fieldMetadata: [],
            verify: { headers, body, now throws(VerificationFailure) in
                try verifier.verify(
                    signature: signature.flatMap { headers.value($0) },
                    timestamp: timestamp.flatMap { headers.value($0) },
                    body: body, now: now)
            }
        )
    }
}
