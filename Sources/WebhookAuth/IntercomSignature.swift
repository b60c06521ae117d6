import Crypto
import EventLog

/// Verifies Intercom's `X-Hub-Signature: sha1=…`: HMAC-SHA1 of the raw body keyed with the app's client
/// secret, in lowercase hex.
package struct IntercomSignature: Sendable {
    /// One HMAC per configured secret, keyed and fed nothing yet.
    let keys: [HMAC<Insecure.SHA1>]

    /// Verifies with the app's client secrets.
    package init(secrets: [String]) {
        keys = secrets.map { HMAC<Insecure.SHA1>(key: SymmetricKey(data: Array($0.utf8))) }
    }

    /// Checks `header` (`X-Hub-Signature`) against `body`.
    package func verify(header: String?, body: UnsafeRawBufferPointer) throws(VerificationFailure) {
        guard !keys.isEmpty else {
            throw VerificationFailure(
                .invalidSignature, "no Intercom client secret is configured, so every Intercom webhook is refused")
        }
        guard let header, !header.isEmpty else {
            throw VerificationFailure(.invalidSignature, "the X-Hub-Signature header is missing")
        }
        guard header.hasPrefix("sha1="), let signature = Hex.decode(Array(header.utf8.dropFirst(5))),
            signature.count == 20
        else {
            throw VerificationFailure(
                .malformedSignatureHeader, "X-Hub-Signature must be sha1= followed by 40 hexadecimal digits")
        }
        var matched = false
        for key in keys {
            var mac = key
            mac.update(data: body)
            if Verification.matches(mac.finalize(), signature) { matched = true }
        }
        guard matched else {
            throw VerificationFailure(
                .invalidSignature, "X-Hub-Signature does not match the body with any configured client secret")
        }
    }
}
