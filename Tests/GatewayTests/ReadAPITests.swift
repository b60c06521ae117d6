import EventLog
import Foundation
import Projections
import Testing
import TestSupport
@testable import GatewayApp
@testable import Outbound

@Suite("Read API")
struct ReadAPITests {
    static let json = ("Content-Type", "application/json")
    static let auth = ("Authorization", "Bearer test-api-key")

    @Test("signed webhooks in, projections out: read your own write with min_position")
    func endToEnd() async throws {
        try await TestGateway.run { gateway in
            var last: UInt64 = 0
            for name in ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"] {
                let body = try fixture("stripe/\(name).json")
                last = try #require(
                    try await gateway.post(
                        "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))]
                    ).position)
            }
            let c2s = try fixture("c2s/on_create_lead.json")
            let lead = try #require(
                try await gateway.post(
                    "/webhooks/c2s", body: c2s, headers: [Self.json, ("X-Webhook-Token", Secrets.c2s)]
                ).position)
            let intercom = try fixture("intercom/conversation.admin.assigned.json")
            let conversation = try #require(
                try await gateway.post(
                    "/webhooks/intercom", body: intercom,
                    headers: [Self.json, ("X-Hub-Signature", Sign.intercom(intercom))]
                ).position)

            let payment = try await gateway.get(
                "/api/payments/pi_3QxYpL2eZvKYlo2C1gH7kT2m?min_position=\(last)", headers: [Self.auth])
            #expect(payment.status == 200, "\(payment.text)")
            #expect((payment.json?["amount"] as? NSNumber)?.intValue == 129900)
            #expect((payment.json?["amount_refunded"] as? NSNumber)?.intValue == 50000)

            let ledger = try await gateway.get(
                "/api/ledger/summary?from=2025-11-01&to=2025-11-30&min_position=\(last)", headers: [Self.auth])
            let brl = (ledger.json?["currencies"] as? [[String: Any]])?.first { $0["currency"] as? String == "brl" }
            #expect((brl?["gross"] as? NSNumber)?.intValue == 129900)
            #expect((brl?["refunded"] as? NSNumber)?.intValue == 50000)
            #expect((brl?["net"] as? NSNumber)?.intValue == 79900)

            let events = try await gateway.get(
                "/api/payments/events?limit=2&min_position=\(last)", headers: [Self.auth])
            let items = events.json?["items"] as? [[String: Any]]
            #expect(items?.compactMap { ($0["position"] as? NSNumber)?.intValue } == [3, 2])
            #expect(events.json?["next_cursor"] as? String != nil)

            let leadResponse = try await gateway.get(
                "/api/leads/9f3c2a71-5b8e-4d0f-a6c4-1e2d7b9a8c05?min_position=\(lead)", headers: [Self.auth])
            #expect(leadResponse.json?["status"] as? String == "received")
            #expect(leadResponse.json?["normalized_phone"] as? String == "+5511987654321")
            // The lead's hook actions are kept apart from its record and served with it.
            let served = leadResponse.json?["actions"] as? [[String: Any]]
            #expect(served?.map { $0["hook_action"] as? String } == ["on_create_lead"])
            #expect(served?.map { ($0["position"] as? NSNumber)?.intValue } == [Int(lead)])
            let received = try await gateway.get(
                "/api/leads?status=received&min_position=\(lead)", headers: [Self.auth])
            #expect((received.json?["items"] as? [Any])?.count == 1)
            let listed = (received.json?["items"] as? [[String: Any]])?.first?["actions"] as? [[String: Any]]
            #expect(listed?.map { $0["hook_action"] as? String } == ["on_create_lead"])

            let conversationResponse = try await gateway.get(
                "/api/conversations/215471832004591?min_position=\(conversation)", headers: [Self.auth])
            #expect(conversationResponse.json?["team_assignee_id"] as? String == "5372074")

            // A repeat appends nothing; the gateway counts it, beside what the log says of the last minutes.
            let repeated = try fixture("stripe/charge.refunded.json")
            let again = try await gateway.post(
                "/webhooks/stripe", body: repeated, headers: [Self.json, ("Stripe-Signature", Sign.stripe(repeated))])
            #expect(again.json?["status"] as? String == "duplicate")
            let deliveries = try await gateway.get(
                "/api/deliveries?minutes=10&min_position=\(conversation)", headers: [Self.auth])
            let stripe = (deliveries.json?["sources"] as? [String: Any])?["stripe"] as? [String: Any]
            #expect((stripe?["received"] as? NSNumber)?.intValue == 3)
            #expect((stripe?["duplicates_since_start"] as? NSNumber)?.intValue == 1)
            #expect(((stripe?["last_minutes"] as? [String: Any])?["received"] as? NSNumber)?.intValue == 3)
            #expect(try await gateway.get("/api/deliveries?minutes=0", headers: [Self.auth]).status == 400)

            // An event is served as `replay export` writes it: with the exact bytes the sender signed, which give its hash.
            let event = try await gateway.get("/api/events/1", headers: [Self.auth])
            #expect((event.json?["payload"] as? [String: Any])?["type"] as? String == "payment_intent.succeeded")
            let first = try Event(jsonLine: event.body)
            #expect(first.payload == (try fixture("stripe/payment_intent.succeeded.json")))
            #expect(
                first.idempotencyKey == event.json?["key"] as? String
                    && first.idempotencyKey?.hasPrefix("stripe:") == true)
            #expect(first.recomputedHash() == first.hash && first.position == 1)
            let filtered = try await gateway.get("/api/events?source=c2s", headers: [Self.auth])
            let c2sItems = try #require(filtered.json?["items"] as? [[String: Any]])
            #expect(c2sItems.map { $0["source"] as? String } == ["c2s"])
            // JSON over several lines (as C2S sends it) comes re-serialised for reading, and as its exact bytes.
            #expect(
                (c2sItems.first?["payload_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init)
                    == c2s)
            #expect((c2sItems.first?["payload"] as? [String: Any])?["hook_action"] as? String == "on_create_lead")
            #expect(filtered.json?.keys.contains("next_cursor") == true)

            let projections = try await gateway.get("/api/projections?digest=true", headers: [Self.auth])
            let list = try #require(projections.json?["items"] as? [[String: Any]])
            #expect(Set(list.compactMap { $0["name"] as? String }) == Set(BuiltInProjections.all.map(\.name)))
            #expect(list.allSatisfy { ($0["digest"] as? String)?.count == 64 })
        }
    }

    @Test("the read API needs a key, checks its parameters, and answers 404 with the error shape")
    func errors() async throws {
        try await TestGateway.run { gateway in
            #expect(try await gateway.get("/api/events").status == 401)
            #expect(
                try await gateway.get("/api/events", headers: [("Authorization", "Bearer wrong")]).errorCode
                    == "unauthorized")
            let badLimit = try await gateway.get("/api/events?limit=5000", headers: [Self.auth])
            #expect(badLimit.status == 400)
            #expect(badLimit.errorMessage?.contains("limit") == true)
            let badDate = try await gateway.get(
                "/api/ledger/summary?from=yesterday&to=2025-11-30", headers: [Self.auth])
            #expect(badDate.errorMessage?.contains("from") == true)
            #expect(try await gateway.get("/api/payments/pi_missing", headers: [Self.auth]).status == 404)
            // A position past the head was never acknowledged: waiting for it cannot help.
            let future = try await gateway.get("/api/payments/pi_x?min_position=999", headers: [Self.auth])
            #expect(future.status == 400)
            #expect(future.errorCode == "invalid_parameter")
            #expect(future.errorMessage?.contains("head") == true)
        }
    }

    @Test(
        "an event the ledger cannot add up costs one record: listed, shown in /api/projections and /health, the events after it applied"
    )
    func poison() async throws {
        try await TestGateway.run(projections: [PaymentsProjection(), DeliveriesProjection()]) { gateway in
            // Validly signed, and each amount on its own is a valid Int64: together they pass its limit.
            func intent(_ id: String, amount: Int64, currency: String) -> [UInt8] {
                Array(
                    #"{"id":"evt_\#(id)","object":"event","type":"payment_intent.succeeded","created":1764590400,"livemode":false,"data":{"object":{"id":"pi_\#(id)","object":"payment_intent","amount":\#(amount),"amount_received":\#(amount),"currency":"\#(currency)","status":"succeeded"}}}"#
                        .utf8)
            }
            var positions = [UInt64]()
            for (id, amount, currency) in [
                ("big_1", Int64.max - 10, "usd"), ("big_2", 11, "usd"), ("after", 500, "eur"),
            ] {
                let body = intent(id, amount: amount, currency: currency)
                positions.append(
                    try #require(
                        try await gateway.post(
                            "/webhooks/stripe", body: body,
                            headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))]
                        ).position))
            }
            let applied = try await gateway.get(
                "/api/payments/pi_after?min_position=\(positions[2])", headers: [Self.auth])
            #expect(applied.status == 200, "the event after the refused one is applied: \(applied.text)")
            let list = try #require(
                try await gateway.get("/api/projections", headers: [Self.auth]).json?["items"] as? [[String: Any]])
            let payments = try #require(list.first { $0["name"] as? String == "payments" })
            #expect(payments["state"] as? String == "live")
            #expect((payments["rejected"] as? NSNumber)?.intValue == 1)
            let recent = try #require(payments["recent_rejections"] as? [[String: Any]])
            #expect((recent.first?["position"] as? NSNumber)?.uint64Value == positions[1])
            #expect((recent.first?["reason"] as? String)?.contains("64-bit limit") == true)

            let rejected = try await gateway.get("/api/projections/payments/rejected", headers: [Self.auth])
            #expect(rejected.status == 200)
            let items = try #require(rejected.json?["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect((items.first?["position"] as? NSNumber)?.uint64Value == positions[1])
            #expect(items.first?["event_type"] as? String == "payment_intent.succeeded")
            #expect((rejected.json?["total"] as? NSNumber)?.intValue == 1)
            #expect(try await gateway.get("/api/projections/nothing/rejected", headers: [Self.auth]).status == 404)

            // The ledger holds the first amount alone: the refused one changed nothing.
            let summary = try await gateway.get(
                "/api/ledger/summary?from=2025-12-01&to=2025-12-01", headers: [Self.auth])
            let currencies = try #require(summary.json?["currencies"] as? [[String: Any]])
            #expect(
                currencies.first { $0["currency"] as? String == "usd" }.flatMap {
                    ($0["gross"] as? NSNumber)?.int64Value
                } == Int64.max - 10, "\(summary.text)")
            #expect(
                currencies.first { $0["currency"] as? String == "eur" }.flatMap {
                    ($0["gross"] as? NSNumber)?.int64Value
                } == 500, "\(summary.text)")

            let health = try await gateway.get("/health")
            #expect(health.status == 200)
            #expect(
                health.json?["status"] as? String == "ok",
                "a skipped event does not degrade the gateway: \(health.text)")
            let shown = (health.json?["rejectedEvents"] as? [String: Any])?["payments"] as? [String: Any]
            #expect((shown?["count"] as? NSNumber)?.intValue == 1)
            #expect((shown?["newestPosition"] as? NSNumber)?.uint64Value == positions[1])
            let metrics = try await gateway.get("/metrics").text
            #expect(metrics.contains(#"switchyard_projection_failed{projection="payments"} 0.0"#))
            #expect(metrics.contains(#"switchyard_projection_lag_events{projection="payments"} 0.0"#))
        }
    }
}
