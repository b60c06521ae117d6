import Crypto
import Foundation

/// How a webhook failed to prove where it came from.
public struct VerificationFailure: Error, Equatable, Sendable {
    /// The error code the gateway answers with.
    public enum Kind: String, Sendable {
        case invalidSignature = "invalid_signature"
        case invalidToken = "invalid_token"
        case staleTimestamp = "stale_timestamp"
        case malformedSignatureHeader = "malformed_signature_header"
    }

    /// The kind of failure.
    public let kind: Kind
    /// Tells the sender what to fix; never holds a secret or an expected signature.
    public let message: String

    /// Creates a failure.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// Constant-time comparisons and the HMAC the signature schemes share.
public enum Verification {
    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Compares two secrets of any lengths in constant time, by comparing their SHA-256 digests.
    public static func constantTimeEquals(secret a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(SHA256.hash(data: Array(a.utf8))), Array(SHA256.hash(data: Array(b.utf8))))
    }

    /// HMAC-SHA256 of `prefix ‖ body`, continuing from `keyed`: an HMAC that has taken its key and nothing else.
    static func hmacSHA256(_ keyed: HMAC<SHA256>, prefix: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) -> HMAC<SHA256>.MAC {
        var mac = keyed
        mac.update(data: prefix)
        mac.update(data: body)
        return mac.finalize()
    }

    /// Whether any of `signatures` is HMAC-SHA256 of `prefix ‖ body` with any of the keys of `keyed` (HMACs that
    /// have taken their key and nothing else, so that the key schedule runs once per secret, not per request).
    /// Every pair is compared, in constant time, so the time taken says nothing about which matched.
    static func anySHA256Matches(keyed: [HMAC<SHA256>], prefix: [UInt8], body: UnsafeRawBufferPointer, signatures: [[UInt8]]) -> Bool {
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
