import EventLog
import Projections
import Testing

@Suite("Payments projection")
struct PaymentsTests {
    @Test("payment intents, charges, refunds and the daily ledger in integer minor units")
    func ledger() async throws {
        try await Harness.with { h in
            try await h.receive("stripe", fixture: "stripe/payment_intent.succeeded.json")
            try await h.receive("stripe", fixture: "stripe/payment_intent.payment_failed.json")
            try await h.receive("stripe", fixture: "stripe/charge.refunded.json")
            // A second, partial refund of the same charge and a payment in another currency on the same day.
            try await h.receive(
                "stripe",
                payload: json(
                    #"{"id":"evt_r2","type":"charge.refunded","created":1763999100,"livemode":false,"data":{"object":{"id":"ch_3QxYpL2eZvKYlo2C1cM0d9Qe","object":"charge","amount":129900,"amount_refunded":80000,"currency":"brl","payment_intent":"pi_3QxYpL2eZvKYlo2C1gH7kT2m","status":"succeeded"}}}"#
                ))
            try await h.receive(
                "stripe",
                payload: json(
                    #"{"id":"evt_usd","type":"payment_intent.succeeded","created":1763912400,"livemode":true,"data":{"object":{"id":"pi_usd","object":"payment_intent","amount":2500,"amount_received":2500,"currency":"usd","status":"succeeded"}}}"#
                ))
            _ = try await h.project([PaymentsProjection()])

            let result = try h.store.read("payments") { reader in
                (
                    intent: try reader.get(
                        PaymentsProjection.Payment.self, "pi_3QxYpL2eZvKYlo2C1gH7kT2m", in: "payments"),
                    charge: try reader.get(
                        PaymentsProjection.Payment.self, "ch_3QxYpL2eZvKYlo2C1cM0d9Qe", in: "payments"),
                    refund: try reader.get(
                        PaymentsProjection.Refund.self, "re_3QxYpL2eZvKYlo2C1pD2sK8v", in: "refunds"),
                    failed: try reader.get(
                        PaymentsProjection.Payment.self, "pi_3QxZ1m2eZvKYlo2C0aW5yE1k", in: "payments"),
                    brlPay: try reader.get(PaymentsProjection.Daily.self, "2025-11-23|brl", in: "daily"),
                    brlRefund: try reader.get(PaymentsProjection.Daily.self, "2025-11-24|brl", in: "daily"),
                    usd: try reader.get(PaymentsProjection.Daily.self, "2025-11-23|usd", in: "daily"),
                    hour: try reader.get(PaymentsProjection.Hourly.self, "2025-11-23T15", in: "hourly"),
                    events: try reader.list(PaymentsProjection.PaymentEvent.self, in: "events", limit: 10)
                )
            }
            let state = try #require(result)
            #expect(state.intent?.amount == 129900)
            #expect(state.intent?.status == "succeeded")
            #expect(state.intent?.amountRefunded == 80000)
            #expect(state.refund?.amount == 50000)
            #expect(state.charge?.refundIds == ["re_3QxYpL2eZvKYlo2C1pD2sK8v"])
            #expect(state.intent?.refundIds == ["re_3QxYpL2eZvKYlo2C1pD2sK8v"])
            #expect(state.intent?.refundable == Int64(49900))
            #expect(state.charge?.amountRefunded == 80000)
            #expect(state.failed?.lastFailureCode == "card_declined")
            #expect(state.brlPay?.gross == 129900)
            #expect(state.brlPay?.refunded == 0)
            #expect(state.brlRefund?.gross == 0)
            #expect(state.brlRefund?.refunded == 80000)
            #expect(state.brlRefund?.net == -80000)
            #expect(state.usd?.gross == 2500)
            #expect(state.hour?.attempts == 3)
            #expect(state.hour?.failures == 1)
            #expect(state.events.map(\.value.position) == [5, 4, 3, 2, 1])
            #expect(state.events.first?.value.mode == "live")
        }
    }

    @Test("a created time far beyond what nanoseconds hold is filed under its own day, not trapped on")
    func farCreated() async throws {
        try await Harness.with { h in
            try await h.receive(
                "stripe",
                payload: json(
                    #"{"id":"evt_far","type":"payment_intent.succeeded","created":99999999999,"livemode":false,"data":{"object":{"id":"pi_far","object":"payment_intent","amount":700,"amount_received":700,"currency":"brl","status":"succeeded"}}}"#
                ))
            try await h.receive(
                "stripe",
                payload: json(
                    #"{"id":"evt_past","type":"payment_intent.succeeded","created":-99999999999,"livemode":false,"data":{"object":{"id":"pi_past","object":"payment_intent","amount":300,"amount_received":300,"currency":"brl","status":"succeeded"}}}"#
                ))
            _ = try await h.project([PaymentsProjection()])
            let days = try h.store.read("payments") { reader in
                (
                    try reader.get(PaymentsProjection.Daily.self, "5138-11-16|brl", in: "daily"),
                    try reader.get(PaymentsProjection.Daily.self, "-1199-02-15|brl", in: "daily")
                )
            }
            #expect(days?.0?.gross == 700)
            #expect(days?.1?.gross == 300)
        }
    }
}

/// Every Stripe fixture (several API versions) through the payments projection: none is refused, and what each shape
/// says lands where it belongs.
@Suite("Payments from every Stripe fixture")
struct PaymentsFixturesTests {
    @Test(
        "refund lists as arrays and as lists, refund.* and charge.refund.* events, a dispute, a charge without a list")
    func allShapes() async throws {
        try await Harness.with { h in
            for name in [
                "payment_intent.succeeded", "charge.refunded", "refund.created", "refund.updated",
                "charge.refunded.2022-11-15",
                "charge.dispute.created", "charge.refunded.2013-08-13", "charge.refund.updated.2019-12-03",
                "refund.failed",
                "payment_intent.payment_failed", "payment_intent.succeeded.jpy",
            ] {
                try await h.receive("stripe", fixture: "stripe/\(name).json")
            }
            let runner = try await h.project([PaymentsProjection()])
            #expect(runner.statuses().first?.state == .live)
            let read = try #require(
                try h.store.read("payments") { reader in
                    (
                        rejected: try reader.count(RejectedEvent.table),
                        intent: try reader.get(
                            PaymentsProjection.Payment.self, "pi_3QxYpL2eZvKYlo2C1gH7kT2m", in: "payments"),
                        refund: try reader.get(
                            PaymentsProjection.Refund.self, "re_3QyAbC2eZvKYlo2C0Lm3nP5q", in: "refunds"),
                        legacy: try reader.get(
                            PaymentsProjection.Payment.self, "ch_1GqIBwHYgolSBA35kW2PcU8e", in: "payments"),
                        legacyRefund: try reader.get(
                            PaymentsProjection.Refund.self, "re_1GqIC7HYgolSBA35R1XMJ1lF", in: "refunds"),
                        jpy: try reader.get(PaymentsProjection.Daily.self, "2025-11-26|jpy", in: "daily"),
                        legacyDay: try reader.get(PaymentsProjection.Daily.self, "2025-11-24|usd", in: "daily")
                    )
                })
            #expect(read.rejected == 0)
            // The 2024 refund of 20000 failed in the end; the list's 50000 succeeded; the charge says 70000 refunded,
            // of which 20000 belong to no refund seen: Stripe's figure is the larger, and a dispute holds the rest.
            #expect(read.refund?.status == "failed")
            #expect(read.intent?.refundIds.contains("re_3QyAbC2eZvKYlo2C0Lm3nP5q") == true)
            #expect(read.intent?.disputed == 129900)
            #expect(read.intent?.refundable == 0)
            // The Charges API of 2013: a charge with no intent books its own gross; its refund (no status then) succeeded.
            #expect(read.legacy?.status == "succeeded")
            #expect(read.legacyRefund?.status == "succeeded")
            #expect(read.legacyDay?.gross == 50000)
            #expect(read.legacyDay?.refunded == 15000)
            #expect(read.jpy?.gross == 5000)
        }
    }
}

/// The hub's own refund requests: outstanding until Stripe shows the refund, given back when the call is dead.
@Suite("Refunds asked through the hub")
struct HubRefundTests {
    @Test(
        "a request holds its amount back; a dead call gives it back; a made refund counts once, whether seen from Stripe or not yet"
    )
    func outstanding() async throws {
        try await Harness.with { h in
            try await h.receive(
                "stripe",
                payload: json(
                    #"{"id":"evt_h1","type":"payment_intent.succeeded","created":1764590400,"data":{"object":{"id":"pi_h","object":"payment_intent","amount":10000,"amount_received":10000,"currency":"usd","status":"succeeded"}}}"#
                ))
            func refundable() async throws -> Int64? {
                _ = try await h.project([PaymentsProjection()])
                return try h.store.read("payments") {
                    try $0.get(PaymentsProjection.Payment.self, "pi_h", in: "payments")?.refundable
                } ?? nil
            }
            #expect(try await refundable() == 10000)
            let first = try await h.receive(
                "admin", payload: json(#"{"payment_id":"pi_h","amount":3000,"resolved_amount":3000}"#),
                type: RefundRequest.eventType)
            #expect(try await refundable() == 7000)
            try await h.receive(
                "dispatcher",
                payload: json(#"{"action_id":"\#(RefundRequest.actionId(position: first))","error":"HTTP 400"}"#),
                metadata: ["action-kind": "stripe.refund"], type: ActionEvent.dead)
            #expect(try await refundable() == 10000, "a dead call refunded nothing")
            let second = try await h.receive(
                "admin", payload: json(#"{"payment_id":"pi_h","resolved_amount":2000}"#), type: RefundRequest.eventType)
            try await h.receive(
                "dispatcher",
                payload: json(
                    #"{"action_id":"\#(RefundRequest.actionId(position: second))","output":{"refund_id":"re_h","status":"pending"}}"#
                ),
                metadata: ["action-kind": "stripe.refund"], type: ActionEvent.succeeded)
            #expect(try await refundable() == 8000, "made, not yet seen from Stripe: still held back")
            try await h.receive(
                "stripe",
                payload: json(
                    #"{"id":"evt_h2","type":"refund.created","created":1764590500,"data":{"object":{"id":"re_h","object":"refund","amount":2000,"currency":"usd","status":"pending","payment_intent":"pi_h","charge":"ch_h","created":1764590499}}}"#
                ))
            #expect(try await refundable() == 8000, "seen from Stripe: counted once, as a pending refund")
        }
    }
}
