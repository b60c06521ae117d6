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
            try await h.receive("stripe", payload: json(#"{"id":"evt_r2","type":"charge.refunded","created":1763999100,"livemode":false,"data":{"object":{"id":"ch_3QxYpL2eZvKYlo2C1cM0d9Qe","object":"charge","amount":129900,"amount_refunded":80000,"currency":"brl","payment_intent":"pi_3QxYpL2eZvKYlo2C1gH7kT2m","status":"succeeded"}}}"#))
            try await h.receive("stripe", payload: json(#"{"id":"evt_usd","type":"payment_intent.succeeded","created":1763912400,"livemode":true,"data":{"object":{"id":"pi_usd","object":"payment_intent","amount":2500,"amount_received":2500,"currency":"usd","status":"succeeded"}}}"#))
            _ = try await h.project([PaymentsProjection()])

            let result = try h.store.read("payments") { reader in
                (
                    intent: try reader.get(PaymentsProjection.Payment.self, "pi_3QxYpL2eZvKYlo2C1gH7kT2m", in: "payments"),
                    charge: try reader.get(PaymentsProjection.Payment.self, "ch_3QxYpL2eZvKYlo2C1cM0d9Qe", in: "payments"),
                    failed: try reader.get(PaymentsProjection.Payment.self, "pi_3QxZ1m2eZvKYlo2C0aW5yE1k", in: "payments"),
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
            #expect(state.charge?.refunds.first?.amount == 50000)
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
            try await h.receive("stripe", payload: json(#"{"id":"evt_far","type":"payment_intent.succeeded","created":99999999999,"livemode":false,"data":{"object":{"id":"pi_far","object":"payment_intent","amount":700,"amount_received":700,"currency":"brl","status":"succeeded"}}}"#))
            try await h.receive("stripe", payload: json(#"{"id":"evt_past","type":"payment_intent.succeeded","created":-99999999999,"livemode":false,"data":{"object":{"id":"pi_past","object":"payment_intent","amount":300,"amount_received":300,"currency":"brl","status":"succeeded"}}}"#))
            _ = try await h.project([PaymentsProjection()])
            let days = try h.store.read("payments") { reader in
                (try reader.get(PaymentsProjection.Daily.self, "5138-11-16|brl", in: "daily"), try reader.get(PaymentsProjection.Daily.self, "-1199-02-15|brl", in: "daily"))
            }
            #expect(days?.0?.gross == 700)
            #expect(days?.1?.gross == 300)
        }
    }
}
