import Crypto
import Foundation

/// Verifies a Standard Webhooks delivery: `webhook-id`, `webhook-timestamp` and `webhook-signature` (a
/// space-separated list of `v1,<base64>`), where each signature is HMAC-SHA256 of `"{id}.{timestamp}.{body}"`
/// keyed with the base64-decoded part of a `whsec_` secret.
package struct StandardWebhookSignature: Sendable {
    /// One HMAC per configured secret, keyed with its decoded bytes, and fed nothing yet.
    let keys: [HMAC<SHA256>]
    let tolerance: Int64

    /// Verifies with `whsec_<base64>` secrets, allowing `tolerance` seconds of clock difference.
    package init(secrets: [String], tolerance: Int64) {
        keys = secrets.compactMap(Self.key(fromSecret:)).map { HMAC<SHA256>(key: SymmetricKey(data: $0)) }
        self.tolerance = tolerance
    }

    /// Decodes `whsec_<base64>` secrets; `nil` for one that is not of that form.
    package static func key(fromSecret secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))), !data.isEmpty
        else {
            return nil
        }
        return Array(data)
    }

    /// Checks the three headers against `body`; `now` is seconds since the epoch, or `nil` to skip the time check.
    package func verify(
        id: String?, timestamp: String?, signatureHeader: String?, body: UnsafeRawBufferPointer, now: Int64?
    ) throws(VerificationFailure) {
        guard !keys.isEmpty else {
            throw VerificationFailure(
                .invalidSignature, "no secret is configured for this endpoint, so every delivery is refused")
        }
        guard let id, !id.isEmpty, let timestamp, !timestamp.isEmpty, let signatureHeader, !signatureHeader.isEmpty
        else {
            throw VerificationFailure(
                .invalidSignature, "the webhook-id, webhook-timestamp and webhook-signature headers are all required")
        }
        guard let seconds = Int64(timestamp) else {
            throw VerificationFailure(
                .malformedSignatureHeader, "webhook-timestamp must be whole seconds since the epoch")
        }
        let signatures = signatureHeader.split(separator: " ").compactMap { entry -> [UInt8]? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { return nil }
            return Data(base64Encoded: String(parts[1])).map(Array.init) ?? []
        }
        guard !signatures.isEmpty else {
            throw VerificationFailure(.malformedSignatureHeader, "webhook-signature has no v1,<base64> entry")
        }
        try Verification.checkSignatureCount(signatures.count, header: "webhook-signature")
        guard
            Verification.anySHA256Matches(
                keyed: keys, prefix: Array("\(id).\(timestamp).".utf8), body: body, signatures: signatures)
        else {
            throw VerificationFailure(
                .invalidSignature, "no v1 signature in webhook-signature matches the body with any configured secret")
        }
        try Verification.checkFreshness(seconds, now: now, tolerance: tolerance, header: "webhook-timestamp")
    }
}
