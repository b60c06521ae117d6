import Crypto
import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Projections
import Testing
import TestSupport

/// Outbound actions end to end: a signed webhook in, the request a fake target received, the history.
@Suite("Outbound actions")
struct ActionsTests {
    static let json = ("Content-Type", "application/json")
    static let admin = ("Authorization", "Bearer test-admin-key")
    static let reader = ("Authorization", "Bearer test-api-key")

    /// Waits until every reactor has its checkpoint: a reactor starts at the head, so a webhook sent before
    /// that would be history to it.
    func reactorsStarted(_ gateway: TestGateway, _ names: [String]) async throws {
        let started = await waitUntil(timeout: .seconds(10)) {
            names.allSatisfy { name in ((try? gateway.log.checkpoint(named: "reactor:\(name)")) ?? nil) != nil }
        }
        #expect(started)
    }

    func notification(_ gateway: TestGateway, _ id: String, status: String) async throws -> [String: Any]? {
        var found: [String: Any]?
        let awaited8 = await waitUntil(timeout: .seconds(20)) {
            let list = try? await gateway.get("/api/notifications?limit=500", headers: [Self.reader])
            found = (list?.json?["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            return found?["status"] as? String == status
        }
        #expect(awaited8, "waited until found?[\"status\"] as? String == status")
        return found
    }

    @Test("Intercom → Lark: a signed interactive card per bot, coloured by topic, delivered once and in the history")
    func intercomToLark() async throws {
        try await FakeTarget.run { lark in
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.intercomTeamId = "5372074"
                $0.actions.larkBots = [
                    .init(name: "support", url: lark.url + "/open-apis/bot/v2/hook/abc", secret: "lark-signing-secret")
                ]
            }) { gateway in
                try await reactorsStarted(gateway, ["intercom-lark"])
                let body = try fixture("intercom/conversation.admin.assigned.json")
                let position = try #require(
                    try await gateway.post(
                        "/webhooks/intercom", body: body,
                        headers: [Self.json, ("X-Hub-Signature", Sign.intercom(body))]
                    ).position)
                #expect(await waitUntil(timeout: .seconds(20)) { lark.requests.count == 1 })
                let card = try #require(lark.requests.first?.json)
                #expect(lark.requests.first?.path == "/open-apis/bot/v2/hook/abc")
                #expect(card["msg_type"] as? String == "interactive")
                let header = (card["card"] as? [String: Any])?["header"] as? [String: Any]
                #expect(header?["template"] as? String == "blue")
                let text = String(decoding: lark.requests[0].body, as: UTF8.self)
                #expect(text.contains("https://app.intercom.com/a/inbox/_/inbox/conversation/215471832004591"))
                // Lark's signature, computed here from its documentation.
                let timestamp = try #require(card["timestamp"] as? String)
                let key = SymmetricKey(data: Array("\(timestamp)\nlark-signing-secret".utf8))
                #expect(
                    card["sign"] as? String
                        == Data(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key)).base64EncodedString())
                #expect(abs((Int(timestamp) ?? 0) - Sign.now) < 60)

                let history = try #require(
                    try await notification(gateway, "intercom-lark-\(position)-0", status: "delivered"))
                #expect(history["channel"] as? String == "lark")
                #expect(history["attempts"] as? Int == 1)
                #expect(history["caused_by"] as? Int == Int(position))
                // The bot's signing secret is nowhere in the log.
                let secretInLog = try gateway.log.events(from: 1, limit: 100).contains { event in
                    String(decoding: event.payload, as: UTF8.self).contains("lark-signing-secret")
                }
                #expect(!secretInLog)
            }
        }
    }

    @Test(
        "Intercom API 1.x: a conversation assigned to the team as {type: team} still makes a card, with the admin's name from 1.x"
    )
    func intercomV1ToLark() async throws {
        try await FakeTarget.run { lark in
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.intercomTeamId = "5372074"
                $0.actions.larkBots = [.init(name: "support", url: lark.url + "/hook")]
            }) { gateway in
                try await reactorsStarted(gateway, ["intercom-lark"])
                for name in ["v1.conversation.admin.assigned.team", "v1.conversation.admin.assigned"] {
                    let body = try fixture("intercom/\(name).json")
                    let response = try await gateway.post(
                        "/webhooks/intercom", body: body,
                        headers: [Self.json, ("X-Hub-Signature", Sign.intercom(body))])
                    #expect(response.status == 200, "\(response.text)")
                }
                // Only the first is the team's: the second names an admin and no team.
                #expect(await waitUntil(timeout: .seconds(20)) { lark.requests.count == 1 })
                let text = String(decoding: try #require(lark.requests.first).body, as: UTF8.self)
                #expect(text.contains("215471832004778"))
            }
        }
    }

    @Test(
        "Stripe → Teams: a target down for a while then back gets the card once, after failures honouring Retry-After")
    func stripeToTeamsWithRetries() async throws {
        try await FakeTarget.run { teams in
            teams.respond { n in n <= 2 ? (503, ["Retry-After": "0"], "busy") : (200, [:], "1") }
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.teamsURL = teams.url + "/webhookb2/xyz"
                $0.actions.retrySchedule = [0, 0, 0, 0]
            }) { gateway in
                try await reactorsStarted(gateway, ["stripe-teams"])
                let body = try fixture("stripe/payment_intent.payment_failed.json")
                let position = try #require(
                    try await gateway.post(
                        "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))]
                    ).position)
                let history = try #require(
                    try await notification(gateway, "stripe-teams-\(position)-0", status: "delivered"))
                #expect(history["attempts"] as? Int == 3)
                #expect(teams.requests.count == 3)
                let envelope = try #require(teams.requests.last?.json)
                #expect(envelope["type"] as? String == "message")
                let attachment = (envelope["attachments"] as? [[String: Any]])?.first
                #expect(attachment?["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
                let card = String(decoding: teams.requests[2].body, as: UTF8.self)
                #expect(card.contains("Payment failed"))
                #expect(card.contains("card_declined"))
                let failures = try gateway.log.events(from: 1, limit: 100).filter { $0.type == ActionEvent.failed }
                #expect(failures.count == 2)
                // Nothing more is sent once delivered.
                try await Task.sleep(for: .milliseconds(300))
                #expect(teams.requests.count == 3)
            }
        }
    }

    @Test("a target that never recovers: the action is dead and listed; retry delivers it once the target is back")
    func deadThenRetried() async throws {
        try await FakeTarget.run { teams in
            teams.respond { _ in (500, [:], "down") }
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.teamsURL = teams.url + "/hook"
                $0.actions.retrySchedule = [0, 0]
            }) { gateway in
                try await reactorsStarted(gateway, ["stripe-teams"])
                let body = try fixture("stripe/payment_intent.payment_failed.json")
                let position = try #require(
                    try await gateway.post(
                        "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))]
                    ).position)
                let id = "stripe-teams-\(position)-0"
                let dead = try #require(try await notification(gateway, id, status: "dead"))
                #expect(dead["attempts"] as? Int == 2)
                #expect((dead["last_error"] as? String)?.contains("HTTP 500") == true)
                let listed = try await gateway.get("/api/actions?status=dead", headers: [Self.admin])
                #expect((listed.json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
                let refused = try await gateway.get("/api/actions", headers: [Self.reader])
                #expect(refused.status == 403, "the read key is not an admin key")
                #expect(refused.errorMessage?.hasPrefix("this key may not") == true, "\(refused.text)")
                #expect(
                    try await gateway.get("/api/events?limit=1", headers: [Self.admin]).status == 200,
                    "an admin key can also read")

                teams.respond { _ in (200, [:], "1") }
                let retried = try await gateway.post("/api/actions/\(id)/retry", body: [], headers: [Self.admin])
                #expect(retried.status == 202, "\(retried.text)")
                _ = try #require(try await notification(gateway, id, status: "delivered"))
                #expect(teams.requests.count == 3)
                #expect(
                    try await gateway.post("/api/actions/nope/retry", body: [], headers: [Self.admin]).status == 404)
            }
        }
    }

    @Test(
        "sandbox mode records the whole flow as delivered without calling out; replay rebuild and verify send nothing")
    func sandboxAndReplay() async throws {
        try await FakeTarget.run { lark in
            try await TestGateway.run(configure: {
                $0.actions.intercomTeamId = "5372074"
                $0.actions.larkBots = [.init(name: "a", url: lark.url + "/a"), .init(name: "b", url: lark.url + "/b")]
                $0.actions.teamsURL = lark.url + "/teams"
            }) { gateway in
                try await reactorsStarted(gateway, ["intercom-lark", "stripe-teams"])
                let body = try fixture("intercom/conversation.admin.closed.json")
                let position = try #require(
                    try await gateway.post(
                        "/webhooks/intercom", body: body,
                        headers: [Self.json, ("X-Hub-Signature", Sign.intercom(body))]
                    ).position)
                for index in 0..<2 {
                    let history = try #require(
                        try await notification(gateway, "intercom-lark-\(position)-\(index)", status: "delivered"))
                    #expect(history["sandbox"] as? Bool == true)
                }
                #expect(lark.requests.isEmpty)

                let head = try gateway.log.head().position
                let rebuilt = try await replay([
                    "rebuild", "--data-dir", gateway.dataDirectory, "--into", gateway.dataDirectory + "/audit",
                ])
                #expect(rebuilt.status == 0)
                #expect(try await replay(["verify", "--data-dir", gateway.dataDirectory]).status == 0)
                #expect(lark.requests.isEmpty)
                #expect(try gateway.log.head().position == head, "a replay appends nothing")
            }
        }
    }

    @Test("a target down for a while, then back: every action delivered once, in request order")
    func downThenBackInOrder() async throws {
        try await FakeTarget.run { teams in
            let down = StopFlag()
            teams.respond { _ in down.isSet ? (200, [:], "1") : (503, [:], "down") }
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.teamsURL = teams.url + "/hook"
                $0.actions.retrySchedule = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
                $0.actions.breakerFailures = 1000
            }) { gateway in
                try await reactorsStarted(gateway, ["stripe-teams"])
                let template = String(decoding: try fixture("stripe/payment_intent.payment_failed.json"), as: UTF8.self)
                let ids = (1...3).map { "evt_order_\($0)" }
                for id in ids {
                    let body = Array(template.replacingOccurrences(of: "evt_3QxZ1m2eZvKYlo2C0qT4rB7n", with: id).utf8)
                    #expect(
                        try await gateway.post(
                            "/webhooks/stripe", body: body,
                            headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))]
                        ).status == 200)
                }
                #expect(
                    await waitUntil(timeout: .seconds(20)) { teams.requests.count >= 3 },
                    "the first action is retried while the target is down")
                // While it is down, only the first action is tried: the others wait their turn.
                let tried = Set(
                    teams.requests.compactMap {
                        String(decoding: $0.body, as: UTF8.self).firstMatch(of: /evt_order_\d/).map {
                            String($0.output)
                        }
                    })
                #expect(tried == ["evt_order_1"])
                down.set()
                var delivered = [String]()
                let awaited9 = await waitUntil(timeout: .seconds(20)) {
                    let list = try? await gateway.get("/api/notifications?status=delivered", headers: [Self.reader])
                    delivered = (list?.json?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                    return delivered.count == 3
                }
                #expect(awaited9, "waited until delivered.count == 3")
                #expect(delivered.count == 3)
                let successes = teams.requests.suffix(3).map {
                    String(decoding: $0.body, as: UTF8.self).firstMatch(of: /evt_order_\d/).map { String($0.output) }
                        ?? ""
                }
                #expect(successes == ids, "delivered once each, in the order requested")
            }
        }
    }

    @Test("Teams gets at most its rate: at 4 a second, five calls to one target take at least a second")
    func teamsRateLimit() async throws {
        try await FakeTarget.run { teams in
            try await TestGateway.run(configure: {
                $0.actions.mode = .live
                $0.actions.teamsURL = teams.url + "/hook"
                $0.actions.teamsPerSecond = 4
            }) { gateway in
                try await reactorsStarted(gateway, ["stripe-teams"])
                let template = String(decoding: try fixture("stripe/payment_intent.payment_failed.json"), as: UTF8.self)
                for n in 1...5 {
                    let body = Array(
                        template.replacingOccurrences(of: "evt_3QxZ1m2eZvKYlo2C0qT4rB7n", with: "evt_rate_\(n)").utf8)
                    #expect(
                        try await gateway.post(
                            "/webhooks/stripe", body: body,
                            headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))]
                        ).status == 200)
                }
                #expect(await waitUntil(timeout: .seconds(20)) { teams.requests.count == 5 })
                // Calls start 250 ms apart; where they arrive, the jitter of a loaded machine (the whole suite runs at
                // once, up to ~200 ms) shows, so each call is checked against the one two before it (500 ms apart at
                // the start). Without the limit they would arrive a few milliseconds apart.
                let times = teams.requests.map(\.at)
                for (earlier, later) in zip(times, times.dropFirst(2)) {
                    #expect(later - earlier >= .milliseconds(300), "calls two apart arrived \(later - earlier) apart")
                }
                #expect(times[4] - times[0] >= .milliseconds(900), "5 calls take about a second at 4 a second")
            }
        }
    }

    @Test(
        "a dead target's circuit opens after its failures in a row: no calls to it while open, and another target is served meanwhile"
    )
    func circuitBreaker() async throws {
        try await FakeTarget.run { teams in
            teams.respond { _ in (500, [:], "down") }
            try await FakeTarget.run { lark in
                try await TestGateway.run(configure: {
                    $0.actions.mode = .live
                    $0.actions.teamsURL = teams.url + "/hook"
                    $0.actions.intercomTeamId = "5372074"
                    $0.actions.larkBots = [.init(name: "support", url: lark.url + "/bot")]
                    $0.actions.retrySchedule = [0, 0, 0, 0, 0, 0]
                    $0.actions.breakerFailures = 2
                    // Open long enough that the Lark card, sent after the circuit opens, goes out while it is open even
                    // when the whole suite loads the machine (a CI run once took 2.2 s from the webhook to the card).
                    $0.actions.breakerSeconds = 4
                }) { gateway in
                    try await reactorsStarted(gateway, ["stripe-teams", "intercom-lark"])
                    let failed = try fixture("stripe/payment_intent.payment_failed.json")
                    #expect(
                        try await gateway.post(
                            "/webhooks/stripe", body: failed,
                            headers: [Self.json, ("Stripe-Signature", Sign.stripe(failed))]
                        ).status == 200)
                    #expect(await waitUntil(timeout: .seconds(20)) { teams.requests.count >= 2 })
                    let assigned = try fixture("intercom/conversation.admin.assigned.json")
                    #expect(
                        try await gateway.post(
                            "/webhooks/intercom", body: assigned,
                            headers: [Self.json, ("X-Hub-Signature", Sign.intercom(assigned))]
                        ).status
                            == 200)
                    #expect(
                        await waitUntil(timeout: .seconds(20)) { lark.requests.count == 1 },
                        "Lark is served while Teams is down")
                    #expect(
                        await waitUntil(timeout: .seconds(20)) { teams.requests.count >= 3 },
                        "Teams is tried again once the circuit closes")
                    let calls = teams.requests.map(\.at)
                    #expect(
                        calls[2] - calls[1] >= .milliseconds(3900),
                        "no call while the circuit is open: \(calls[2] - calls[1])")
                    #expect(lark.requests[0].at < calls[2], "the card went out while Teams' circuit was open")
                }
            }
        }
    }
}
