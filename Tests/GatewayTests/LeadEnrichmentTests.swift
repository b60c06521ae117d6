import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Projections
import Testing
import TestSupport

/// Contact2Sale lead enrichment end to end, against fake providers and a fake Contact2Sale on loopback.
@Suite("Lead enrichment")
struct LeadEnrichmentTests {
    static let reader = ("Authorization", "Bearer test-api-key")

    func lead(_ gateway: TestGateway, _ id: String, until status: String) async throws -> [String: Any]? {
        var lead: [String: Any]?
        let awaited1 = await waitUntil(timeout: .seconds(20)) {
            lead = try? await gateway.get("/api/leads/\(id)", headers: [Self.reader]).json
            return lead?["status"] as? String == status
        }
        #expect(awaited1, "waited until lead?[\"status\"] as? String == status")
        return lead
    }

    func deliver(_ gateway: TestGateway, _ json: String) async throws -> UInt64 {
        try #require(
            try await gateway.post(
                "/webhooks/c2s", body: Array(json.utf8),
                headers: [("Content-Type", "application/json"), ("X-Webhook-Token", Secrets.c2s)]
            )
            .position)
    }

    static func delivery(_ action: String, phone: String, email: String, updated: String) -> String {
        #"{"id":"lead-42","hook_action":"\#(action)","attributes":{"updated_at":"\#(updated)","customer":{"name":"Ana Souza","email":"\#(email)","phone":"\#(phone)"}}}"#
    }

    @Test(
        "a new lead is looked up, fetched and messaged back; an update re-enriches only a changed contact; a close notifies the manager"
    )
    func enrichment() async throws {
        try await FakeTarget.run { fake in
            fake.route { request in
                switch request.path {
                case "/lookup": (200, [:], #"{"by_phone":"12345678900","by_email":"12345678900"}"#)
                case "/people/12345678900":
                    (200, [:], #"{"name":"Ana Paula Souza","cpf":"123.456.789-00","birth_date":"1990-04-01"}"#)
                default: (200, [:], #"{"ok":true}"#)
                }
            }
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.enrichmentLookupURL = fake.url + "/lookup"
                $0.actions.enrichmentFetchURL = fake.url + "/people/{id}"
                $0.actions.enrichmentToken = "enrichment-token"
                $0.actions.c2sBaseURL = fake.url + "/c2s"
                $0.actions.c2sToken = "c2s-api-token"
                $0.actions.larkBots = [.init(name: "managers", url: fake.url + "/lark")]
                $0.actions.leadClosedChannel = "lark"
                $0.actions.leadClosedTarget = "managers"
            }) { gateway in
                let awaited2 = await waitUntil {
                    ((try? gateway.log.checkpoint(named: "reactor:lead-enrichment")) ?? nil) != nil
                }
                #expect(awaited2, "waited for reactor:lead-enrichment started")
                _ = try await deliver(
                    gateway,
                    Self.delivery(
                        "on_create_lead", phone: "(11) 98765-4321", email: "Ana@Example.com.br", updated: "t1"))
                let enriched = try #require(try await lead(gateway, "lead-42", until: "enriched"))
                #expect(enriched["person_id"] as? String == "12345678900")
                #expect(enriched["same_person"] as? Bool == true)
                #expect((enriched["enrichment"] as? [String: String])?["cpf"] == "123.456.789-00")

                let lookup = try #require(fake.requests.first { $0.path == "/lookup" })
                #expect(lookup.json as? [String: String] == ["phone": "+5511987654321", "email": "ana@example.com.br"])
                #expect(lookup.headers["authorization"] == "Bearer enrichment-token")
                #expect(await waitUntil { fake.requests.contains { $0.path == "/c2s/leads/lead-42/messages" } })
                let message = try #require(fake.requests.first { $0.path == "/c2s/leads/lead-42/messages" })
                #expect(message.headers["authorization"] == "Bearer c2s-api-token")
                let text = try #require(message.json?["message"] as? String)
                #expect(text.contains("Ana Paula Souza"))
                #expect(text.contains("mesma pessoa"))

                // An update that keeps the contact calls nothing; one that changes the phone looks up again.
                let unchanged = try await deliver(
                    gateway,
                    Self.delivery("on_update_lead", phone: "11987654321", email: "ana@example.com.br", updated: "t2"))
                let changed = try await deliver(
                    gateway,
                    Self.delivery("on_update_lead", phone: "11912345678", email: "ana@example.com.br", updated: "t3"))
                #expect(await waitUntil { fake.requests.filter { $0.path == "/lookup" }.count == 2 })
                let second = fake.requests.filter { $0.path == "/lookup" }[1]
                #expect((second.json as? [String: String])?["phone"] == "+5511912345678")
                let requested = try gateway.log.events(from: 1, limit: 500).filter {
                    $0.type == ActionEvent.requested && $0.metadata["action-kind"] == "enrichment.lookup"
                }
                #expect(
                    !requested.contains {
                        (try? ActionCoding.decode(ActionRequest.self, from: $0))?.causedBy == unchanged
                    })
                #expect(
                    requested.contains { (try? ActionCoding.decode(ActionRequest.self, from: $0))?.causedBy == changed }
                )

                _ = try await deliver(
                    gateway,
                    Self.delivery("on_close_lead", phone: "11912345678", email: "ana@example.com.br", updated: "t4"))
                #expect(await waitUntil { fake.requests.contains { $0.path == "/lark" } })
                #expect(
                    String(decoding: fake.requests.first { $0.path == "/lark" }!.body, as: UTF8.self).contains(
                        "Lead closed"))
                _ = try #require(try await lead(gateway, "lead-42", until: "closed"))

                // No secret of a connector is in the log.
                let log = try gateway.log.events(from: 1, limit: 500).map {
                    String(decoding: $0.payload, as: UTF8.self)
                }.joined()
                #expect(!log.contains("enrichment-token") && !log.contains("c2s-api-token"))
            }
        }
    }

    @Test(
        "a lead without a usable contact is invalid_contact and nothing is called; a look-up that finds nobody fails the enrichment"
    )
    func invalidAndNotFound() async throws {
        try await FakeTarget.run { fake in
            fake.route { _ in (200, [:], #"{"by_phone":null,"by_email":null}"#) }
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.enrichmentLookupURL = fake.url + "/lookup"
                $0.actions.enrichmentFetchURL = fake.url + "/people/{id}"
            }) { gateway in
                let awaited3 = await waitUntil {
                    ((try? gateway.log.checkpoint(named: "reactor:lead-enrichment")) ?? nil) != nil
                }
                #expect(awaited3, "waited for reactor:lead-enrichment started")
                _ = try await deliver(
                    gateway,
                    #"{"id":"lead-fake","hook_action":"on_create_lead","attributes":{"updated_at":"t1","customer":{"name":"X","email":"nope","phone":"(11) 99999-9999"}}}"#
                )
                _ = try await deliver(
                    gateway,
                    Self.delivery("on_create_lead", phone: "11987654321", email: "b@example.com", updated: "t1")
                        .replacingOccurrences(
                            of: "lead-42", with: "lead-7"))
                let failed = try #require(try await lead(gateway, "lead-7", until: "enrichment_failed"))
                #expect((failed["last_error"] as? String)?.contains("no person") == true)
                let invalid = try #require(try await lead(gateway, "lead-fake", until: "invalid_contact"))
                #expect(invalid["status"] as? String == "invalid_contact")
                #expect(fake.requests.count == 1, "only lead-7 was looked up")
            }
        }
    }
}

/// The enrichment reactor never waits on the leads projection without a deadline.
@Suite("Lead enrichment without the leads projection")
struct LeadEnrichmentWaitTests {
    @Test(
        "with the leads projection stopped, an update waits at most its deadline, shows waiting in /health, and later leads are still enriched"
    )
    func stoppedProjection() async throws {
        try await FakeTarget.run { fake in
            fake.route { request in
                request.path == "/lookup" ? (200, [:], #"{}"#) : (200, [:], #"{"ok":true}"#)
            }
            // No leads projection runs: its checkpoint never moves, as when it has stopped.
            try await TestGateway.run(
                configure: {
                    $0.actions.mode = .live
                    $0.actions.enrichmentLookupURL = fake.url + "/lookup"
                    $0.actions.enrichmentFetchURL = fake.url + "/people/{id}"
                    $0.actions.enrichmentToken = "enrichment-token"
                }, projections: BuiltInProjections.all.filter { $0.name != "leads" }
            ) { gateway in
                let awaited4 = await waitUntil {
                    ((try? gateway.log.checkpoint(named: "reactor:lead-enrichment")) ?? nil) != nil
                }
                #expect(awaited4, "waited for reactor:lead-enrichment started")
                let tests = LeadEnrichmentTests()
                _ = try await tests.deliver(
                    gateway,
                    LeadEnrichmentTests.delivery(
                        "on_update_lead", phone: "(11) 98765-4321", email: "a@example.com.br", updated: "u1"))
                let waiting = await waitUntil(timeout: .seconds(20)) {
                    let components = try? await gateway.get("/health").json?["components"] as? [String: [String: Any]]
                    return components?["reactor:lead-enrichment"]?["state"] as? String == "waiting"
                }
                #expect(waiting, "the reactor shows waiting in /health")
                let health = try await gateway.get("/health").json
                let reason =
                    ((health?["components"] as? [String: [String: Any]])?["reactor:lead-enrichment"]?["reason"]
                        as? String) ?? ""
                #expect(reason.contains("leads projection"), "\(reason)")
                #expect(health?["status"] as? String == "degraded")
                // The update was enriched anyway, and a new lead after it too.
                let json =
                    #"{"id":"lead-43","hook_action":"on_create_lead","attributes":{"updated_at":"c1","customer":{"name":"Bia","phone":"(21) 99876-5432"}}}"#
                _ = try await tests.deliver(gateway, json)
                let lookedUp = await waitUntil(timeout: .seconds(20)) {
                    fake.requests.filter { $0.path == "/lookup" }.count >= 2
                }
                #expect(lookedUp, "both leads were looked up: \(fake.requests.map(\.path))")
            }
        }
    }
}
