import Crypto
import Foundation

/// How a request failed to prove where it came from.
struct VerificationFailure: Error, Equatable {
    enum Kind: String {
        case invalidSignature = "invalid_signature"
        case invalidToken = "invalid_token"
        case staleTimestamp = "stale_timestamp"
        case malformedSignatureHeader = "malformed_signature_header"
    }

    let kind: Kind
    /// Tells the sender what to fix; never holds a secret or an expected signature.
    let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

enum Verification {
    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Compares two secrets of any lengths in constant time, by comparing their SHA-256 digests.
    static func constantTimeEquals(secret a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(SHA256.hash(data: Array(a.utf8))), Array(SHA256.hash(data: Array(b.utf8))))
    }

    /// HMAC-SHA256 of `prefix ‖ body`.
    static func hmacSHA256(key: SymmetricKey, prefix: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) -> HMAC<SHA256>.MAC {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: prefix)
        mac.update(data: body)
        return mac.finalize()
    }

    /// Whether `mac` equals `signature`, in constant time.
    static func matches(_ mac: some MessageAuthenticationCode, _ signature: [UInt8]) -> Bool {
        mac.withUnsafeBytes { constantTimeEquals($0, signature) }
    }

    /// Decodes hexadecimal digits (either case); `nil` if `text` is not that.
    static func hexBytes(_ text: Substring) -> [UInt8]? {
        hexBytes(Array(text.utf8)[...])
    }

    /// Decodes hexadecimal digits (either case) from bytes; `nil` if they are not that.
    static func hexBytes(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var digits = text.makeIterator()
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        while let first = digits.next() {
            guard let second = digits.next(), let high = nibble(first), let low = nibble(second) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
