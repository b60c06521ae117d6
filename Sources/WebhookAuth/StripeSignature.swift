import Crypto
import EventLog

/// Verifies `Stripe-Signature: t=…,v1=…`: HMAC-SHA256 of `"{t}.{raw body}"`, keyed with the endpoint secret
/// string as given, in lowercase hex. Any `v1` may match any configured secret (rotation); `v0` is ignored.
package struct StripeSignature: Sendable {
    /// One HMAC per configured secret, keyed with the secret's UTF-8 bytes as Stripe uses them, and fed nothing yet.
    let keys: [HMAC<SHA256>]
    /// How far `t` may be from now, in seconds.
    let tolerance: Int64

    /// Verifies with `secrets` (`whsec_…`, used as given), allowing `tolerance` seconds of clock difference.
    package init(secrets: [String], tolerance: Int64) {
        keys = secrets.map { HMAC<SHA256>(key: SymmetricKey(data: Array($0.utf8))) }
        self.tolerance = tolerance
    }

    /// Checks `header` against `body`; `now` is in seconds since the epoch, or `nil` to skip the time check
    /// (when an auditor re-verifies a stored event).
    package func verify(header: String?, body: UnsafeRawBufferPointer, now: Int64?) throws(VerificationFailure) {
        guard !keys.isEmpty else {
            throw VerificationFailure(
                .invalidSignature, "no Stripe signing secret is configured, so every Stripe webhook is refused")
        }
        guard let header, !header.isEmpty else {
            throw VerificationFailure(.invalidSignature, "the Stripe-Signature header is missing")
        }
        let parsed = Self.parse(header)
        if parsed.badTimestamp {
            throw VerificationFailure(
                .malformedSignatureHeader, "the Stripe-Signature timestamp t is not a whole number of seconds")
        }
        let timestamp = parsed.timestamp
        let timestampText = parsed.timestampText
        let signatures = parsed.signatures
        guard let timestamp else {
            throw VerificationFailure(
                .malformedSignatureHeader, "the Stripe-Signature header has no t=<timestamp> element")
        }
        guard !signatures.isEmpty else {
            throw VerificationFailure(
                .malformedSignatureHeader, "the Stripe-Signature header has no v1=<signature> element")
        }
        try Verification.checkSignatureCount(signatures.count, header: "the Stripe-Signature timestamp")
        guard
            Verification.anySHA256Matches(
                keyed: keys, prefix: timestampText + [UInt8(ascii: ".")], body: body, signatures: signatures)
        else {
            throw VerificationFailure(
                .invalidSignature, "no v1 signature in Stripe-Signature matches the body with any configured secret")
        }
        try Verification.checkFreshness(
            timestamp, now: now, tolerance: tolerance, header: "the Stripe-Signature timestamp")
    }
}

extension StripeSignature {
    /// The header's `t` and `v1` elements, read from its bytes: `t=…,v1=…,v1=…,v0=…`.
    static func parse(
        _ header: String
    ) -> (timestamp: Int64?, timestampText: [UInt8], signatures: [[UInt8]], badTimestamp: Bool) {
        var timestamp: Int64?
        var timestampText = [UInt8]()
        var signatures = [[UInt8]]()
        var badTimestamp = false
        let bytes = Array(header.utf8)
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
            var nameStart = start
            while nameStart < end, bytes[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
            if let equals = bytes[nameStart..<end].firstIndex(of: UInt8(ascii: "=")) {
                var valueEnd = end
                while valueEnd > equals + 1, bytes[valueEnd - 1] == UInt8(ascii: " ") { valueEnd -= 1 }
                let name = bytes[nameStart..<equals]
                let value = bytes[(equals + 1)..<valueEnd]
                if name.elementsEqual([UInt8(ascii: "t")]) {
                    if let t = Int64(String(decoding: value, as: UTF8.self)) {
                        timestamp = t
                        timestampText = Array(value)
                    } else {
                        badTimestamp = true
                    }
                } else if name.elementsEqual([UInt8(ascii: "v"), UInt8(ascii: "1")]) {
                    signatures.append(Hex.decode(value) ?? [])
                }
            }
            start = end + 1
        }
        return (timestamp, timestampText, signatures, badTimestamp)
    }
}
