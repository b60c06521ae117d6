import Crypto
import Foundation

/// Signs requests the way each sender's documentation says, independently of the gateway's code.
enum Sign {
    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`.
    static func stripe(_ body: [UInt8], secret: String = Secrets.stripe, timestamp: Int = now) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=\(hex(mac))"
    }

    /// `X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, body)>`.
    static func intercom(_ body: [UInt8], secret: String = Secrets.intercom) -> String {
        "sha1=" + hex(HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// Standard Webhooks headers for `body`.
    static func standard(
        _ body: [UInt8], id: String, key: [UInt8] = Secrets.inboundKey, timestamp: Int = now
    ) -> [(String, String)] {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: key))
        return [
            ("webhook-id", id), ("webhook-timestamp", "\(timestamp)"),
            ("webhook-signature", "v1," + Data(mac).base64EncodedString()), ("Content-Type", "application/json"),
        ]
    }
}
