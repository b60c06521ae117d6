import Crypto

/// Verifies `Stripe-Signature: t=…,v1=…`: HMAC-SHA256 of `"{t}.{raw body}"`, keyed with the endpoint secret
/// string as given, in lowercase hex. Any `v1` may match any configured secret (rotation); `v0` is ignored.
struct StripeSignature {
    let secrets: [String]
    /// How far `t` may be from now, in seconds.
    let tolerance: Int64

    /// Checks `header` against `body`; `now` is in seconds since the epoch, or `nil` to skip the time check
    /// (when an auditor re-verifies a stored event).
    func verify(header: String?, body: UnsafeRawBufferPointer, now: Int64?) throws(VerificationFailure) {
        guard !secrets.isEmpty else {
            throw VerificationFailure(.invalidSignature, "no Stripe signing secret is configured, so every Stripe webhook is refused")
        }
        guard let header, !header.isEmpty else {
            throw VerificationFailure(.invalidSignature, "the Stripe-Signature header is missing")
        }
        var timestamp: Int64?
        var signatures = [[UInt8]]()
        for item in header.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingSpaces
            if name == "t" {
                guard let t = Int64(parts[1].trimmingSpaces) else {
                    throw VerificationFailure(.malformedSignatureHeader, "the Stripe-Signature timestamp t is not a whole number of seconds")
                }
                timestamp = t
            } else if name == "v1" {
                signatures.append(Verification.hexBytes(parts[1].trimmingSpaces) ?? [])
            }
        }
        guard let timestamp else {
            throw VerificationFailure(.malformedSignatureHeader, "the Stripe-Signature header has no t=<timestamp> element")
        }
        guard !signatures.isEmpty else {
            throw VerificationFailure(.malformedSignatureHeader, "the Stripe-Signature header has no v1=<signature> element")
        }
        let prefix = Array("\(timestamp).".utf8)
        var matched = false
        for secret in secrets {
            let expected = Verification.hmac(SHA256.self, key: Array(secret.utf8), prefix: prefix, body: body)
            for signature in signatures where Verification.constantTimeEquals(expected, signature) { matched = true }
        }
        guard matched else {
            throw VerificationFailure(.invalidSignature, "no v1 signature in Stripe-Signature matches the body with any configured secret")
        }
        if let now, abs(now - timestamp) > tolerance {
            throw VerificationFailure(.staleTimestamp, "the Stripe-Signature timestamp is \(abs(now - timestamp)) s from now; at most \(tolerance) s is accepted")
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
