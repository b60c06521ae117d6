import Crypto
@testable import EventLog
import Foundation
@testable import Projections
@testable import WebhookAuth
@testable import JSONScan

/// The code that parses what senders send, each behind a function from arbitrary bytes to nothing: a fuzzer feeds
/// them bytes, and the regression tests feed them the corpus and every input that once crashed one. A trap is a
/// failure; a thrown error is an answer.
///
/// A harness also checks properties that must hold for any input (a rejection changes no state; what the scanner
/// accepts, Foundation's parser accepts too), and traps when one does not.
package enum FuzzTarget: String, CaseIterable, Sendable {
    case stripeSignature = "stripe-signature"
    case intercomSignature = "intercom-signature"
    case standardSignature = "standard-signature"
    case jsonScanner = "json-scanner"
    case recordCodec = "record-codec"
    case projections

    /// Runs the harness on `bytes`.
    package func run(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        switch self {
        case .stripeSignature:
            let now = input.int64()
            let header = input.line()
            _ = try? Self.stripe.verify(header: header, body: input.rest, now: now)
            _ = StripeSignature.parse(header)
        case .intercomSignature:
            let header = input.line()
            _ = try? Self.intercom.verify(header: header, body: input.rest)
        case .standardSignature:
            let now = input.int64()
            let (id, timestamp, signature) = (input.line(), input.line(), input.line())
            _ = try? Self.standard.verify(
                id: id, timestamp: timestamp, signatureHeader: signature, body: input.rest, now: now)
        case .jsonScanner:
            Self.scan(input.rest)
        case .recordCodec:
            if let event = try? RecordCodec.decode(input.rest) { _ = try? event.jsonLine() }
        case .projections:
            ProjectionFuzzing.run(&input)
        }
    }

    static let stripe = StripeSignature(secrets: ["whsec_fuzz_secret"], tolerance: 300)
    static let intercom = IntercomSignature(secrets: ["fuzz-client-secret"])
    static let standard = StandardWebhookSignature(
        secrets: ["whsec_" + Data("fuzz-standard-key".utf8).base64EncodedString()], tolerance: 300)

    /// The paths the gateway and the projections scan for.
    static let paths: JSONFieldScanner.Paths = [
        ["id"], ["type"], ["livemode"], ["created"], ["data"], ["data", "object"], ["topic"], ["data", "item"],
        ["created_at"],
        ["hook_action"], ["attributes", "updated_at"], ["data", "id"], ["data", "attributes", "updated_at"],
        ["data", "object", "amount"],
    ]

    /// Scans `bytes`; what the scanner accepts, `JSONDecoder` (what the projections read with) must accept too.
    /// (Not `JSONSerialization`: it refuses numbers beyond a `Double`, which RFC 8259 allows and `JSONDecoder` reads
    /// as long as nobody asks for their value.)
    static func scan(_ bytes: UnsafeRawBufferPointer) {
        guard (try? JSONFieldScanner.scan(bytes, paths: paths)) != nil else { return }
        let data = Data(bytes)
        if (try? JSONDecoder().decode(AnyJSON.self, from: data)) == nil {
            fatalError(
                "the scanner accepted what JSONDecoder refuses: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
    }
}

/// Arbitrary bytes read as the parts of a harness's input.
struct FuzzInput {
    private var bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next 8 bytes as an integer (fewer when the input is shorter).
    mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for _ in 0..<8 {
            guard let byte = bytes.first else { break }
            value = value << 8 | UInt64(byte)
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        }
        return Int64(bitPattern: value)
    }

    /// The next byte, or 0.
    mutating func byte() -> UInt8 {
        guard let byte = bytes.first else { return 0 }
        bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        return byte
    }

    /// The text up to the next newline (consumed), or all that is left.
    mutating func line() -> String {
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        let text = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
        bytes = UnsafeRawBufferPointer(rebasing: bytes[min(end + 1, bytes.endIndex)...])
        return text
    }

    /// What is left.
    var rest: UnsafeRawBufferPointer { bytes }
}
