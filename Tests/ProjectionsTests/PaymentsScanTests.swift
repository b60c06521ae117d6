import Foundation
import Testing
import TestSupport
@testable import Projections

@Suite("Reading Stripe events by scanning")
struct PaymentsScanTests {
    typealias StripeEvent = PaymentsProjection.StripeEvent

    static let intent =
        #"{"id":"evt_1","object":"event","created":1763999000,"livemode":false,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount":1000,"amount_received":1000,"currency":"brl","customer":"cus_1","created":1763998000,"livemode":false,"status":"succeeded","metadata":{"id":"not this one","amount":"nor this"},"payment_method_types":["card"],"last_payment_error":null}}}"#

    /// Payloads that differ from `intent` in one way each: every one must read the same by scanning as by decoding.
    static let variants: [(String, String)] = [
        ("as is", intent),
        (
            "a failure code",
            intent.replacingOccurrences(
                of: #""last_payment_error":null"#,
                with: #""last_payment_error":{"code":"card_declined","decline_code":"x"}"#)
        ),
        (
            "a failure without a code",
            intent.replacingOccurrences(of: #""last_payment_error":null"#, with: #""last_payment_error":{}"#)
        ),
        (
            "a failure that is a string",
            intent.replacingOccurrences(
                of: #""last_payment_error":null"#, with: #""last_payment_error":"card_declined""#)
        ),
        ("no data", #"{"id":"evt_2","type":"customer.created","created":1}"#),
        ("data null", #"{"id":"evt_3","type":"customer.created","data":null}"#),
        ("data without object", #"{"id":"evt_4","type":"customer.created","data":{}}"#),
        ("data an array", #"{"id":"evt_5","type":"customer.created","data":[]}"#),
        ("an amount in a string", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":"1000""#)),
        ("a fractional amount", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":1000.5"#)),
        ("an amount with an exponent", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":1e3"#)),
        ("a negative amount", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":-5"#)),
        (
            "an amount beyond Int64",
            intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":92233720368547758070"#)
        ),
        (
            "the largest Int64 amount",
            intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":9223372036854775807"#)
        ),
        (
            "the smallest Int64 amount",
            intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":-9223372036854775808"#)
        ),
        (
            "one beyond the largest Int64",
            intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":9223372036854775808"#)
        ),
        ("a negative zero amount", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":-0"#)),
        ("a zero amount", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":0"#)),
        ("a bad escape", intent.replacingOccurrences(of: #""customer":"cus_1""#, with: #""customer":"cus_\q""#)),
        (
            "a bad escape in a field not read",
            intent.replacingOccurrences(of: #""not this one""#, with: #""not \q this one""#)
        ),
        (
            "livemode true",
            intent.replacingOccurrences(of: #""livemode":false,"type""#, with: #""livemode":true,"type""#)
        ),
        (
            "livemode in a string",
            intent.replacingOccurrences(of: #""livemode":false,"type""#, with: #""livemode":"false","type""#)
        ),
        ("a null customer", intent.replacingOccurrences(of: #""customer":"cus_1""#, with: #""customer":null"#)),
        ("a numeric customer", intent.replacingOccurrences(of: #""customer":"cus_1""#, with: #""customer":42"#)),
        (
            "escapes",
            intent.replacingOccurrences(
                of: #""customer":"cus_1""#, with: #""customer":"cus_\u00e9\n\"q\"\/\ud83d\ude00""#)
        ),
        (
            "refunds null",
            intent.replacingOccurrences(of: #""status":"succeeded""#, with: #""status":"succeeded","refunds":null"#)
        ),
        (
            "a refund list",
            intent.replacingOccurrences(
                of: #""status":"succeeded""#,
                with: #""status":"succeeded","refunds":{"data":[{"id":"re_1","amount":5}]}"#)
        ),
        ("no id", intent.replacingOccurrences(of: #""id":"evt_1","#, with: "")),
        ("a numeric id", intent.replacingOccurrences(of: #""id":"evt_1""#, with: #""id":1"#)),
        ("no object id", intent.replacingOccurrences(of: #""id":"pi_1","#, with: "")),
        ("a repeated key", intent.replacingOccurrences(of: #""amount":1000"#, with: #""amount":1000,"amount":7"#)),
        (
            "a repeated object",
            intent.replacingOccurrences(
                of: #","type":"payment_intent.succeeded""#,
                with:
                    #","type":"payment_intent.succeeded","data":{"object":{"id":"pi_2","object":"payment_intent","amount":7}}"#
            )
        ),
        ("whitespace", intent.replacingOccurrences(of: ",", with: " ,\n\t").replacingOccurrences(of: ":", with: " : ")),
        ("not an object", #"["evt_1"]"#),
        ("not JSON", #"{"id":"evt_1","type":}"#),
        ("cut short", String(intent.dropLast(3))),
    ]

    static let fixtures = [
        "payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "charge.refunded.2013-08-13",
        "charge.refunded.2022-11-15",
        "charge.refund.updated.2019-12-03", "refund.created", "refund.updated", "refund.failed",
        "charge.dispute.created", "payment_intent.succeeded.jpy",
    ]

    private func decoded(_ payload: [UInt8]) -> StripeEvent? {
        try? JSONDecoder().decode(StripeEvent.self, from: Data(payload))
    }

    @Test("every variant reads the same by scanning as by decoding, or is left to the decoder", arguments: variants)
    func sameAsDecoding(label: String, payload: String) {
        let bytes = Array(payload.utf8)
        if let scanned = StripeEvent.scanned(bytes) {
            #expect(scanned == decoded(bytes), "\(label)")
        }
    }

    @Test("the common shapes are read by scanning, the others by the decoder")
    func whichWay() throws {
        let scannedLabels = Self.variants.filter { StripeEvent.scanned(Array($0.1.utf8)) != nil }.map(\.0)
        #expect(
            scannedLabels == [
                "as is", "a failure code", "a failure without a code", "no data", "data null", "a negative amount",
                "the largest Int64 amount", "the smallest Int64 amount", "a negative zero amount", "a zero amount",
                "livemode true", "a null customer", "escapes", "refunds null", "no object id", "a repeated key",
                "a repeated object", "whitespace",
            ])
        let escapes = try #require(Self.variants.first { $0.0 == "escapes" }).1
        let escaped = try #require(StripeEvent.scanned(Array(escapes.utf8)))
        #expect(escaped.data?.object.customer == "cus_é\n\"q\"/😀")
        #expect(StripeEvent.scanned(Array(Self.intent.utf8))?.data?.object.amount == 1000)
        let amounts = ["the largest Int64 amount", "the smallest Int64 amount", "a negative zero amount"].map { label in
            Self.variants.first { $0.0 == label }.flatMap { StripeEvent.scanned(Array($0.1.utf8))?.data?.object.amount }
        }
        #expect(amounts == [.max, .min, 0])
    }

    @Test(
        "the Stripe fixtures read the same by scanning as by decoding; payment intents by scanning", arguments: fixtures
    )
    func fixtureFiles(name: String) throws {
        let bytes = try fixture("stripe/\(name).json")
        let scanned = StripeEvent.scanned(bytes)
        if name.hasPrefix("payment_intent") {
            #expect(scanned != nil)
        }
        if let scanned {
            #expect(scanned == decoded(bytes))
        }
    }
}
