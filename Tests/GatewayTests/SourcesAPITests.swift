import Crypto
import EventLog
import Foundation
import NIOHTTP1
import Synchronization
@testable import GatewayApp
import Testing
import TestSupport
import WebhookAuth

/// Sources defined, changed, rotated and removed through the admin API, used at once with no restart.
@Suite("Sources through the admin API")
struct SourcesAPITests {
    static let admin = ("Authorization", "Bearer test-admin-key")
    static let json = ("Content-Type", "application/json")

    static func sign(_ secret: String, _ body: [UInt8]) -> String {
        "sha256=" + Sign.hex(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
    }

    static let call = Array(#"{"agent_id":"agent_42","call_id":"call_7","status":"completed"}"#.utf8)

    func deliver(_ gateway: TestGateway, _ path: String, secret: String, body: [UInt8] = call) async throws -> Int {
        try await gateway.post(path, body: body, headers: [Self.json, ("X-Signature", Self.sign(secret, body))]).status
    }

    /// Seconds added to the gateway's clock in ``lifecycle()``, to move past a rotation's overlap without waiting.
    static let clockOffset = Mutex<Int64>(0)

    @Test(
        "create, use at once, change with If-Match (stale: 409), rotate with an overlap, delete; secrets never in the log"
    )
    func lifecycle() async throws {
        let clock: @Sendable () -> Timestamp = {
            Timestamp(
                nanosecondsSinceEpoch: Timestamp.now().nanosecondsSinceEpoch + Self.clockOffset.withLock { $0 }
                    * 1_000_000_000)
        }
        try await TestGateway.run(configure: { $0.secrets.sources = DefinedSourcesTests.seeds }, clock: clock) {
            gateway in
            let definition =
                #"{"name":"agent-42","kind":"hmac","paths":["/webhooks/agent/agent_42"],"hmac":{"header":"X-Signature","prefix":"sha256="}}"#
            let created = try await gateway.post(
                "/api/sources", body: Array(definition.utf8), headers: [Self.json, Self.admin])
            #expect(created.status == 201, "\(created.text)")
            let secret = try #require(created.json?["secret"] as? String)
            var etag = try #require(created.headers["ETag"].first)
            let first = try await gateway.post(
                "/webhooks/agent/agent_42", body: Self.call,
                headers: [Self.json, ("X-Signature", Self.sign(secret, Self.call))])
            #expect(first.status == 200, "used with no restart: \(first.text)")
            #expect(try await deliver(gateway, "/webhooks/agent/agent_42", secret: "guess") == 401)
            let shown = try await gateway.get("/api/sources/agent-42", headers: [Self.admin])
            #expect(shown.status == 200 && shown.json?["secret"] == nil && !shown.text.contains(secret))
            let listed = try await gateway.get("/api/sources", headers: [Self.admin])
            #expect(
                (listed.json?["items"] as? [[String: Any]])?.map { $0["name"] as? String } == [
                    "agent-42", "agent-acme", "c2s-crm", "intercom-monitor",
                ])

            // A change needs the revision it was made from.
            let moved = Array(
                #"{"kind":"hmac","paths":["/webhooks/agent/agent_42b"],"hmac":{"header":"X-Signature","prefix":"sha256="}}"#
                    .utf8)
            let withoutTag = try await TestResponse.send(
                port: gateway.port, method: .PUT, path: "/api/sources/agent-42", body: moved,
                headers: [Self.json, Self.admin])
            #expect(withoutTag.status == 428)
            let stale = try await TestResponse.send(
                port: gateway.port, method: .PUT, path: "/api/sources/agent-42", body: moved,
                headers: [Self.json, Self.admin, ("If-Match", "\"999999\"")])
            #expect(stale.status == 409 && stale.errorCode == "revision_mismatch", "\(stale.text)")
            let changed = try await TestResponse.send(
                port: gateway.port, method: .PUT, path: "/api/sources/agent-42", body: moved,
                headers: [Self.json, Self.admin, ("If-Match", etag)])
            #expect(changed.status == 200, "\(changed.text)")
            etag = try #require(changed.headers["ETag"].first)
            #expect(
                try await deliver(gateway, "/webhooks/agent/agent_42", secret: secret) == 404, "the old path is gone")
            #expect(try await deliver(gateway, "/webhooks/agent/agent_42b", secret: secret) == 200)

            // Rotation: the old secret works during the overlap, not after (the gateway's clock moved past it); the
            // new one works.
            let rotated = try await TestResponse.send(
                port: gateway.port, method: .POST, path: "/api/sources/agent-42/rotate?overlap_seconds=3600", body: [],
                headers: [Self.admin, ("If-Match", etag)])
            #expect(rotated.status == 200, "\(rotated.text)")
            let fresh = try #require(rotated.json?["secret"] as? String)
            etag = try #require(rotated.headers["ETag"].first)
            #expect(fresh != secret)
            #expect(try await deliver(gateway, "/webhooks/agent/agent_42b", secret: fresh) == 200)
            let unique = Array(#"{"agent_id":"agent_42","call_id":"call_8"}"#.utf8)
            #expect(
                try await deliver(gateway, "/webhooks/agent/agent_42b", secret: secret, body: unique) == 200,
                "the old one, in the overlap")
            Self.clockOffset.withLock { $0 = 3_601 }
            let late = try await gateway.post(
                "/webhooks/agent/agent_42b", body: unique,
                headers: [Self.json, ("X-Signature", Self.sign(secret, unique))])
            #expect(late.status == 401, "after the overlap: \(late.text)")
            #expect(try await deliver(gateway, "/webhooks/agent/agent_42b", secret: fresh) == 200)

            // Secrets are never in the log; the files that hold them are the owner's alone.
            let payloads = try gateway.log.events(from: 1, limit: 1000).map {
                String(decoding: $0.payload, as: UTF8.self)
            }
            #expect(!payloads.contains { $0.contains(secret) || $0.contains(fresh) })
            let files = try FileManager.default.contentsOfDirectory(atPath: gateway.dataDirectory + "/secrets")
            #expect(files.count == 2)
            for file in files {
                let mode =
                    try FileManager.default.attributesOfItem(atPath: gateway.dataDirectory + "/secrets/" + file)[
                        .posixPermissions] as? Int
                #expect(mode == 0o600)
            }

            // Deleted: the path answers 404; the name can be used again.
            let deleted = try await TestResponse.send(
                port: gateway.port, method: .DELETE, path: "/api/sources/agent-42", body: nil,
                headers: [Self.admin, ("If-Match", etag)])
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(try await deliver(gateway, "/webhooks/agent/agent_42b", secret: fresh) == 404)
            #expect(
                try await gateway.post("/api/sources", body: Array(definition.utf8), headers: [Self.json, Self.admin])
                    .status == 201)
        }
    }

    @Test("two admins changing one source from the same revision: one change is made, the other is a 409")
    func concurrentChanges() async throws {
        try await TestGateway.run { gateway in
            let definition =
                #"{"name":"shop","kind":"hmac","paths":["/shop"],"hmac":{"header":"X-Shopify-Hmac-Sha256","encoding":"base64"}}"#
            let created = try await gateway.post(
                "/api/sources", body: Array(definition.utf8), headers: [Self.json, Self.admin])
            let etag = try #require(created.headers["ETag"].first)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<4 {
                    group.addTask {
                        let body = Array(
                            #"{"kind":"hmac","paths":["/shop-\#(n)"],"hmac":{"header":"X-Shopify-Hmac-Sha256","encoding":"base64"}}"#
                                .utf8)
                        return try await TestResponse.send(
                            port: gateway.port, method: .PUT, path: "/api/sources/shop", body: body,
                            headers: [Self.json, Self.admin, ("If-Match", etag)]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 409, 409, 409])
        }
    }

    @Test(
        "a source that cannot work is refused with 400 naming the field; a config file source cannot be taken or changed"
    )
    func refused() async throws {
        try await TestGateway.run(configure: { $0.secrets.sources = DefinedSourcesTests.seeds }) { gateway in
            func create(_ body: String) async throws -> TestResponse {
                try await gateway.post("/api/sources", body: Array(body.utf8), headers: [Self.json, Self.admin])
            }
            let unknown = try await create(#"{"name":"x","kind":"pigeon","paths":["/x"]}"#)
            #expect(unknown.status == 400 && unknown.errorMessage?.hasPrefix("kind:") == true, "\(unknown.text)")
            let taken = try await create(#"{"name":"x","kind":"c2s","paths":["/webhook/intercom"]}"#)
            #expect(taken.status == 400 && taken.errorMessage?.contains("intercom-monitor") == true, "\(taken.text)")
            let own = try await create(#"{"name":"x","kind":"c2s","paths":["/api/sources"]}"#)
            #expect(own.status == 400 && own.errorMessage?.hasPrefix("paths[0]") == true, "\(own.text)")
            let template = try await create(
                #"{"name":"x","kind":"hmac","paths":["/x"],"hmac":{"header":"X-S","signed":"{timestamp}.{body}"}}"#)
            #expect(
                template.status == 400 && template.errorMessage?.hasPrefix("hmac.timestampHeader") == true,
                "\(template.text)")
            #expect(
                try await create(#"{"name":"x","kind":"stripe","paths":["/x"]}"#).status == 400,
                "Stripe makes a Stripe secret")
            #expect(try await create(#"{"name":"c2s-crm","kind":"c2s","paths":["/y"]}"#).status == 400)
            let inConfig = try await TestResponse.send(
                port: gateway.port, method: .DELETE, path: "/api/sources/c2s-crm", body: nil,
                headers: [Self.admin, ("If-Match", "\"1\"")])
            #expect(inConfig.status == 409 && inConfig.errorCode == "source_in_config")
            #expect(
                try await gateway.post(
                    "/api/sources", body: Array("{}".utf8),
                    headers: [Self.json, ("Authorization", "Bearer test-api-key")]
                ).status == 403, "a read key may not define sources")
            // A standard source gets a Standard Webhooks secret.
            let standard = try await create(#"{"name":"orders-eu","kind":"standard","paths":["/in/orders-eu"]}"#)
            #expect((standard.json?["secret"] as? String)?.hasPrefix("whsec_") == true)
        }
    }

    @Test("replay as-of shows the sources in force at a position: before a change, after it, and after a deletion")
    func configurationAsOf() async throws {
        try await withTemporaryDirectory("sources-as-of") { directory in
            var positions = [UInt64]()
            try await TestGateway.run(in: directory) { gateway in
                let definition = #"{"name":"crm","kind":"c2s","paths":["/crm/hooks"]}"#
                let created = try await gateway.post(
                    "/api/sources", body: Array(definition.utf8), headers: [Self.json, Self.admin])
                let etag = try #require(created.headers["ETag"].first)
                positions.append(try #require(SourcesController<LMDBEventLog>.revision(etag)))
                let deleted = try await TestResponse.send(
                    port: gateway.port, method: .DELETE, path: "/api/sources/crm", body: nil,
                    headers: [Self.admin, ("If-Match", etag)])
                positions.append(try #require((deleted.json?["revision"] as? String).flatMap { UInt64($0) }))
            }
            func asOf(_ position: UInt64) async throws -> String {
                let result = try await replay([
                    "as-of", "--data-dir", directory, "--projection", "sources", "--position", "\(position)",
                ])
                #expect(result.status == 0, "\(result.lines)")
                return result.lines.joined(separator: "\n")
            }
            #expect(try await asOf(positions[0] - 1).contains("/crm/hooks") == false)
            #expect(try await asOf(positions[0]).contains(#""/crm/hooks""#))
            let after = try await asOf(positions[1])
            #expect(after.contains(#""change":"deleted""#) && !after.contains(#""table":"paths""#), "\(after)")
        }
    }
}
