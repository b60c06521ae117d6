import Foundation

/// How a sender that signs its own way signs: a source of kind `hmac`. Everything is checked when the source is
/// defined (``validate()``), so a scheme that cannot work is refused then, never at the first delivery.
package struct HMACScheme: Sendable, Equatable, Codable {
    package enum Algorithm: String, Sendable, Codable, CaseIterable { case sha1, sha256, sha512 }
    package enum Encoding: String, Sendable, Codable, CaseIterable { case hex, base64 }

    /// The header that carries the signature, such as `X-Hub-Signature-256`.
    package var header: String
    /// What the header's value starts with before the signature, such as `sha256=`; empty for none.
    package var prefix: String = ""
    package var algorithm: Algorithm = .sha256
    package var encoding: Encoding = .hex
    /// What is signed: `{body}` (the raw body), or a template of `{timestamp}` (the value of ``timestampHeader``) and
    /// `{body}`, such as Slack's `v0:{timestamp}:{body}`. `{body}` appears exactly once, at the end.
    package var signed: String = "{body}"
    /// The header with the signing time in seconds since the epoch, when ``signed`` uses `{timestamp}`.
    package var timestampHeader: String?
    /// How far the signing time may lie from now, in seconds. Default 300.
    package var toleranceSeconds: Int64 = 300

    package init(
        header: String, prefix: String = "", algorithm: Algorithm = .sha256, encoding: Encoding = .hex,
        signed: String = "{body}", timestampHeader: String? = nil, toleranceSeconds: Int64 = 300
    ) {
        (self.header, self.prefix, self.algorithm, self.encoding) = (header, prefix, algorithm, encoding)
        (self.signed, self.timestampHeader, self.toleranceSeconds) = (signed, timestampHeader, toleranceSeconds)
    }

    private enum CodingKeys: String, CodingKey {
        case header, prefix, algorithm, encoding, signed, timestampHeader, toleranceSeconds
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decode(String.self, forKey: .header)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix) ?? ""
        algorithm = try c.decodeIfPresent(Algorithm.self, forKey: .algorithm) ?? .sha256
        encoding = try c.decodeIfPresent(Encoding.self, forKey: .encoding) ?? .hex
        signed = try c.decodeIfPresent(String.self, forKey: .signed) ?? "{body}"
        timestampHeader = try c.decodeIfPresent(String.self, forKey: .timestampHeader)
        toleranceSeconds = try c.decodeIfPresent(Int64.self, forKey: .toleranceSeconds) ?? 300
    }

    /// The problem with this scheme, as (field, message), or `nil` when it can work.
    package func validate() -> (field: String, message: String)? {
        if header.isEmpty
            || !header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        {
            return ("header", "a header name of letters, digits, - and _")
        }
        guard signed.hasSuffix("{body}"), signed.components(separatedBy: "{body}").count == 2 else {
            return (
                "signed", "a template that ends with {body} and has it once, such as {body} or v0:{timestamp}:{body}"
            )
        }
        let head = signed.dropLast("{body}".count)
        let usesTimestamp = head.contains("{timestamp}")
        if head.replacingOccurrences(of: "{timestamp}", with: "").contains("{") {
            return ("signed", "only {timestamp} and {body} can be filled in")
        }
        if usesTimestamp, timestampHeader?.isEmpty ?? true {
            return ("timestampHeader", "the header with the signing time, since signed uses {timestamp}")
        }
        guard (1...86_400).contains(toleranceSeconds) else { return ("toleranceSeconds", "1 to 86400 seconds") }
        return nil
    }

    /// Whether ``signed`` uses the signing time.
    package var usesTimestamp: Bool { signed.contains("{timestamp}") }
}
