import EventLog
import Foundation
import Testing
import TestSupport
@testable import GatewayApp
@testable import Outbound
import NIOHTTP1

@Suite("Health, metrics and limits")
struct OperationsTests {
    static let json = ("Content-Type", "application/json")

    @Test("/health reports the log; /metrics counts requests by route and outcome, commit sizes and the head")
    func healthAndMetrics() async throws {
        try await TestGateway.run { gateway in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            _ = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
            _ = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", "t=1,v1=00")])
            let health = try await gateway.get("/health")
            #expect(health.status == 200)
            #expect(health.json?["status"] as? String == "ok")
            let log = try #require(health.json?["log"] as? [String: Any])
            #expect((log["head"] as? NSNumber)?.intValue == 2)
            #expect(log["writable"] as? Bool == true)
            #expect(
                ((log["mapSizeBytes"] as? NSNumber)?.intValue ?? 0)
                    > ((log["mapUsedBytes"] as? NSNumber)?.intValue ?? .max))
            #expect(health.json?["uptimeSeconds"] != nil)

            // The head, map use and projection gauges are read when /metrics is scraped.
            let metrics = try await gateway.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("switchyard_log_map_used_bytes "))
            #expect(metrics.text.contains(#"switchyard_projection_checkpoint{projection="payments"}"#))
            #expect(metrics.text.contains(#"switchyard_http_requests_total{route="stripe",outcome="accepted"} 1"#))
            #expect(
                metrics.text.contains(#"switchyard_http_requests_total{route="stripe",outcome="invalid_signature"} 1"#))
            #expect(metrics.text.contains("switchyard_append_duration_seconds_bucket"))
            #expect(metrics.text.contains("switchyard_log_group_commit_events"))
            #expect(metrics.text.contains("switchyard_log_head 2.0"))
        }
    }

    @Test("an unknown route gets the JSON error shape")
    func notFound() async throws {
        try await TestGateway.run { gateway in
            let response = try await gateway.get("/nowhere")
            #expect(response.status == 404)
            #expect(response.errorCode == "not_found")
            #expect(response.headers["X-Content-Type-Options"].first == "nosniff")
        }
    }

    @Test("a sender over its rate gets 429 with Retry-After")
    func rateLimited() async throws {
        try await TestGateway.run(configure: {
            $0.rateLimitPerSecond = 1; $0.rateLimitBurst = 3
        }) { gateway in
            // 30 at once: a burst of 3 and one more a second, whatever the machine's speed.
            let started = ContinuousClock.now
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for n in 0..<30 {
                    group.addTask {
                        let body = Array(#"{"id":"evt_rate_\#(n)","type":"charge.succeeded"}"#.utf8)
                        return try await gateway.post(
                            "/webhooks/stripe", body: body,
                            headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
                    }
                }
                return try await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            let elapsed = Int((ContinuousClock.now - started).components.seconds)
            let accepted = responses.filter { $0.status == 200 }.count
            #expect(accepted >= 3)
            #expect(accepted <= 3 + elapsed + 1)
            let limited = responses.filter { $0.status == 429 }
            #expect(!limited.isEmpty)
            #expect(
                limited.allSatisfy {
                    $0.errorCode == "rate_limited" && (Int($0.headers["Retry-After"].first ?? "") ?? 0) >= 1
                })
        }
    }

    @Test("rejections are logged only up to the per-address quota, and counted beyond it")
    func rejectionQuota() async throws {
        try await TestGateway.run(configure: { $0.rejectionsPerAddressPerMinute = 2 }) { gateway in
            for _ in 0..<5 {
                let response = try await gateway.post(
                    "/webhooks/c2s", body: Array("{}".utf8), headers: [Self.json, ("X-Webhook-Token", "bad")])
                #expect(response.status == 401)
            }
            // Two per address per minute; the five may straddle a minute boundary, so at most two windows.
            let logged = Int(try gateway.log.head().position)
            let metrics = try await gateway.get("/metrics")
            let line = metrics.text.split(separator: "\n").first {
                $0.hasPrefix("switchyard_rejections_unlogged_total ")
            }
            let unlogged = Int(Double(line?.split(separator: " ").last ?? "") ?? -1)
            #expect(logged + unlogged == 5)
            #expect((2...4).contains(logged))
            #expect(unlogged >= 1)
        }
    }

    @Test("when the log cannot take writes: 503 log_unavailable with Retry-After, and /health says failing")
    func logUnavailable() async throws {
        try await TestGateway.run { gateway in
            await gateway.log.close()
            let body = try fixture("stripe/charge.refunded.json")
            let response = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
            #expect(response.status == 503)
            #expect(response.errorCode == "log_unavailable")
            #expect(response.headers["Retry-After"].first == "5")
            let health = try await gateway.get("/health")
            #expect(health.status == 503)
            #expect(health.json?["status"] as? String == "failing")
        }
    }

    @Test("500 concurrent requests: all acknowledged, each in the log once, positions gapless")
    func concurrentRequests() async throws {
        try await TestGateway.run(configure: { $0.rateLimitPerSecond = 0 }) { gateway in
            let positions = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                for n in 0..<500 {
                    group.addTask {
                        let body = Array(#"{"id":"evt_concurrent_\#(n)","type":"payment_intent.succeeded"}"#.utf8)
                        let response = try await gateway.post(
                            "/webhooks/stripe", body: body,
                            headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
                        return response.status == 200 ? response.position : nil
                    }
                }
                return try await group.reduce(into: [UInt64?]()) { $0.append($1) }
            }
            #expect(positions.compactMap { $0 }.sorted() == Array(1...500))
            let keys = try gateway.log.events(from: 1, limit: 1000).compactMap(\.idempotencyKey)
            #expect(Set(keys).count == 500)
            #expect(try gateway.log.verify().isIntact)
        }
    }
}
