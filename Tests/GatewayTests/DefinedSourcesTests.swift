import Crypto
import EventLog
import Foundation
@testable import GatewayApp
import Testing
import TestSupport
import WebhookAuth

/// Sources users define: their own paths and aliases, the built-in kinds with their own secrets, and senders that
/// sign their own way (`hmac`), tried with GitHub's, Shopify's and Slack's documented schemes.
@Suite("Sources users define")
struct DefinedSourcesTests {
    static let github = SourceDefinition(
        name: "github", kind: .hmac, paths: ["/webhooks/github"], secrets: ["github-webhook-secret-1"],
        hmac: HMACScheme(header: "X-Hub-Signature-256", prefix: "sha256="),
        idempotencyKey: .init(header: "X-GitHub-Delivery"))
    static let shopify = SourceDefinition(
        name: "shopify", kind: .hmac, paths: ["/webhooks/shopify/orders"], secrets: ["shpss_client_secret_1"],
        hmac: HMACScheme(header: "X-Shopify-Hmac-Sha256", encoding: .base64),
        idempotencyKey: .init(header: "X-Shopify-Webhook-Id"))
    static let slack = SourceDefinition(
        name: "slack", kind: .hmac, paths: ["/slack/events"], secrets: ["8f742231b10e8888abcd99yyyzzz85a5"],
        hmac: HMACScheme(
            header: "X-Slack-Signature", prefix: "v0=", signed: "v0:{timestamp}:{body}",
            timestampHeader: "X-Slack-Request-Timestamp"),
        idempotencyKey: .init(field: "event_id"))
    /// The seeds' paths: the Intercom monitor's, the CRM's and one voice agent's (`X-Signature: sha256=<hex>`).
    static let seeds = [
        SourceDefinition(
            name: "intercom-monitor", kind: .intercom, paths: ["/webhook/intercom"], secrets: [Secrets.intercom]),
        SourceDefinition(name: "c2s-crm", kind: .c2s, paths: ["/api/v1/webhooks/c2s"], secrets: [Secrets.c2s]),
        SourceDefinition(
            name: "agent-acme", kind: .hmac, paths: ["/webhooks/agent/agent_3f2a9c1e4b7d"],
            secrets: ["voice-agent-secret"],
            hmac: HMACScheme(header: "X-Signature", prefix: "sha256=")),
    ]

    static func hmacHex<H: HashFunction>(_: H.Type, _ secret: String, _ data: [UInt8]) -> String {
        Sign.hex(HMAC<H>.authenticationCode(for: data, using: SymmetricKey(data: Array(secret.utf8))))
    }

    @Test("the verifier takes GitHub's and Slack's published examples, byte for byte")
    func publishedExamples() throws {
        // GitHub's "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
        let github = HMACSignature(
            scheme: HMACScheme(header: "X-Hub-Signature-256", prefix: "sha256="),
            secrets: ["It's a Secret to Everybody"])
        try Array("Hello, World!".utf8).withUnsafeBytes { body in
            try github.verify(
                signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", timestamp: nil,
                body: body,
                now: 0)
        }
        // Slack's "Verifying requests from Slack": its signing secret, timestamp and slash-command body.
        let slack = HMACSignature(scheme: Self.slack.hmac!, secrets: Self.slack.secrets)
        let body =
            "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
        let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        try Array(body.utf8).withUnsafeBytes { bytes in
            try slack.verify(signature: signature, timestamp: "1531420618", body: bytes, now: 1_531_420_618)
            #expect(
                throws: VerificationFailure(
                    .staleTimestamp, "X-Slack-Request-Timestamp is more than 300 s from this gateway's clock")
            ) {
                try slack.verify(signature: signature, timestamp: "1531420618", body: bytes, now: 1_531_420_618 + 301)
            }
            #expect(throws: VerificationFailure.self) {
                try slack.verify(signature: signature, timestamp: "1531420619", body: bytes, now: 1_531_420_618)
            }
        }
    }

    @Test(
        "GitHub, Shopify and Slack deliveries on their own paths: accepted, repeats are duplicates, bad signatures refused"
    )
    func ownSchemes() async throws {
        try await TestGateway.run(configure: { $0.secrets.sources = [Self.github, Self.shopify, Self.slack] }) {
            gateway in
            let json = ("Content-Type", "application/json")
            // GitHub: X-Hub-Signature-256 over the body; X-GitHub-Delivery keys it.
            let ping = try fixture("github/ping.json")
            let githubHeaders = [
                json, ("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
                ("X-Hub-Signature-256", "sha256=" + Self.hmacHex(SHA256.self, "github-webhook-secret-1", ping)),
            ]
            let accepted = try await gateway.post("/webhooks/github", body: ping, headers: githubHeaders)
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(accepted.json?["status"] as? String == "accepted")
            #expect(
                try await gateway.post("/webhooks/github", body: ping, headers: githubHeaders).json?["status"]
                    as? String == "duplicate")
            var forged = githubHeaders
            forged[3] = ("X-Hub-Signature-256", "sha256=" + Self.hmacHex(SHA256.self, "a guess", ping))
            #expect(
                try await gateway.post("/webhooks/github", body: ping, headers: forged).errorCode == "invalid_signature"
            )
            #expect(
                try await gateway.post("/webhooks/github", body: ping, headers: Array(githubHeaders.prefix(3))).status
                    == 401)

            // Shopify: base64 of HMAC-SHA256 over the body; X-Shopify-Webhook-Id keys it.
            let order = try fixture("shopify/orders-create.json")
            let mac = HMAC<SHA256>.authenticationCode(
                for: order, using: SymmetricKey(data: Array("shpss_client_secret_1".utf8)))
            let shopify = try await gateway.post(
                "/webhooks/shopify/orders", body: order,
                headers: [
                    json, ("X-Shopify-Topic", "orders/create"),
                    ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
                    ("X-Shopify-Hmac-Sha256", Data(mac).base64EncodedString()),
                ])
            #expect(shopify.status == 200, "\(shopify.text)")

            // Slack: v0:{timestamp}:{body}; the body's event_id keys it; a stale timestamp is refused.
            let event = try fixture("slack/event_callback.json")
            func slack(at time: Int) -> [(String, String)] {
                let signed = Array("v0:\(time):".utf8) + event
                return [
                    json, ("X-Slack-Request-Timestamp", "\(time)"),
                    (
                        "X-Slack-Signature",
                        "v0=" + Self.hmacHex(SHA256.self, "8f742231b10e8888abcd99yyyzzz85a5", signed)
                    ),
                ]
            }
            #expect(try await gateway.post("/slack/events", body: event, headers: slack(at: Sign.now)).status == 200)
            #expect(
                try await gateway.post("/slack/events", body: event, headers: slack(at: Sign.now - 600)).errorCode
                    == "stale_timestamp")

            let events = try gateway.log.events(from: 1, limit: 100).filter { $0.type == "webhook.received" }
            #expect(events.map(\.source) == ["in:github", "in:shopify", "in:slack"])
            #expect(
                events.map(\.idempotencyKey) == [
                    "in:github:72d3162e-cc78-11e3-81ab-4c9367dc0958", "in:shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                    "in:slack:Ev0LAN670R",
                ])
            #expect(events[0].metadata["x-hub-signature-256"] != nil, "the signature is kept for auditors")
        }
    }

    @Test(
        "the seeds' paths are served as aliases, signed as their senders sign, and never let an unsigned request through"
    )
    func seedPaths() async throws {
        try await TestGateway.run(configure: { $0.secrets.sources = Self.seeds }) { gateway in
            let json = ("Content-Type", "application/json")
            let closed = try fixture("intercom/conversation.admin.closed.json")
            let viaAlias = try await gateway.post(
                "/webhook/intercom", body: closed, headers: [json, ("X-Hub-Signature", Sign.intercom(closed))])
            #expect(viaAlias.json?["status"] as? String == "accepted", "\(viaAlias.text)")
            // The same notification on the built-in path is the same event.
            let viaBuiltIn = try await gateway.post(
                "/webhooks/intercom", body: closed, headers: [json, ("X-Hub-Signature", Sign.intercom(closed))])
            #expect(viaBuiltIn.json?["status"] as? String == "duplicate")
            let lead = try fixture("c2s/on_create_lead.json")
            #expect(
                try await gateway.post(
                    "/api/v1/webhooks/c2s", body: lead, headers: [json, ("X-Webhook-Token", Secrets.c2s)]
                ).status == 200)
            let call = Array(
                #"{"agent_id":"agent_3f2a9c1e4b7d","call_id":"call_981","status":"completed","duration_seconds":182}"#
                    .utf8)
            let signed = [json, ("X-Signature", "sha256=" + Self.hmacHex(SHA256.self, "voice-agent-secret", call))]
            #expect(
                try await gateway.post("/webhooks/agent/agent_3f2a9c1e4b7d", body: call, headers: signed).status == 200)
            // Unsigned, or signed with another source's secret: refused on every seed path.
            for (path, body) in [
                ("/webhook/intercom", closed), ("/api/v1/webhooks/c2s", lead),
                ("/webhooks/agent/agent_3f2a9c1e4b7d", call),
            ] {
                #expect(try await gateway.post(path, body: body, headers: [json]).status == 401, "\(path) unsigned")
            }
            let wrong = [json, ("X-Signature", "sha256=" + Self.hmacHex(SHA256.self, Secrets.intercom, call))]
            #expect(
                try await gateway.post("/webhooks/agent/agent_3f2a9c1e4b7d", body: call, headers: wrong).status == 401)
            #expect(try await gateway.post("/webhooks/agent/agent_unknown", body: call, headers: signed).status == 404)
        }
    }

    @Test(
        "a source that cannot work is refused at start-up, naming the field",
        arguments: [
            (#"[{"name":"x","kind":"carrier-pigeon","paths":["/a"],"secrets":["s"]}]"#, "sources[0].kind"),
            (
                #"[{"name":"a","kind":"c2s","paths":["/same"],"secrets":["s"]},{"name":"b","kind":"c2s","paths":["/same"],"secrets":["t"]}]"#,
                "sources[1].paths[0]"
            ),
            (#"[{"name":"x","kind":"c2s","paths":["/webhooks/stripe"],"secrets":["s"]}]"#, "sources[0].paths[0]"),
            (#"[{"name":"x","kind":"c2s","paths":["no-slash"],"secrets":["s"]}]"#, "sources[0].paths[0]"),
            (
                #"[{"name":"x","kind":"hmac","paths":["/a"],"secrets":["s"],"hmac":{"header":"X-Sig","signed":"{body}:{timestamp}"}}]"#,
                "sources[0].hmac.signed"
            ),
            (
                #"[{"name":"x","kind":"hmac","paths":["/a"],"secrets":["s"],"hmac":{"header":"X-Sig","algorithm":"md5"}}]"#,
                "sources[0].hmac.algorithm"
            ),
            (
                #"[{"name":"x","kind":"stripe","paths":["/a"],"secrets":["sk_live_not_a_webhook_secret"]}]"#,
                "sources[0].secrets"
            ),
            (#"[{"name":"x","kind":"hmac","paths":["/a"],"secrets":["s"]}]"#, "sources[0].hmac"),
            (#"[{"name":"x","kind":"c2s","secrets":["s"]}]"#, "sources[0].paths"),
        ])
    func refusedAtStart(sources: String, setting: String) async throws {
        try await withTemporaryDirectory("sources-config") { directory in
            let path = directory + "/config.json"
            try Data(#"{"sources":\#(sources)}"#.utf8).write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try GatewayConfiguration.load(
                    file: path, environment: [:], host: nil, port: nil, dataDirectory: directory)
            } throws: { error in
                "\(error)".contains(setting)
            }
        }
    }
}
