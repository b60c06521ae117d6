import Foundation

/// A webhook source its user defines [`sources` in the config file]: a name, a kind (how the sender signs), the
/// paths it posts to (the first, then aliases kept for migrations), its secrets (several at once during a rotation),
/// and its kind's options. The gateway's four built-in routes stay as they are; a source adds paths beside them.
package struct SourceDefinition: Sendable, Equatable, Decodable {
    /// How a source's sender signs.
    package enum Kind: String, Sendable, CaseIterable {
        /// Stripe's `Stripe-Signature`, with `whsec_…` secrets.
        case stripe
        /// Intercom's `X-Hub-Signature: sha1=…`, with client secrets.
        case intercom
        /// Contact2Sale's `X-Webhook-Token`, with tokens.
        case c2s
        /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), with `whsec_<base64>` secrets.
        case standard
        /// A sender's own HMAC scheme (``HMACScheme``).
        case hmac
    }

    /// Where an `hmac` source's idempotency key comes from: a header (such as `X-GitHub-Delivery`) or a field of the
    /// JSON body, as a dotted path (such as `event_id`). Without either, the body's SHA-256 keys it, so an exact
    /// repeat is a duplicate.
    package struct KeyFrom: Sendable, Equatable, Codable {
        package var header: String?
        package var field: String?
        package init(header: String? = nil, field: String? = nil) { (self.header, self.field) = (header, field) }
    }

    package var name: String
    /// The kind as written; ``kind`` is `nil` when it names none.
    package var kindName: String
    package var paths: [String]
    package var secrets: [String]
    package var hmac: HMACScheme?
    package var idempotencyKey: KeyFrom?
    /// How far a signature's time may lie from now, in seconds (`stripe`, `standard`). Default 300.
    package var toleranceSeconds: Int64?

    package var kind: Kind? { Kind(rawValue: kindName) }

    package init(
        name: String, kind: Kind, paths: [String], secrets: [String], hmac: HMACScheme? = nil,
        idempotencyKey: KeyFrom? = nil, toleranceSeconds: Int64? = nil
    ) {
        (self.name, self.kindName, self.paths, self.secrets) = (name, kind.rawValue, paths, secrets)
        (self.hmac, self.idempotencyKey, self.toleranceSeconds) = (hmac, idempotencyKey, toleranceSeconds)
    }

    private enum CodingKeys: String, CodingKey {
        case name, kindName = "kind", paths, secrets, hmac, idempotencyKey, toleranceSeconds
    }

    /// The paths the gateway serves itself, which no source may take.
    package static let builtInPaths: Set<String> = ["/webhooks/stripe", "/webhooks/intercom", "/webhooks/c2s"]
    /// Path prefixes of the gateway's own routes.
    package static let reservedPrefixes = [
        "/api/", "/console", "/health", "/metrics", "/openapi.json", "/webhooks/in/",
    ]

    /// Whether `path` lies among the gateway's own routes. Its API is not versioned, so a sender's `/api/v1/…` is free.
    static func isReserved(_ path: String) -> Bool {
        if path.hasPrefix("/api/v"), path.dropFirst(6).first?.isNumber == true { return false }
        return builtInPaths.contains(path) || reservedPrefixes.contains { path.hasPrefix($0) }
    }

    /// The problem with `sources`, as the setting it names (`sources[1].paths[0]`) and what is wrong; `nil` when
    /// every source can work.
    /// `names` and `paths` (each with its source's name) are taken already, by sources defined elsewhere.
    package static func problem(
        in sources: [SourceDefinition], names taken: Set<String> = [], paths takenPaths: [String: String] = [:]
    ) -> (setting: String, message: String)? {
        var names = taken
        var taken = takenPaths
        for (index, source) in sources.enumerated() {
            let at = "sources[\(index)]"
            guard (1...64).contains(source.name.count),
                source.name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") })
            else { return ("\(at).name", "1 to 64 lowercase letters, digits, - and _") }
            guard names.insert(source.name).inserted else {
                return ("\(at).name", "another source is named \(source.name)")
            }
            guard let kind = source.kind else {
                return (
                    "\(at).kind",
                    "unknown kind \"\(source.kindName)\"; expected stripe, intercom, c2s, standard or hmac"
                )
            }
            guard !source.paths.isEmpty else {
                return ("\(at).paths", "at least one path, such as /webhook/\(source.name)")
            }
            for (p, path) in source.paths.enumerated() {
                let setting = "\(at).paths[\(p)]"
                let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
                guard path.hasPrefix("/"), path.utf8.count <= 256, !segments.isEmpty,
                    segments.allSatisfy({
                        !$0.isEmpty
                            && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) }
                    })
                else { return (setting, "a path such as /webhook/intercom: segments of letters, digits, - . _ ~") }
                guard !Self.isReserved(path) else {
                    return (setting, "\(path) is one of the gateway's own routes")
                }
                if let other = taken.updateValue(source.name, forKey: path) {
                    return (setting, "\(path) is a path of source \(other) already")
                }
            }
            guard !source.secrets.isEmpty, source.secrets.allSatisfy({ !$0.isEmpty }) else {
                return ("\(at).secrets", "at least one secret (several during a rotation)")
            }
            if kind == .stripe, !source.secrets.allSatisfy({ $0.hasPrefix("whsec_") }) {
                return ("\(at).secrets", "each Stripe secret starts with whsec_")
            }
            if kind == .standard,
                !source.secrets.allSatisfy({
                    $0.hasPrefix("whsec_") && Data(base64Encoded: String($0.dropFirst(6))) != nil
                })
            {
                return ("\(at).secrets", "each Standard Webhooks secret is whsec_ followed by base64")
            }
            if let tolerance = source.toleranceSeconds, !(1...86_400).contains(tolerance) {
                return ("\(at).toleranceSeconds", "1 to 86400 seconds")
            }
            switch (kind, source.hmac) {
            case (.hmac, nil):
                return ("\(at).hmac", "an hmac source needs its scheme: header, prefix, algorithm, encoding, signed")
            case (.hmac, let scheme?):
                if let problem = scheme.validate() { return ("\(at).hmac.\(problem.field)", problem.message) }
            case (_, .some): return ("\(at).hmac", "only an hmac source has a scheme")
            default: break
            }
            if let key = source.idempotencyKey {
                guard kind == .hmac else {
                    return ("\(at).idempotencyKey", "only an hmac source takes its key from the request")
                }
                guard (key.header == nil) != (key.field == nil) else {
                    return ("\(at).idempotencyKey", "a header or a field, not both")
                }
                if let field = key.field,
                    field.isEmpty
                        || field.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
                        || field.split(separator: ".").count > 8
                {
                    return ("\(at).idempotencyKey.field", "a dotted path of up to 8 names, such as event_id")
                }
            }
        }
        return nil
    }
}
