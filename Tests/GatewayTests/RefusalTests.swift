import EventLog
import Foundation
@testable import GatewayApp
import Projections
import Testing
import TestSupport
@testable import Outbound

/// Services that answer 2xx and refuse in the body: the refusal is a failed attempt, retried or dead by its code.
@Suite("Refusals in a 2xx answer")
struct RefusalTests {
    static let json = ("Content-Type", "application/json")

    @Test("Lark's codes: 0 is a success (either shape), a bad signature is permanent, a rate limit is retried")
    func larkCodes() {
        let lark = LarkConnector(ActionsConfiguration())
        #expect(lark.refusal(in: Array(#"{"code":0,"data":{},"msg":"success"}"#.utf8)) == nil)
        #expect(lark.refusal(in: Array(#"{"StatusCode":0,"StatusMessage":"success","code":0}"#.utf8)) == nil)
        let signature = lark.refusal(
            in: Array(
                #"{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}"#
                    .utf8))
        #expect(signature?.retryable == false)
        #expect(signature?.message.contains("19021") == true)
        #expect(signature?.message.contains("sign match fail") == true)
        #expect(
            lark.refusal(in: Array(#"{"code":19024,"data":{},"msg":"Key Words Not Found"}"#.utf8))?.retryable == false)
        #expect(
            lark.refusal(
                in: Array(
                    #"{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}"#
                        .utf8))?.retryable == true)
        #expect(lark.refusal(in: Array("<html>bad gateway</html>".utf8))?.retryable == true)
    }

    @Test("Teams' 200 with a failure text: the inner status decides")
    func teamsText() {
        let teams = TeamsConnector(url: nil)
        #expect(teams.refusal(in: Array("1".utf8)) == nil)
        #expect(teams.refusal(in: []) == nil, "Power Automate workflows answer 202 with no body")
        let throttled = teams.refusal(
            in: Array(
                "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi,cv=x.0.."
                    .utf8
            ))
        #expect(throttled?.retryable == true)
        let tooLarge = teams.refusal(
            in: Array(
                "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId tcid=1.."
                    .utf8))
        #expect(tooLarge?.retryable == false)
    }

    /// Runs a live gateway whose Lark bot is `lark`, sends it an assigned Intercom conversation (a card), and gives
    /// `body` the gateway and the card's action id.
    func sendCard(
        to lark: FakeTarget, schedule: [Int], secret: String? = nil, _ body: (TestGateway, String) async throws -> Void
    ) async throws {
        try await TestGateway.run(configure: {
            $0.actions.mode = .live
            $0.actions.intercomTeamId = "5372074"
            $0.actions.retrySchedule = schedule
            $0.actions.larkBots = [.init(name: "support", url: lark.url + "/open-apis/bot/v2/hook/abc", secret: secret)]
        }) { gateway in
            try await ActionsTests().reactorsStarted(gateway, ["intercom-lark"])
            let card = try fixture("intercom/conversation.admin.assigned.json")
            let position = try #require(
                try await gateway.post(
                    "/webhooks/intercom", body: card, headers: [Self.json, ("X-Hub-Signature", Sign.intercom(card))]
                ).position)
            try await body(gateway, "intercom-lark-\(position)-0")
        }
    }

    @Test("a Lark card refused for its signature is dead after one attempt, with the code in the attempt and the error")
    func larkBadSignatureIsDead() async throws {
        try await FakeTarget.run { lark in
            lark.respond { _ in
                (
                    200, [:],
                    #"{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}"#
                )
            }
            try await sendCard(to: lark, schedule: [0, 0, 0], secret: "a-secret-lark-does-not-know") { gateway, id in
                let dead = try #require(try await ActionsTests().notification(gateway, id, status: "dead"))
                #expect(dead["attempts"] as? Int == 1)
                #expect((dead["last_error"] as? String)?.contains("code 19021") == true, "\(dead)")
                #expect(lark.requests.count == 1)
                let attempted = try gateway.log.events(from: 1, limit: 100).first { $0.type == ActionEvent.attempted }
                let attempt = try #require(attempted.map { try ActionCoding.decode(ActionAttempt.self, from: $0) })
                #expect(attempt.statusCode == 200)
                #expect(attempt.response?.contains("19021") == true)
                #expect(!(try gateway.log.events(from: 1, limit: 100).contains { $0.type == ActionEvent.succeeded }))
            }
        }
    }

    @Test("a Lark card refused by its rate limit is retried and delivered once the bot takes it")
    func larkRateLimitIsRetried() async throws {
        try await FakeTarget.run { lark in
            lark.respond { n in
                n <= 2
                    ? (200, [:], #"{"code":11232,"data":{},"msg":"frequency limited"}"#)
                    : (200, [:], #"{"code":0,"data":{},"msg":"success"}"#)
            }
            try await sendCard(to: lark, schedule: [0, 0, 0, 0]) { gateway, id in
                let delivered = try #require(try await ActionsTests().notification(gateway, id, status: "delivered"))
                #expect(delivered["attempts"] as? Int == 3)
                #expect(lark.requests.count == 3)
            }
        }
    }
}
