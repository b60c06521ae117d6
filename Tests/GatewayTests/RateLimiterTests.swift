import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
@testable import GatewayApp
@testable import Outbound
import Testing

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("over the tracked bound, refilled buckets are forgotten at most once a second, and limits hold meanwhile")
    func boundedTracking() {
        let limiter = RateLimiter(perSecond: 1, burst: 1)
        let start = ContinuousClock.now
        let half = RateLimiter.maxTracked / 2
        #expect(limiter.acquire("sender", now: start) == nil)
        #expect(limiter.acquire("sender", now: start) == 1, "the burst is used up")
        for n in 0..<half { _ = limiter.acquire("spray-\(n)", now: start) }
        // Half a second later the bound is passed: a sweep, which finds nothing refilled yet.
        for n in half...(2 * half + 1) { _ = limiter.acquire("spray-\(n)", now: start + .milliseconds(500)) }
        #expect(limiter.tracked == 2 * half + 3)
        #expect(limiter.acquire("sender", now: start + .milliseconds(600)) != nil, "still limited")
        // The first half has refilled, but the last sweep was less than a second ago: nothing is forgotten.
        _ = limiter.acquire("late", now: start + .milliseconds(1_200))
        #expect(limiter.tracked == 2 * half + 4)
        // A second after that sweep, every refilled bucket goes; a new sender starts with a full bucket.
        #expect(limiter.acquire("later", now: start + .milliseconds(1_600)) == nil)
        #expect(limiter.tracked < 10)
    }
}

@Suite("Rate limits per minute")
struct PerMinuteRateLimitTests {
    @Test("a limit per minute refills a token every 60/N seconds, after the burst")
    func perMinute() {
        let limiter = RateLimiter(perMinute: 60, burst: 2)
        let start = ContinuousClock.now
        #expect(limiter.acquire("203.0.113.5", now: start) == nil)
        #expect(limiter.acquire("203.0.113.5", now: start) == nil)
        #expect(limiter.acquire("203.0.113.5", now: start) == 1, "one token a second")
        #expect(limiter.acquire("203.0.113.5", now: start + .milliseconds(1_001)) == nil)
        #expect(limiter.acquire("203.0.113.6", now: start) == nil, "addresses count apart")
    }

    @Test("rateLimit.perMinute is read from the file and the environment, and replaces perSecond")
    func configured() async throws {
        try await withTemporaryDirectory("per-minute") { directory in
            let path = directory + "/config.json"
            try Data(#"{"rateLimit":{"perMinute":1000}}"#.utf8).write(to: URL(fileURLWithPath: path))
            let fromFile = try GatewayConfiguration.load(
                file: path, environment: [:], host: nil, port: nil, dataDirectory: directory)
            #expect(fromFile.rateLimitPerMinute == 1000)
            let fromEnvironment = try GatewayConfiguration.load(
                file: nil, environment: ["SWITCHYARD_RATE_LIMIT_PER_MINUTE": "10000"], host: nil, port: nil,
                dataDirectory: directory)
            #expect(fromEnvironment.rateLimitPerMinute == 10000)
        }
    }
}

@Suite("Security headers")
struct SecurityHeaderTests {
    @Test("every answer: a restrictive CSP unless it has its own, Cross-Origin-Resource-Policy; HSTS only over TLS")
    func headers() async throws {
        try await TestGateway.inProcess { client, _ in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
                #expect(response.headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] == "same-origin")
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
            }
            try await client.execute(uri: "/api/events", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(
                    response.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'",
                    "errors too")
            }
            try await client.execute(uri: "/console/sign-in", method: .get) { response in
                #expect(response.headers[values: .contentSecurityPolicy].count == 1, "the console's own policy, alone")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
        }
        try await TestGateway.inProcess(configure: {
            $0.servedOverTLS = true
            $0.corsOrigins = ["https://ops.example.com"]
            $0.corsAllowHeaders = ["Authorization", "X-Voice-Agent"]
        }) { client, _ in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(
                    response.headers[HTTPField.Name("Strict-Transport-Security")!]
                        == "max-age=31536000; includeSubDomains")
            }
            try await client.execute(
                uri: "/api/events", method: .options,
                headers: [
                    HTTPField.Name("Origin")!: "https://ops.example.com",
                    HTTPField.Name("Access-Control-Request-Method")!: "GET",
                ]
            ) { response in
                #expect(response.status == .noContent)
                #expect(
                    response.headers[HTTPField.Name("Access-Control-Allow-Headers")!] == "Authorization, X-Voice-Agent")
            }
        }
    }
}
