import Crypto
import Foundation

/// How a webhook failed to prove where it came from.
package struct VerificationFailure: Error, Equatable, Sendable {
    /// The error code the gateway answers with.
    package enum Kind: String, Sendable {
        case invalidSignature = "invalid_signature"
        case invalidToken = "invalid_token"
        case staleTimestamp = "stale_timestamp"
        case malformedSignatureHeader = "malformed_signature_header"
    }

    /// The kind of failure.
    package let kind: Kind
    /// Tells the sender what to fix; never holds a secret or an expected signature.
    package let message: String

    /// Creates a failure.
    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// Constant-time comparisons, the HMAC and the limits the signature schemes share.
package enum Verification {
    /// The most signature entries a header may list (key rotation needs two or three); more is refused as
    /// malformed rather than compared one by one.
    package static let maxSignatures = 16

    /// How far `timestamp` lies from `now`, in seconds, for any two values: the distance of two `Int64`s can exceed
    /// `Int64.max`, so it is computed as a magnitude and never traps.
    package static func distance(_ now: Int64, _ timestamp: Int64) -> UInt64 {
        now >= timestamp ? UInt64(bitPattern: now &- timestamp) : UInt64(bitPattern: timestamp &- now)
    }

    /// Throws ``VerificationFailure/Kind/staleTimestamp`` when `timestamp` is more than `tolerance` seconds from
    /// `now`; `header` names where the timestamp came from, for the message.
    static func checkFreshness(
        _ timestamp: Int64, now: Int64?, tolerance: Int64, header: String
    ) throws(VerificationFailure) {
        guard let now else { return }
        let distance = distance(now, timestamp)
        guard distance > UInt64(max(0, tolerance)) else { return }
        throw VerificationFailure(
            .staleTimestamp, "\(header) is \(distance) s from now; at most \(tolerance) s is accepted")
    }

    /// Throws when a header lists more than ``maxSignatures`` entries.
    static func checkSignatureCount(_ count: Int, header: String) throws(VerificationFailure) {
        guard count > maxSignatures else { return }
        throw VerificationFailure(
            .malformedSignatureHeader, "\(header) lists \(count) signatures; at most \(maxSignatures) are accepted")
    }

    /// Compares two byte strings in time that depends only on their lengths.
    package static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Compares two secrets of any lengths in constant time, by comparing their SHA-256 digests.
    package static func constantTimeEquals(secret a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(SHA256.hash(data: Array(a.utf8))), Array(SHA256.hash(data: Array(b.utf8))))
    }

    /// HMAC-SHA256 of `prefix ‖ body`, continuing from `keyed`: an HMAC that has taken its key and nothing else.
    static func hmacSHA256(
        _ keyed: HMAC<SHA256>, prefix: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer
    ) -> HMAC<SHA256>.MAC {
        var mac = keyed
        mac.update(data: prefix)
        mac.update(data: body)
        return mac.finalize()
    }

    /// Whether any of `signatures` is HMAC-SHA256 of `prefix ‖ body` with any of the keys of `keyed` (HMACs that
    /// have taken their key and nothing else, so that the key schedule runs once per secret, not per request).
    /// Every pair is compared, in constant time, so the time taken says nothing about which matched.
    static func anySHA256Matches(
        keyed: [HMAC<SHA256>], prefix: [UInt8], body: UnsafeRawBufferPointer, signatures: [[UInt8]]
    ) -> Bool {
        var matched = false
        prefix.withUnsafeBytes { prefix in
            for hmac in keyed {
                let expected = hmacSHA256(hmac, prefix: prefix, body: body)
                for signature in signatures where matches(expected, signature) { matched = true }
            }
        }
        return matched
    }

    /// Whether `mac` equals `signature`, in constant time.
    static func matches(_ mac: some MessageAuthenticationCode, _ signature: [UInt8]) -> Bool {
        mac.withUnsafeBytes { constantTimeEquals($0, signature) }
    }
}
