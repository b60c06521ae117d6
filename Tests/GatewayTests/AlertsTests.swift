import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Projections
import Synchronization
import Testing
import TestSupport

/// A clock the test moves forward.
final class TestClock: Sendable {
    private let offset = Mutex<Int64>(0)
    /// Sets the clock to `seconds` since the epoch, from where it runs on.
    func set(seconds: Int64) {
        offset.withLock { $0 = seconds * 1_000_000_000 - Timestamp.now().nanosecondsSinceEpoch }
    }
    func advance(minutes: Int64) { offset.withLock { $0 += minutes * 60_000_000_000 } }
    var now: Timestamp {
        Timestamp(nanosecondsSinceEpoch: Timestamp.now().nanosecondsSinceEpoch + offset.withLock { $0 })
    }
}

@Suite("Alerts")
struct AlertsTests {
    func evaluations(_ gateway: TestGateway) async -> Int {
        let text = (try? await gateway.get("/metrics"))?.text ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("switchyard_alert_evaluations_total") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Runs `body` against a gateway that evaluates alerts every second by `clock` and sends them to a fake
    /// Lark bot, once the alert reactor has started.
    func withAlertsToLark(
        _ clock: TestClock, _ body: @escaping (TestGateway, FakeTarget) async throws -> Void
    ) async throws {
        try await FakeTarget.run { lark in
            try await TestGateway.run(
                configure: {
                    $0.actions.mode = .live
                    $0.actions.larkBots = [.init(name: "ops", url: lark.url + "/ops")]
                    $0.actions.alerts.channel = "lark"
                    $0.actions.alerts.target = "ops"
                    $0.actions.alerts.intervalSeconds = 1
                }, clock: { clock.now }
            ) { gateway in
                let awaited6 = await waitUntil {
                    ((try? gateway.log.checkpoint(named: "reactor:alerts")) ?? nil) != nil
                }
                #expect(awaited6, "waited for reactor:alerts started")
                try await body(gateway, lark)
            }
        }
    }

    /// Expects the second card, a resolution, and nothing more over two more evaluations; the log holds one
    /// firing and one resolution.
    func expectResolvedOnce(_ gateway: TestGateway, _ lark: FakeTarget) async throws {
        #expect(await waitUntil(timeout: .seconds(20)) { lark.requests.count == 2 })
        #expect(String(decoding: lark.requests[1].body, as: UTF8.self).contains("Resolved"))
        let later = await evaluations(gateway)
        #expect(await waitUntil(timeout: .seconds(20)) { await evaluations(gateway) >= later + 2 })
        #expect(lark.requests.count == 2)
        let history = try gateway.log.events(from: 1, limit: 500).filter { $0.source == "alerts" }.map(\.type)
        #expect(history == [AlertsProjection.fired, AlertsProjection.resolved])
    }

    @Test(
        "rejections above the threshold fire one critical alert, sent once; it resolves once when the window has passed"
    )
    func rejectionsFireAndResolve() async throws {
        let clock = TestClock()
        try await withAlertsToLark(clock) { gateway, lark in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            for _ in 0..<4 {
                let response = try await gateway.post(
                    "/webhooks/stripe", body: body,
                    headers: [("Content-Type", "application/json"), ("Stripe-Signature", "t=1,v1=00")])
                #expect(response.status != 200)
            }
            #expect(await waitUntil(timeout: .seconds(20)) { lark.requests.count == 1 })
            let fired = String(decoding: lark.requests[0].body, as: UTF8.self)
            #expect(fired.contains("webhook_rejections") && fired.contains("Critical"))
            let alerts = try await gateway.get("/api/alerts", headers: [("Authorization", "Bearer test-api-key")])
            #expect(
                (alerts.json?["active"] as? [[String: Any]])?.map { $0["name"] as? String } == ["webhook_rejections"])

            // Further evaluations while it holds send nothing more.
            let seen = await evaluations(gateway)
            #expect(await waitUntil(timeout: .seconds(20)) { await evaluations(gateway) >= seen + 2 })
            #expect(lark.requests.count == 1)

            clock.advance(minutes: 6)
            try await expectResolvedOnce(gateway, lark)
        }
    }

    @Test("a payment error rate above 5 % in the last hour fires a critical alert; the rest of the rules stay quiet")
    func paymentErrorRate() async throws {
        let clock = TestClock()
        clock.set(seconds: 1_763_913_100)  // the fixtures' hour, by their Stripe created times
        try await TestGateway.run(configure: { $0.actions.alerts.intervalSeconds = 1 }, clock: { clock.now }) {
            gateway in
            for name in ["payment_intent.succeeded", "payment_intent.payment_failed"] {
                let body = try fixture("stripe/\(name).json")
                #expect(
                    try await gateway.post(
                        "/webhooks/stripe", body: body,
                        headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
                    ).status == 200)
            }
            var active = [String]()
            let awaited7 = await waitUntil(timeout: .seconds(20)) {
                let alerts = try? await gateway.get("/api/alerts", headers: [("Authorization", "Bearer test-api-key")])
                active = (alerts?.json?["active"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
                return !active.isEmpty
            }
            #expect(awaited7, "waited until !active.isEmpty")
            #expect(active == ["payment_error_rate"])
            let message = try gateway.log.events(from: 1, limit: 100).first { $0.type == AlertsProjection.fired }.map {
                String(decoding: $0.payload, as: UTF8.self)
            }
            #expect(message?.contains("1 of 2 payment attempts failed") == true)
        }
    }

    /// The fixture's `payment_intent.succeeded` as another event: its id, its time and the amount received.
    func payment(_ id: String, created: Int64, amount: Int) throws -> [UInt8] {
        var event = try #require(
            try JSONSerialization.jsonObject(with: Data(try fixture("stripe/payment_intent.succeeded.json")))
                as? [String: Any])
        var object = try #require((event["data"] as? [String: Any])?["object"] as? [String: Any])
        object["id"] = "pi_" + id
        object["amount"] = amount
        object["amount_received"] = amount
        event["data"] = ["object": object]
        event["id"] = "evt_" + id
        event["created"] = created
        return Array(try JSONSerialization.data(withJSONObject: event))
    }

    @Test(
        "today's net revenue more than 30 % below yesterday's at the same hour fires a warning once; it resolves once when today catches up"
    )
    func revenueDrop() async throws {
        let clock = TestClock()
        let now: Int64 = 1_763_913_100  // 2025-11-23T15:51:40Z
        clock.set(seconds: now)
        try await withAlertsToLark(clock) { gateway, lark in
            // Yesterday by this hour: R$ 1,000.00 (and R$ 500.00 later in the day, which does not count);
            // today so far: R$ 500.00, half of it.
            for (id, created, amount) in [
                ("y1", now - 86_400 - 600, 100_000), ("y2", now - 86_400 + 3_600, 50_000), ("t1", now - 300, 50_000),
            ] {
                let body = try payment(id, created: created, amount: amount)
                #expect(
                    try await gateway.post(
                        "/webhooks/stripe", body: body,
                        headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
                    ).status == 200)
            }
            #expect(await waitUntil(timeout: .seconds(20)) { lark.requests.count == 1 })
            let fired = String(decoding: lark.requests[0].body, as: UTF8.self)
            #expect(fired.contains("revenue_drop") && fired.contains("brl"), "\(fired)")
            let alerts = try await gateway.get("/api/alerts", headers: [("Authorization", "Bearer test-api-key")])
            let active = try #require((alerts.json?["active"] as? [[String: Any]])?.first)
            #expect(active["name"] as? String == "revenue_drop")
            #expect(active["severity"] as? String == "warning")

            // Today catches up to R$ 800.00: 20 % below, within the threshold.
            let body = try payment("t2", created: now - 60, amount: 30_000)
            #expect(
                try await gateway.post(
                    "/webhooks/stripe", body: body,
                    headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
                ).status == 200)
            try await expectResolvedOnce(gateway, lark)
        }
    }
}
