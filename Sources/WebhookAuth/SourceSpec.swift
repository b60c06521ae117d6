/// A source as the log records it (`config.source.*`): everything of a ``SourceDefinition`` but its secrets, which
/// it names by id only (``SecretRef``); the secrets themselves are kept outside the log, in a ``SecretStore``.
package struct SourceSpec: Sendable, Equatable, Codable {
    /// A secret of the source, by id, and until when it stays valid (`nil`: until rotated out), in seconds since
    /// the epoch: a rotation keeps the old secret valid for an overlap, as Stripe and Svix do.
    package struct SecretRef: Sendable, Equatable, Codable {
        package var id: String
        package var notAfter: Int64?
        package init(id: String, notAfter: Int64? = nil) { (self.id, self.notAfter) = (id, notAfter) }

        /// Whether the secret is still valid at `now`.
        package func isValid(at now: Int64) -> Bool { notAfter.map { now < $0 } ?? true }
    }

    package var name: String
    package var kind: String
    package var paths: [String]
    package var secrets: [SecretRef]
    package var hmac: HMACScheme?
    package var idempotencyKey: SourceDefinition.KeyFrom?
    package var toleranceSeconds: Int64?

    package init(
        name: String, kind: String, paths: [String], secrets: [SecretRef], hmac: HMACScheme? = nil,
        idempotencyKey: SourceDefinition.KeyFrom? = nil, toleranceSeconds: Int64? = nil
    ) {
        (self.name, self.kind, self.paths, self.secrets) = (name, kind, paths, secrets)
        (self.hmac, self.idempotencyKey, self.toleranceSeconds) = (hmac, idempotencyKey, toleranceSeconds)
    }

    /// The definition the gateway checks deliveries with, given the secret of each valid id.
    package func definition(secrets values: [String]) -> SourceDefinition {
        var definition = SourceDefinition(
            name: name, kind: .hmac, paths: paths, secrets: values, hmac: hmac, idempotencyKey: idempotencyKey,
            toleranceSeconds: toleranceSeconds)
        definition.kindName = kind
        return definition
    }
}
