import EventLog
import Projections
import Testing

/// When refunds are booked: on the day Stripe says they happened, whatever order the events come in, and a refund
/// that fails is reversed on the day it failed (Stripe's `refund_failure`), never taken back from a day already
/// reported. Payloads are in the shapes of Stripe's API versions named beside them.
@Suite("Refund bookings")
struct RefundBookingTests {
    /// A `charge.refunded` event of API version 2022-11-15 or later (no refund list in the charge; what changed in
    /// `previous_attributes`).
    static func chargeRefunded(_ id: String, created: Int64, from: Int64, to: Int64) -> [UInt8] {
        json(
            #"{"id":"\#(id)","object":"event","api_version":"2022-11-15","created":\#(created),"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"charge.refunded","data":{"object":{"id":"ch_split","object":"charge","amount":10000,"amount_captured":10000,"amount_refunded":\#(to),"currency":"usd","created":1735000000,"livemode":false,"paid":true,"payment_intent":"pi_split","refunded":false,"status":"succeeded"},"previous_attributes":{"amount_refunded":\#(from)}}}"#
        )
    }

    static let intentSucceeded = json(
        #"{"id":"evt_split_pi","object":"event","api_version":"2022-11-15","created":1735000000,"livemode":false,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_split","object":"payment_intent","amount":10000,"amount_received":10000,"currency":"usd","created":1735000000,"livemode":false,"status":"succeeded"}}}"#
    )

    func daily(_ h: Harness) throws -> [String: PaymentsProjection.Daily] {
        let listed = try #require(
            try h.store.read("payments") { try $0.list(PaymentsProjection.Daily.self, in: "daily", limit: 100) })
        return Dictionary(uniqueKeysWithValues: listed.map { ($0.key, $0.value) })
    }

    @Test(
        "two partial refunds without refund objects, delivered in reverse order: each booked on its own day",
        arguments: [false, true])
    func partialRefundsOutOfOrder(reversed: Bool) async throws {
        try await Harness.with { h in
            // 2024-12-31T16:00:00Z, amount_refunded 0 → 1000; 2025-01-01T10:00:00Z, 1000 → 4200.
            let first = Self.chargeRefunded("evt_split_1", created: 1_735_660_800, from: 0, to: 1000)
            let second = Self.chargeRefunded("evt_split_2", created: 1_735_725_600, from: 1000, to: 4200)
            try await h.receive("stripe", payload: Self.intentSucceeded)
            for payload in reversed ? [second, first] : [first, second] {
                try await h.receive("stripe", payload: payload)
            }
            _ = try await h.project([PaymentsProjection()])
            let days = try daily(h)
            #expect(days["2024-12-31|usd"]?.refunded == 1000, "\(days)")
            #expect(days["2025-01-01|usd"]?.refunded == 3200, "\(days)")
            let intent = try #require(
                try h.store.read("payments") { try $0.get(PaymentsProjection.Payment.self, "pi_split", in: "payments") }
                    ?? nil)
            #expect(intent.amountRefunded == 4200)
            #expect(intent.refundable == 5800)
        }
    }

    @Test("a charge snapshot without previous_attributes books what it adds on its own day; a repeat changes nothing")
    func snapshotsWithoutPrevious() async throws {
        try await Harness.with { h in
            try await h.receive("stripe", payload: Self.intentSucceeded)
            // API version 2022-11-15 charge.updated events (no previous amount_refunded), one delivered twice.
            for (id, created, refunded) in [
                ("evt_u2", Int64(1_735_725_600), 4200), ("evt_u1", 1_735_660_800, 1000),
                ("evt_u2", 1_735_725_600, 4200),
            ] {
                try await h.receive(
                    "stripe",
                    payload: json(
                        #"{"id":"\#(id)","object":"event","api_version":"2022-11-15","created":\#(created),"livemode":false,"type":"charge.updated","data":{"object":{"id":"ch_split","object":"charge","amount":10000,"amount_refunded":\#(refunded),"currency":"usd","payment_intent":"pi_split","status":"succeeded"}}}"#
                    ))
            }
            _ = try await h.project([PaymentsProjection()])
            let days = try daily(h)
            #expect(days["2024-12-31|usd"]?.refunded == 1000, "\(days)")
            #expect(days["2025-01-01|usd"]?.refunded == 3200, "\(days)")
        }
    }

    /// The sequence of a refund that failed after the charge counted it: 30,000,000 INR paid, the charge refunded in
    /// full with the refund listed as succeeded (API version 2019-12-03, a refund list object in the charge), then
    /// `charge.refund.updated` with the refund `failed` (the refund object, `failure_reason`).
    static let failedRefundLife: [[UInt8]] = [
        json(
            #"{"id":"evt_inr_pi","object":"event","api_version":"2019-12-03","created":1764000000,"livemode":false,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_inr","object":"payment_intent","amount":30000000,"amount_received":30000000,"currency":"inr","created":1764000000,"livemode":false,"status":"succeeded"}}}"#
        ),
        json(
            #"{"id":"evt_inr_refunded","object":"event","api_version":"2019-12-03","created":1764003600,"livemode":false,"type":"charge.refunded","data":{"object":{"id":"ch_inr","object":"charge","amount":30000000,"amount_refunded":30000000,"currency":"inr","created":1764000000,"livemode":false,"paid":true,"payment_intent":"pi_inr","refunded":true,"status":"succeeded","refunds":{"object":"list","data":[{"id":"re_inr","object":"refund","amount":30000000,"charge":"ch_inr","created":1764003600,"currency":"inr","payment_intent":"pi_inr","status":"succeeded"}],"has_more":false,"total_count":1}},"previous_attributes":{"amount_refunded":0,"refunded":false}}}"#
        ),
        json(
            #"{"id":"evt_inr_failed","object":"event","api_version":"2019-12-03","created":1764349200,"livemode":false,"type":"charge.refund.updated","data":{"object":{"id":"re_inr","object":"refund","amount":30000000,"charge":"ch_inr","created":1764003600,"currency":"inr","failure_balance_transaction":"txn_inr_fail","failure_reason":"expired_or_canceled_card","payment_intent":"pi_inr","status":"failed"},"previous_attributes":{"status":"succeeded"}}}"#
        ),
    ]

    @Test(
        "a refund the charge counted and that then failed is not refunded; its reversal is booked on the day it failed")
    func failedRefund() async throws {
        var dayBefore: PaymentsProjection.Daily?
        try await Harness.with { h in
            for payload in Self.failedRefundLife.prefix(2) { try await h.receive("stripe", payload: payload) }
            _ = try await h.project([PaymentsProjection()])
            dayBefore = try daily(h)["2025-11-24|inr"]
            #expect(dayBefore?.refunded == 30_000_000)
        }
        for order in [Self.failedRefundLife, Self.failedRefundLife.reversed()] {
            try await Harness.with { h in
                for payload in order { try await h.receive("stripe", payload: payload) }
                _ = try await h.project([PaymentsProjection()])
                let (intent, charge) = try #require(
                    try h.store.read("payments") { reader in
                        (
                            try reader.get(PaymentsProjection.Payment.self, "pi_inr", in: "payments"),
                            try reader.get(PaymentsProjection.Payment.self, "ch_inr", in: "payments")
                        )
                    })
                #expect(charge?.amountRefunded == 30_000_000, "Stripe's figure is kept as sent")
                #expect(charge?.refundedReported == 0)
                #expect(intent?.amountRefunded == 0)
                #expect(intent?.refundable == 30_000_000)
                let days = try daily(h)
                // The day of the refund is as it was reported before the failure; the failure is booked on its day.
                #expect(days["2025-11-24|inr"] == dayBefore, "\(days)")
                #expect(days["2025-11-28|inr"]?.refundFailures == 30_000_000, "\(days)")
                #expect(days["2025-11-28|inr"]?.net == 30_000_000)
                let net = days.values.reduce(Int64(0)) { $0 + $1.net }
                #expect(net == 30_000_000, "over all days the payment is kept whole")
            }
        }
    }

    @Test(
        "signed input whose keys storage refuses costs one record each; the projections go on",
        arguments: [
            (
                "payments",
                #"{"id":"evt_empty","object":"event","created":1764000000,"livemode":false,"type":"payment_intent.succeeded","data":{"object":{"id":"","object":"payment_intent","amount":100,"amount_received":100,"currency":"usd","status":"succeeded"}}}"#
            ),
            (
                "payments",
                #"{"id":"evt_cur","object":"event","created":1764000000,"livemode":false,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_cur","object":"payment_intent","amount":100,"amount_received":100,"currency":"\#(String(repeating: "u", count: 600))","status":"succeeded"}}}"#
            ),
            (
                "leads",
                #"{"id":"","hook_action":"on_create_lead","attributes":{"updated_at":"2026-11-23T10:00:00Z","customer":{"name":"Ana","phone":"11987654321"}}}"#
            ),
        ])
    func unstorableKeys(projection: String, payload: String) async throws {
        try await Harness.with { h in
            let source = projection == "leads" ? "c2s" : "stripe"
            let bad = try await h.receive(source, payload: json(payload))
            if projection == "leads" {
                try await h.receive("c2s", fixture: "c2s/on_create_lead.json")
            } else {
                try await h.receive("stripe", fixture: "stripe/payment_intent.succeeded.json")
            }
            let runner = try await h.project([PaymentsProjection(), LeadsProjection()])
            for status in runner.statuses() { #expect(status.state == .live, "\(status.name): \(status.state)") }
            #expect(try h.store.liveCheckpoint(projection) == bad + 1)
            let rejected = try h.store.rejections(projection, recent: 5)
            #expect(rejected.recent.map(\.position) == [bad], "\(rejected.recent)")
            #expect(rejected.recent.first.map { $0.reason.contains("key") } == true, "\(rejected.recent)")
        }
    }
}
