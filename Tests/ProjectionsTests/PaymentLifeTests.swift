import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// A payment's whole life, as Stripe sends it (out of order, some events twice, in the shapes of several API
/// versions): whatever the order, the ledger, the refundable amount and the records end the same, and match a
/// computation made here from the events alone.
@Suite("A payment's life in any order")
struct PaymentLifeTests {
    /// One event of the life: its Stripe event JSON, and what the independent computation reads of it.
    struct LifeEvent {
        let json: String
        let created: Int64
        /// For a refund snapshot: the refund's id, amount, own created time and status.
        var refund: (id: String, amount: Int64, created: Int64, status: String)? = nil
    }

    static let t0: Int64 = 1_764_590_400  // 2025-12-01T12:00:00Z
    static let day = Int64(86_400)

    static func event(
        _ id: String, _ type: String, _ created: Int64, _ object: String, version: String = "2024-06-20"
    ) -> String {
        #"{"id":"\#(id)","object":"event","api_version":"\#(version)","created":\#(created),"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"\#(type)","data":{"object":\#(object)}}"#
    }

    static func intent(_ status: String, received: Int64) -> String {
        #"{"id":"pi_life","object":"payment_intent","amount":10000,"amount_received":\#(received),"currency":"usd","customer":"cus_life","created":\#(t0),"livemode":false,"latest_charge":"ch_life","status":"\#(status)","last_payment_error":null}"#
    }

    static func charge(refunded: Int64, refunds: String?) -> String {
        let list = refunds.map { #","refunds":\#($0)"# } ?? ""
        return
            #"{"id":"ch_life","object":"charge","amount":10000,"amount_captured":10000,"amount_refunded":\#(refunded),"currency":"usd","customer":"cus_life","created":\#(t0 + 10),"livemode":false,"paid":true,"payment_intent":"pi_life","refunded":false,"status":"succeeded"\#(list)}"#
    }

    static func refund(_ id: String, _ amount: Int64, _ created: Int64, _ status: String, intent: Bool = true) -> String
    {
        let pi = intent ? #","payment_intent":"pi_life""# : ""
        return
            #"{"id":"\#(id)","object":"refund","amount":\#(amount),"charge":"ch_life","created":\#(created),"currency":"usd"\#(pi),"reason":"requested_by_customer","status":"\#(status)"}"#
    }

    static func dispute(_ status: String) -> String {
        #"{"id":"dp_life","object":"dispute","amount":1000,"charge":"ch_life","currency":"usd","created":\#(t0 + 3 * day),"payment_intent":"pi_life","reason":"fraudulent","status":"\#(status)"}"#
    }

    /// The life: paid on day 0; refund re_1 (3000) asked on day 1, pending then succeeded; refund re_2 (2000) asked on
    /// day 2 in an older API version's shapes (charge.refund.updated, a plain refund array), then failed, and the
    /// charge's refunded amount goes back; a dispute opened on day 3 and won on day 4.
    static let life: [LifeEvent] = {
        let t1 = t0 + day, t2 = t0 + 2 * day
        return [
            LifeEvent(
                json: event(
                    "evt_pi_created", "payment_intent.created", t0, intent("requires_payment_method", received: 0)),
                created: t0),
            LifeEvent(
                json: event(
                    "evt_pi_succeeded", "payment_intent.succeeded", t0 + 10, intent("succeeded", received: 10000)),
                created: t0 + 10),
            LifeEvent(
                json: event("evt_ch_succeeded", "charge.succeeded", t0 + 10, charge(refunded: 0, refunds: nil)),
                created: t0 + 10),
            LifeEvent(
                json: event("evt_re1_created", "refund.created", t1, refund("re_1", 3000, t1, "pending")), created: t1,
                refund: ("re_1", 3000, t1, "pending")),
            LifeEvent(
                json: event(
                    "evt_ch_refunded_1", "charge.refunded", t1,
                    charge(
                        refunded: 3000,
                        refunds: #"{"object":"list","data":[\#(refund("re_1", 3000, t1, "pending"))],"has_more":false}"#
                    )), created: t1,
                refund: ("re_1", 3000, t1, "pending")),
            LifeEvent(
                json: event("evt_re1_updated", "refund.updated", t1 + 60, refund("re_1", 3000, t1, "succeeded")),
                created: t1 + 60,
                refund: ("re_1", 3000, t1, "succeeded")),
            LifeEvent(
                json: event(
                    "evt_re2_updated", "charge.refund.updated", t2, refund("re_2", 2000, t2, "pending", intent: false),
                    version: "2013-08-13"),
                created: t2, refund: ("re_2", 2000, t2, "pending")),
            LifeEvent(
                json: event(
                    "evt_ch_refunded_2", "charge.refunded", t2,
                    charge(
                        refunded: 5000,
                        refunds:
                            "[\(refund("re_1", 3000, t1, "succeeded", intent: false)),\(refund("re_2", 2000, t2, "pending", intent: false))]"
                    ),
                    version: "2013-08-13"),
                created: t2),
            LifeEvent(
                json: event("evt_re2_failed", "refund.failed", t2 + 100, refund("re_2", 2000, t2, "failed")),
                created: t2 + 100,
                refund: ("re_2", 2000, t2, "failed")),
            LifeEvent(
                json: event("evt_ch_updated", "charge.updated", t2 + 100, charge(refunded: 3000, refunds: nil)),
                created: t2 + 100),
            LifeEvent(
                json: event("evt_dp_created", "charge.dispute.created", t0 + 3 * day, dispute("needs_response")),
                created: t0 + 3 * day),
            LifeEvent(
                json: event("evt_dp_closed", "charge.dispute.closed", t0 + 4 * day, dispute("won")),
                created: t0 + 4 * day),
        ]
    }()

    /// The outcome computed from the events alone: each refund's final status is the one of its newest snapshot
    /// (by event time, ties by the life order pending < succeeded < failed); the ledger books the payment on the day it
    /// succeeded and each succeeded refund on its own day; a refund that failed is booked on its own day too and
    /// reversed on the day of the first event that shows it failed (Stripe's `refund_failure`).
    static func expected() -> (daily: [String: (gross: Int64, refunded: Int64, failures: Int64)], refundable: Int64) {
        let lifeOrder = ["pending": 0, "succeeded": 1, "failed": 2]
        var newest = [String: (at: Int64, rank: Int, amount: Int64, created: Int64, status: String)]()
        var failedAt = [String: Int64]()
        for event in life {
            guard let refund = event.refund else { continue }
            if refund.status == "failed" {
                failedAt[refund.id] = min(failedAt[refund.id] ?? event.created, event.created)
            }
            let rank = lifeOrder[refund.status] ?? 0
            if let seen = newest[refund.id], (seen.at, seen.rank) > (event.created, rank) { continue }
            newest[refund.id] = (event.created, rank, refund.amount, refund.created, refund.status)
        }
        func day(_ seconds: Int64) -> String {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.locale = Locale(identifier: "en_US_POSIX")
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))) + "|usd"
        }
        var daily = [day(t0 + 10): (gross: Int64(10000), refunded: Int64(0), failures: Int64(0))]
        var refunded: Int64 = 0
        for (id, refund) in newest where refund.status == "succeeded" || refund.status == "failed" {
            daily[day(refund.created), default: (0, 0, 0)].refunded += refund.amount
            if refund.status == "succeeded" { refunded += refund.amount }
            if refund.status == "failed", let failed = failedAt[id] {
                daily[day(failed), default: (0, 0, 0)].failures += refund.amount
            }
        }
        // The dispute was won: it holds nothing back.
        return (daily, 10000 - refunded)
    }

    /// A generator of the same shuffles on every run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Outcome: Equatable {
        let intent: PaymentsProjection.Payment?
        let charge: PaymentsProjection.Payment?
        let refunds: [PaymentsProjection.Refund?]
        let daily: [String: PaymentsProjection.Daily]
        let rejected: Int
    }

    func run(_ events: [LifeEvent], batchSize: Int = 1024) async throws -> (Outcome, String) {
        var result: (Outcome, String)?
        try await Harness.with { h in
            for event in events { try await h.receive("stripe", payload: json(event.json)) }
            _ = try await h.project(
                [PaymentsProjection()], batchSize: batchSize, cacheCapacity: batchSize == 1 ? 0 : 100_000)
            let outcome = try #require(
                try h.store.read("payments") { reader in
                    Outcome(
                        intent: try reader.get(PaymentsProjection.Payment.self, "pi_life", in: "payments"),
                        charge: try reader.get(PaymentsProjection.Payment.self, "ch_life", in: "payments"),
                        refunds: try ["re_1", "re_2"].map {
                            try reader.get(PaymentsProjection.Refund.self, $0, in: "refunds")
                        },
                        daily: Dictionary(
                            uniqueKeysWithValues: try reader.list(
                                PaymentsProjection.Daily.self, in: "daily", limit: 100
                            ).map { ($0.key, $0.value) }),
                        rejected: try reader.count(RejectedEvent.table)
                    )
                })
            result = (outcome, try #require(try h.store.digest("payments")))
        }
        return try #require(result)
    }

    @Test(
        "in order, reversed, and in 24 shuffles with repeats: the same records, ledger and refundable amount, as computed here"
    )
    func anyOrder() async throws {
        let expected = Self.expected()
        var generator = SplitMix(state: 0x5EED)
        var orders = [Self.life, Self.life.reversed()]
        for _ in 0..<24 {
            var shuffled = Self.life.shuffled(using: &generator)
            // Stripe may deliver an event more than once.
            for _ in 0..<3 {
                shuffled.insert(
                    Self.life.randomElement(using: &generator)!,
                    at: Int.random(in: 0...shuffled.count, using: &generator))
            }
            orders.append(shuffled)
        }
        var first: Outcome?
        for (n, order) in orders.enumerated() {
            let (outcome, _) = try await run(order)
            #expect(outcome.rejected == 0)
            let daily = outcome.daily.mapValues { ($0.gross, $0.refunded, $0.refundFailures) }
            #expect(daily.count == expected.daily.count, "order \(n): \(daily)")
            for (key, totals) in expected.daily {
                #expect(
                    daily[key]?.0 == totals.gross && daily[key]?.1 == totals.refunded
                        && daily[key]?.2 == totals.failures,
                    "order \(n): \(key) is \(String(describing: daily[key])), expected \(totals)")
            }
            #expect(outcome.intent?.refundable == expected.refundable, "order \(n)")
            #expect(outcome.intent?.status == "succeeded", "order \(n)")
            #expect(outcome.refunds.map { $0?.status } == ["succeeded", "failed"], "order \(n)")
            if let first {
                #expect(
                    outcome.intent == first.intent && outcome.charge == first.charge,
                    "order \(n): the payment records differ from order 0's")
                #expect(outcome.refunds == first.refunds, "order \(n): the refunds differ from order 0's")
                #expect(
                    outcome.daily == first.daily,
                    "order \(n): the ledger differs from order 0's: \(outcome.daily) against \(first.daily)")
            } else {
                first = outcome
            }
        }
    }

    @Test("a rebuild of the same log gives the same bytes, in batches of one or many")
    func rebuildIsByteIdentical() async throws {
        var generator = SplitMix(state: 42)
        let order = Self.life.shuffled(using: &generator)
        let (_, many) = try await run(order)
        let (_, one) = try await run(order, batchSize: 1)
        #expect(many == one)
    }

    @Test("zero-decimal and three-decimal currencies are booked in their own minor units, as sent")
    func exponents() async throws {
        try await Harness.with { h in
            for (id, currency, amount) in [("jpy", "jpy", Int64(5000)), ("kwd", "kwd", Int64(12_345))] {
                try await h.receive(
                    "stripe",
                    payload: json(
                        Self.event(
                            "evt_\(id)", "payment_intent.succeeded", Self.t0,
                            #"{"id":"pi_\#(id)","object":"payment_intent","amount":\#(amount),"amount_received":\#(amount),"currency":"\#(currency)","status":"succeeded"}"#
                        )))
            }
            _ = try await h.project([PaymentsProjection()])
            let totals = try h.store.read("payments") { reader in
                try ["2025-12-01|jpy", "2025-12-01|kwd"].map {
                    try reader.get(PaymentsProjection.Daily.self, $0, in: "daily")?.gross
                }
            }
            #expect(totals == [5000, 12_345])
            #expect(MinorUnits.exponent(of: "JPY") == 0)
            #expect(MinorUnits.exponent(of: "kwd") == 3)
            #expect(MinorUnits.exponent(of: "brl") == 2)
        }
    }
}
