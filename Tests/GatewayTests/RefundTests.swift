import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Projections
import Testing
import TestSupport
import NIOHTTP1

/// Refunds: the admin API, the Stripe call a fake Stripe receives, and a crash in the middle of it.
@Suite("Refunds", .serialized)
struct RefundTests {
    static let admin = ("Authorization", "Bearer test-admin-key")
    static let intent = "pi_3QxYpL2eZvKYlo2C1gH7kT2m"

    func form(_ request: FakeTarget.Received) -> [String: String] {
        var fields = [String: String]()
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1].removingPercentEncoding }
        }
        return fields
    }

    @Test("a refund is checked against what remains, then sent form-encoded with its action id as Idempotency-Key")
    func refund() async throws {
        try await FakeTarget.run { stripe in
            stripe.respond { n in (200, [:], #"{"id":"re_\#(n)","object":"refund","status":"succeeded"}"#) }
            try await TestGateway.run(configure: {
                $0.actions.stripeMode = .live
                $0.actions.stripeAPIBase = stripe.url
                $0.actions.stripeAPIKey = "sk_test_refunds"
            }) { gateway in
                let body = try fixture("stripe/payment_intent.succeeded.json")
                #expect(
                    try await gateway.post(
                        "/webhooks/stripe", body: body,
                        headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
                    ).status == 200)
                let awaited10 = await waitUntil {
                    ((try? gateway.log.checkpoint(named: "reactor:stripe-refunds")) ?? nil) != nil
                }
                #expect(awaited10, "waited for reactor:stripe-refunds started")

                func ask(_ json: String, key: (String, String) = Self.admin) async throws -> TestResponse {
                    try await gateway.post(
                        "/api/payments/refund", body: Array(json.utf8),
                        headers: [("Content-Type", "application/json"), key])
                }
                #expect(try await ask(#"{"payment_id":"pi_nope","amount":10}"#).errorCode == "unknown_payment")
                let tooMuch = try await ask(#"{"payment_id":"\#(Self.intent)","amount":200000}"#)
                #expect(tooMuch.status == 400)
                #expect(tooMuch.errorMessage?.contains("129900") == true, "\(tooMuch.text)")
                #expect(try await ask(#"{"amount":5}"#).errorCode == "invalid_json")
                #expect(
                    try await ask(
                        #"{"payment_id":"\#(Self.intent)","amount":50}"#, key: ("Authorization", "Bearer test-api-key")
                    ).status == 403, "a read key may not refund")

                let first = try await ask(#"{"payment_id":"\#(Self.intent)","amount":50000}"#)
                #expect(first.status == 202, "\(first.text)")
                let id = try #require(first.json?["action_id"] as? String)
                let rest = try await ask(#"{"payment_id":"\#(Self.intent)"}"#)
                #expect((rest.json?["amount"] as? NSNumber)?.intValue == 79900)
                #expect(try await ask(#"{"payment_id":"\#(Self.intent)","amount":1}"#).status == 400, "nothing is left")

                #expect(await waitUntil(timeout: .seconds(20)) { stripe.requests.count == 2 })
                let call = try #require(stripe.requests.first { $0.headers["idempotency-key"] == id })
                #expect(call.path == "/v1/refunds")
                #expect(call.headers["authorization"] == "Bearer sk_test_refunds")
                #expect(call.headers["content-type"] == "application/x-www-form-urlencoded")
                #expect(form(call) == ["payment_intent": Self.intent, "amount": "50000"])
                #expect(
                    stripe.requests.contains { form($0) == ["payment_intent": Self.intent, "amount": "79900"] },
                    "the rest of the payment, as the amount promised")
                let keyInLog = try gateway.log.events(from: 1, limit: 100).contains {
                    String(decoding: $0.payload, as: UTF8.self).contains("sk_test_refunds")
                }
                #expect(!keyInLog)
            }
        }
    }

    @Test(
        "refunds made in Stripe's dashboard count: a pending one holds its amount back, a failed one gives it back, a full refund leaves nothing"
    )
    func refundsFromStripe() async throws {
        try await TestGateway.run { gateway in
            func deliver(_ json: String) async throws {
                let body = Array(json.utf8)
                let response = try await gateway.post(
                    "/webhooks/stripe", body: body,
                    headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))])
                #expect(response.status == 200, "\(response.text)")
            }
            func ask(_ amount: Int) async throws -> TestResponse {
                try await gateway.post(
                    "/api/payments/refund", body: Array(#"{"payment_id":"\#(Self.intent)","amount":\#(amount)}"#.utf8),
                    headers: [("Content-Type", "application/json"), Self.admin])
            }
            // Stripe API 2024-06-20 shapes: a refund made in the dashboard, then its failure.
            func refund(_ event: String, _ type: String, _ status: String, _ created: Int) -> String {
                #"{"id":"\#(event)","object":"event","api_version":"2024-06-20","created":\#(created),"livemode":false,"type":"\#(type)","data":{"object":{"id":"re_dash","object":"refund","amount":100000,"charge":"ch_3QxYpL2eZvKYlo2C1cM0d9Qe","created":1763998000,"currency":"brl","payment_intent":"\#(Self.intent)","status":"\#(status)"}}}"#
            }
            try await deliver(String(decoding: try fixture("stripe/payment_intent.succeeded.json"), as: UTF8.self))
            try await deliver(refund("evt_dash_created", "refund.created", "pending", 1763998000))
            let blocked = try await ask(50000)
            #expect(blocked.status == 400, "129900 less a pending 100000 leaves 29900: \(blocked.text)")
            #expect(blocked.errorMessage?.contains("29900") == true)
            try await deliver(refund("evt_dash_failed", "refund.failed", "failed", 1763998100))
            #expect(try await ask(50000).status == 202, "the failed refund gave its amount back")
            // Stripe shows the rest refunded in full: nothing is left, however the hub's own request fares.
            try await deliver(
                refund("evt_dash_2", "refund.updated", "succeeded", 1763999000).replacingOccurrences(
                    of: "re_dash", with: "re_dash_2"
                ).replacingOccurrences(
                    of: #""amount":100000"#, with: #""amount":79900"#))
            let nothing = try await ask(1)
            #expect(nothing.status == 400, "\(nothing.text)")
        }
    }

    @Test(
        "refund requests at the same time never ask for more than the payment: of eight for 60 % of it, one is accepted"
    )
    func concurrentRefunds() async throws {
        try await TestGateway.run { gateway in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            #expect(
                try await gateway.post(
                    "/webhooks/stripe", body: body,
                    headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
                ).status == 200)
            let request = Array(#"{"payment_id":"\#(Self.intent)","amount":77940}"#.utf8)
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await gateway.post(
                            "/api/payments/refund", body: request,
                            headers: [("Content-Type", "application/json"), Self.admin])
                        return "\(response.status) \(response.errorCode ?? "")"
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(answers.sorted() == ["202 "] + Array(repeating: "400 invalid_amount", count: 7), "\(answers)")
            let requested = try gateway.log.events(from: 1, limit: 100).filter { $0.type == RefundRequest.eventType }
            #expect(requested.count == 1)
        }
    }

    @Test(
        "SIGKILL of the gateway in the middle of a refund: after a restart Stripe has seen one idempotency key, and the refund is recorded"
    )
    func killedMidRefund() async throws {
        try await FakeTarget.run { stripe in
            stripe.hold { n in n == 1 ? .seconds(3) : .zero }
            stripe.respond { _ in (200, [:], #"{"id":"re_1","object":"refund","status":"succeeded"}"#) }
            try await withTemporaryDirectory("refund-kill") { directory in
                let config = directory + "-config.json"
                defer { try? FileManager.default.removeItem(atPath: config) }
                let settings: [String: Any] = [
                    "adminKeys": ["test-admin-key"],
                    "actions": [
                        "retrySchedule": [0, 0, 0],
                        "stripe": ["mode": "live", "apiBase": stripe.url, "apiKey": "sk_test_kill"],
                    ],
                ]
                try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: config))
                var gateway = try await GatewayProcess.start(dataDirectory: directory, arguments: ["--config", config])
                let body = try fixture("stripe/payment_intent.succeeded.json")
                #expect(
                    try await TestResponse.send(
                        port: gateway.port, method: .POST, path: "/webhooks/stripe", body: body,
                        headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
                    ).status == 200)
                var refund: TestResponse?
                let awaited11 = await waitUntil(timeout: .seconds(20)) {
                    refund = try? await TestResponse.send(
                        port: gateway.port, method: .POST, path: "/api/payments/refund",
                        body: Array(#"{"payment_id":"\#(Self.intent)","amount":1000}"#.utf8), headers: [Self.admin])
                    return refund?.status == 202
                }
                #expect(awaited11, "waited until refund?.status == 202")
                let id = try #require(refund?.json?["action_id"] as? String)
                #expect(await waitUntil(timeout: .seconds(20)) { stripe.requests.count == 1 }, "the call is in flight")
                gateway.child.send(SIGKILL)
                _ = gateway.child.waitForExit()

                gateway = try await GatewayProcess.start(dataDirectory: directory, arguments: ["--config", config])
                defer { gateway.child.send(SIGKILL); _ = gateway.child.waitForExit() }
                var delivered = false
                let awaited12 = await waitUntil(timeout: .seconds(30)) {
                    let list = try? await TestResponse.send(
                        port: gateway.port, method: .GET, path: "/api/notifications", body: nil,
                        headers: [("Authorization", "Bearer test-api-key")])
                    delivered =
                        (list?.json?["items"] as? [[String: Any]])?.contains {
                            $0["id"] as? String == id && $0["status"] as? String == "delivered"
                        } == true
                    return delivered
                }
                #expect(awaited12, "waited until delivered")
                #expect(delivered)
                #expect(stripe.requests.count == 2, "called again after the crash, since no result was recorded")
                #expect(
                    Set(stripe.requests.map { $0.headers["idempotency-key"] }) == [id], "one refund per idempotency key"
                )
            }
        }
    }
}
