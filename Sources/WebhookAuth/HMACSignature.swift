import Crypto
import EventLog
import Foundation

/// Verifies a delivery signed by an ``HMACScheme``: the HMAC of what the scheme signs, keyed with one of the
/// source's secrets, in the scheme's encoding, after its prefix, in its header. GitHub (`X-Hub-Signature-256:
/// sha256=<hex>`), Shopify (`X-Shopify-Hmac-Sha256: <base64>`) and Slack (`X-Slack-Signature: v0=<hex>` over
/// `v0:{timestamp}:{body}`) are such schemes.
package struct HMACSignature: Sendable {
    let scheme: HMACScheme
    let secrets: [[UInt8]]

    /// Verifies with `secrets` (several during a rotation), each used as its UTF-8 bytes.
    package init(scheme: HMACScheme, secrets: [String]) {
        self.scheme = scheme
        self.secrets = secrets.map { Array($0.utf8) }
    }

    /// Checks `signature` (the value of the scheme's header) and `timestamp` (its timestamp header's) against `body`;
    /// `now` is seconds since the epoch.
    package func verify(
        signature: String?, timestamp: String?, body: UnsafeRawBufferPointer, now: Int64
    ) throws(VerificationFailure) {
        guard !secrets.isEmpty else {
            throw VerificationFailure(
                .invalidSignature, "no secret is configured for this source, so every delivery is refused")
        }
        guard let signature, !signature.isEmpty else {
            throw VerificationFailure(.invalidSignature, "the \(scheme.header) header is missing")
        }
        guard signature.hasPrefix(scheme.prefix),
            let presented = decode(String(signature.dropFirst(scheme.prefix.count))),
            presented.count == macSize
        else {
            throw VerificationFailure(
                .malformedSignatureHeader,
                "\(scheme.header) must be \(scheme.prefix.isEmpty ? "" : "\(scheme.prefix) followed by ")the \(scheme.algorithm.rawValue.uppercased()) HMAC in \(scheme.encoding.rawValue)"
            )
        }
        var head = [UInt8]()
        if scheme.usesTimestamp {
            guard let header = scheme.timestampHeader, let timestamp, let seconds = Int64(timestamp) else {
                throw VerificationFailure(
                    .malformedSignatureHeader,
                    "the \(scheme.timestampHeader ?? "timestamp") header must be whole seconds since the epoch")
            }
            guard Verification.distance(now, seconds) <= UInt64(scheme.toleranceSeconds) else {
                throw VerificationFailure(
                    .staleTimestamp, "\(header) is more than \(scheme.toleranceSeconds) s from this gateway's clock")
            }
            head = Array(
                String(scheme.signed.dropLast("{body}".count)).replacingOccurrences(of: "{timestamp}", with: timestamp)
                    .utf8)
        } else {
            head = Array(scheme.signed.dropLast("{body}".count).utf8)
        }
        var matched = false
        for secret in secrets where matches(secret, head, body, presented) { matched = true }
        guard matched else {
            throw VerificationFailure(
                .invalidSignature, "\(scheme.header) does not match the body with any of this source's secrets")
        }
    }

    private var macSize: Int {
        switch scheme.algorithm {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    private func decode(_ text: String) -> [UInt8]? {
        switch scheme.encoding {
        case .hex: Hex.decode(Array(text.utf8))
        case .base64: Data(base64Encoded: text).map(Array.init)
        }
    }

    private func matches(
        _ secret: [UInt8], _ head: [UInt8], _ body: UnsafeRawBufferPointer, _ presented: [UInt8]
    ) -> Bool {
        let key = SymmetricKey(data: secret)
        switch scheme.algorithm {
        case .sha1:
            var mac = HMAC<Insecure.SHA1>(key: key)
            mac.update(data: head)
            mac.update(data: body)
            return Verification.matches(mac.finalize(), presented)
        case .sha256:
            var mac = HMAC<SHA256>(key: key)
            mac.update(data: head)
            mac.update(data: body)
            return Verification.matches(mac.finalize(), presented)
        case .sha512:
            var mac = HMAC<SHA512>(key: key)
            mac.update(data: head)
            mac.update(data: body)
            return Verification.matches(mac.finalize(), presented)
        }
    }
}
