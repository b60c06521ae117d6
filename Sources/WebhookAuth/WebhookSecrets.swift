import Foundation

/// The secrets that verify webhooks, read as the gateway reads them: from its config file, then overridden by
/// environment variables. The gateway checks deliveries with them; `replay check-signatures` re-checks stored ones.
package struct WebhookSecrets: Sendable, Equatable {
    /// Stripe endpoint secrets, `whsec_…`; several allow rotation [`stripe.secrets`, `SWITCHYARD_STRIPE_SECRETS`]. Default none.
    package var stripe: [String] = []
    /// Intercom app client secrets [`intercom.secrets`, `SWITCHYARD_INTERCOM_SECRETS`]. Default none.
    package var intercom: [String] = []
    /// Contact2Sale `X-Webhook-Token` values [`c2s.tokens`, `SWITCHYARD_C2S_TOKENS`]. Default none.
    package var c2sTokens: [String] = []
    /// Standard Webhooks endpoints by name, each with its `whsec_<base64>` secrets [`inbound.<name>.secrets`,
    /// `SWITCHYARD_INBOUND_SECRETS` as `name=whsec_…,name=whsec_…`]. Default none.
    package var inbound: [String: [String]] = [:]
    /// The sources users define, with their secrets [`sources`]. Default none.
    package var sources: [SourceDefinition] = []

    /// No secrets.
    package init() {}

    private struct File: Decodable {
        struct Secrets: Decodable { var secrets: [String]? }
        struct Tokens: Decodable { var tokens: [String]? }
        var stripe: Secrets?
        var intercom: Secrets?
        var c2s: Tokens?
        var inbound: [String: Secrets]?
        var sources: [SourceDefinition]?
    }

    /// Takes the secrets of a gateway config file (JSON) at `path`; other keys are left to the gateway.
    package mutating func apply(file data: Data, path: String) throws(SecretsError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw SecretsError(setting: "\(path): \(Self.setting(context.codingPath))", message: "has the wrong type")
        } catch let DecodingError.keyNotFound(key, context) {
            throw SecretsError(setting: "\(path): \(Self.setting(context.codingPath + [key]))", message: "is required")
        } catch let DecodingError.dataCorrupted(context) {
            throw SecretsError(
                setting: "\(path): \(Self.setting(context.codingPath))", message: "is not one of the values it can take"
            )
        } catch {
            throw SecretsError(setting: path, message: "cannot be read as a Switchyard config file")
        }
        if let value = file.stripe?.secrets { stripe = value }
        if let value = file.intercom?.secrets { intercom = value }
        if let value = file.c2s?.tokens { c2sTokens = value }
        if let value = file.inbound { inbound = value.mapValues { $0.secrets ?? [] } }
        if let value = file.sources { sources = value }
    }

    /// A setting's name as the user wrote it, from a decoding path: `sources[0].hmac.algorithm`.
    static func setting(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    /// Takes `SWITCHYARD_STRIPE_SECRETS`, `SWITCHYARD_INTERCOM_SECRETS`, `SWITCHYARD_C2S_TOKENS` and
    /// `SWITCHYARD_INBOUND_SECRETS` (comma-separated), each replacing what the file gave.
    package mutating func apply(environment: [String: String]) throws(SecretsError) {
        func list(_ name: String) -> [String]? {
            environment[name].map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        }
        if let value = list("SWITCHYARD_STRIPE_SECRETS") { stripe = value }
        if let value = list("SWITCHYARD_INTERCOM_SECRETS") { intercom = value }
        if let value = list("SWITCHYARD_C2S_TOKENS") { c2sTokens = value }
        if let value = list("SWITCHYARD_INBOUND_SECRETS") {
            var endpoints = [String: [String]]()
            for entry in value {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw SecretsError(
                        setting: "SWITCHYARD_INBOUND_SECRETS",
                        message: "expected name=whsec_… entries separated by commas")
                }
                endpoints[parts[0], default: []].append(parts[1])
            }
            inbound = endpoints
        }
    }
}

/// A secret setting that is missing or malformed; it names the setting, never the secret.
package struct SecretsError: Error, CustomStringConvertible, Sendable {
    /// The setting as the user wrote it: a variable or a file key.
    package let setting: String
    /// What is wrong with it.
    package let message: String
    package var description: String { "\(setting): \(message)" }
}
