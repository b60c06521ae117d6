import Foundation
import Testing
import TestSupport
@testable import GatewayApp
@testable import Outbound

@Suite("The Teams reactor reads Stripe events by scanning")
struct StripeTeamsScanTests {
    typealias StripeEvent = StripeTeamsReactor.StripeEvent

    static func variants() throws -> [(String, String, Bool)] {
        let failed = String(decoding: try fixture("stripe/payment_intent.payment_failed.json"), as: UTF8.self)
        let error = #""last_payment_error": {"#
        #expect(failed.contains(error))
        // (label, payload, read by scanning)
        return [
            ("the fixture", failed, true),
            (
                "an escaped message",
                failed.replacingOccurrences(
                    of: error, with: #""last_payment_error": {"message": "Cart\u00e3o \"recusado\"\n","#), true
            ),
            ("no failure", failed.replacingOccurrences(of: error, with: #""last_payment_error": null, "x": {"#), true),
            (
                "a failure that is a string",
                failed.replacingOccurrences(of: error, with: #""last_payment_error": "declined", "x": {"#), false
            ),
            (
                "an amount in a string",
                #"{"id":"evt_1","type":"charge.dispute.created","data":{"object":{"id":"dp_1","amount":"5"}}}"#, false
            ),
            (
                "a dispute",
                #"{"id":"evt_1","type":"charge.dispute.created","livemode":true,"data":{"object":{"id":"dp_1","amount":5,"reason":"fraudulent"}}}"#,
                true
            ),
            ("no data", #"{"id":"evt_1","type":"charge.dispute.created"}"#, false),
            ("no object id", #"{"id":"evt_1","type":"charge.dispute.created","data":{"object":{"amount":5}}}"#, false),
            (
                "livemode in a string", #"{"id":"evt_1","type":"t","livemode":"true","data":{"object":{"id":"dp_1"}}}"#,
                false
            ),
            ("not JSON", #"{"id":"evt_1","#, false),
        ]
    }

    @Test("each variant reads the same by scanning as by decoding, and the usual shapes by scanning")
    func sameAsDecoding() throws {
        for (label, payload, byScan) in try Self.variants() {
            let bytes = Array(payload.utf8)
            let scanned = StripeEvent.scanned(bytes)
            #expect((scanned != nil) == byScan, "\(label)")
            if let scanned {
                #expect(scanned == (try? JSONDecoder().decode(StripeEvent.self, from: Data(bytes))), "\(label)")
            }
        }
        let escaped = try #require(StripeEvent.scanned(Array(try Self.variants()[1].1.utf8)))
        #expect(escaped.data.object.last_payment_error?.message == "Cartão \"recusado\"\n")
    }
}
