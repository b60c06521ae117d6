import EventLog
import Foundation
import HTTPTypes
@testable import GatewayApp
@testable import Outbound
import Testing
import TestSupport

/// Behind a reverse proxy: the client's address comes from Forwarded / X-Forwarded-For only when the peer is a
/// trusted proxy.
@Suite("Trusted proxies")
struct TrustedProxyTests {
    static let json = ("Content-Type", "application/json")
    static let admin = ("Authorization", "Bearer test-admin-key")

    static func event(_ id: String) -> [UInt8] {
        Array(#"{"id":"\#(id)","object":"event","type":"charge.succeeded"}"#.utf8)
    }

    @Test("addresses and CIDR ranges, IPv4 and IPv6, IPv4-mapped IPv6; bad entries are refused at start-up")
    func ranges() throws {
        let ranges = try AddressRanges(
            parsing: ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"], setting: "trustedProxies")
        for address in ["10.1.2.3", "10.255.255.255", "192.168.1.7", "fd12::1", "::1", "::ffff:10.9.9.9"] {
            #expect(ranges.contains(address), "\(address)")
        }
        for address in ["11.0.0.1", "192.168.1.8", "fe80::1", "::2", "unknown", "", "10.0.0.1.5"] {
            #expect(!ranges.contains(address), "\(address)")
        }
        #expect(try AddressRanges(parsing: ["0.0.0.0/0"], setting: "x").contains("203.0.113.9"))
        #expect(throws: ConfigurationError.self) { try AddressRanges(parsing: ["10.0.0.0/33"], setting: "x") }
        #expect(throws: ConfigurationError.self) { try AddressRanges(parsing: ["proxy.local"], setting: "x") }
        #expect(!AddressRanges().contains("127.0.0.1"))
    }

    @Test("the client is the right-most forwarded address that is not a trusted proxy")
    func clientFromHeaders() throws {
        let proxies = try AddressRanges(parsing: ["10.0.0.0/8"], setting: "x")
        func client(_ fields: [(String, String)]) -> String? {
            var headers = HTTPFields()
            for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            return ClientAddressMiddleware.client(headers, trusting: proxies)
        }
        #expect(client([("X-Forwarded-For", "203.0.113.7")]) == "203.0.113.7")
        #expect(client([("X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.0.0.2")]) == "203.0.113.7")
        #expect(client([("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "10.0.0.3")]) == "198.51.100.1")
        #expect(
            client([("Forwarded", #"for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711""#)])
                == "2001:db8:cafe::17")
        #expect(client([("Forwarded", "for=192.0.2.60:8080;by=10.0.0.1")]) == "192.0.2.60")
        // Forwarded wins over X-Forwarded-For; nothing that parses: no client.
        #expect(client([("Forwarded", "for=192.0.2.61"), ("X-Forwarded-For", "192.0.2.62")]) == "192.0.2.61")
        #expect(client([("X-Forwarded-For", "not-an-address")]) == nil)
        #expect(client([("Forwarded", "for=_hidden")]) == nil)
        #expect(client([]) == nil)
    }

    @Test("from a trusted proxy, the admin allowlist, the recorded remote-address and the rate limit see the client")
    func trusted() async throws {
        try await TestGateway.run(configure: {
            $0.trustedProxies = try! AddressRanges(parsing: ["127.0.0.0/8"], setting: "test")
            $0.adminAllow = ["203.0.113.7"]
            $0.rateLimitPerSecond = 1
            $0.rateLimitBurst = 1
        }) { gateway in
            let allowed = try await gateway.get(
                "/api/actions", headers: [Self.admin, ("X-Forwarded-For", "203.0.113.7")])
            #expect(allowed.status == 200, "\(allowed.text)")
            let other = try await gateway.get(
                "/api/actions", headers: [Self.admin, ("X-Forwarded-For", "203.0.113.8")])
            #expect(other.status == 403)

            // One request a second per client: ten at once from one client are limited, whatever the machine's speed,
            // and a second client behind the same proxy still gets through.
            let started = ContinuousClock.now
            let burst = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for n in 0..<10 {
                    group.addTask {
                        let body = Self.event("evt_proxy_a_\(n)")
                        return try await gateway.post(
                            "/webhooks/stripe", body: body,
                            headers: [
                                Self.json, ("Stripe-Signature", Sign.stripe(body)), ("X-Forwarded-For", "198.51.100.1"),
                            ])
                    }
                }
                return try await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            let elapsed = Int((ContinuousClock.now - started).components.seconds)
            let accepted = burst.filter { $0.status == 200 }
            #expect(
                accepted.count >= 1 && accepted.count <= 1 + elapsed + 1, "\(accepted.count) accepted in \(elapsed) s")
            #expect(burst.allSatisfy { $0.status == 200 || $0.status == 429 })
            let secondBody = Self.event("evt_proxy_b")
            let response = try await gateway.post(
                "/webhooks/stripe", body: secondBody,
                headers: [
                    Self.json, ("Stripe-Signature", Sign.stripe(secondBody)), ("X-Forwarded-For", "198.51.100.2"),
                ])
            #expect(response.status == 200, "another client behind the same proxy: \(response.text)")
            let positions = [try #require(accepted.first?.position), try #require(response.position)]
            let recorded = try positions.map { try gateway.log.event(at: $0)?.metadata["remote-address"] }
            #expect(recorded == ["198.51.100.1", "198.51.100.2"])
        }
    }

    @Test("from a peer that is not a trusted proxy, forwarded headers are ignored")
    func untrusted() async throws {
        try await TestGateway.run(configure: {
            $0.trustedProxies = try! AddressRanges(parsing: ["10.0.0.0/8"], setting: "test")
            $0.adminAllow = ["203.0.113.7"]
        }) { gateway in
            let spoofed = try await gateway.get(
                "/api/actions",
                headers: [Self.admin, ("X-Forwarded-For", "203.0.113.7"), ("Forwarded", "for=203.0.113.7")])
            #expect(spoofed.status == 403)
            let body = Self.event("evt_spoofed")
            let response = try await gateway.post(
                "/webhooks/stripe", body: body,
                headers: [Self.json, ("Stripe-Signature", Sign.stripe(body)), ("X-Forwarded-For", "203.0.113.7")])
            let position = try #require(response.position)
            #expect(try gateway.log.event(at: position)?.metadata["remote-address"] == "127.0.0.1")
        }
    }

    @Test("trustedProxies is read from the config file and the environment")
    func configuration() throws {
        var configuration = GatewayConfiguration()
        try configuration.apply(file: Data(#"{"trustedProxies":["10.0.0.0/8"]}"#.utf8), path: "test.json")
        #expect(configuration.trustedProxies.contains("10.4.4.4"))
        #expect(throws: ConfigurationError.self) {
            try configuration.apply(file: Data(#"{"trustedProxies":["nope"]}"#.utf8), path: "test.json")
        }
        try configuration.apply(environment: ["SWITCHYARD_TRUSTED_PROXIES": "fd00::/8, 192.0.2.1"])
        #expect(configuration.trustedProxies.contains("fd00::5"))
        #expect(configuration.trustedProxies.contains("192.0.2.1"))
        #expect(!configuration.trustedProxies.contains("10.4.4.4"))
    }
}
