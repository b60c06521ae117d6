import EventLog
import Foundation
import Testing
import TestSupport
@testable import GatewayApp
@testable import Outbound
import NIOHTTP1

@Suite("Stripe ingest")
struct StripeIngestTests {
    static let json = ("Content-Type", "application/json; charset=utf-8")

    @Test(
        "each Stripe fixture is accepted, stored byte for byte with its signature, and a repeat is a duplicate",
        arguments: [
            "payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded",
            "charge.refunded.2013-08-13", "charge.refunded.2022-11-15",
            "charge.refund.updated.2019-12-03", "refund.created", "refund.updated", "refund.failed",
            "charge.dispute.created", "payment_intent.succeeded.jpy",
        ])
    func acceptsFixture(name: String) async throws {
        try await TestGateway.run { gateway in
            let body = try fixture("stripe/\(name).json")
            let signature = Sign.stripe(body)
            let first = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", signature)])
            #expect(first.status == 200, "\(first.text)")
            #expect(first.json?["status"] as? String == "accepted")
            #expect(first.position == 1)
            #expect(first.headers["X-Content-Type-Options"].first == "nosniff")
            #expect(first.headers["Cache-Control"].first == "no-store")
            #expect(first.headers["X-Request-Id"].first?.isEmpty == false)

            let event = try #require(try gateway.log.event(at: 1))
            #expect(event.type == "webhook.received")
            #expect(event.source == "stripe")
            #expect(event.payload == body)
            let id = try #require(
                (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["id"] as? String)
            #expect(event.idempotencyKey == "stripe:" + id)
            #expect(event.metadata["stripe-signature"] == signature)
            let type = try #require(
                (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["type"] as? String)
            #expect(event.metadata["event-type"] == type)
            #expect(name.hasPrefix(type), "a fixture is named after its event type (then its API version or currency)")
            #expect(event.metadata["content-type"] == "application/json; charset=utf-8")
            #expect(event.metadata["remote-address"] == "127.0.0.1")
            #expect(event.metadata["request-id"] == first.headers["X-Request-Id"].first)

            let again = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
            #expect(again.status == 200)
            #expect(again.json?["status"] as? String == "duplicate")
            #expect(again.position == 1)
            #expect(try gateway.log.head().position == 1)
        }
    }

    @Test("a rotated secret: a signature from either configured secret is accepted")
    func rotatedSecret() async throws {
        try await TestGateway.run(configure: { $0.stripeSecrets = [Secrets.stripe, Secrets.stripeRotated] }) {
            gateway in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            let response = try await gateway.post(
                "/webhooks/stripe", body: body,
                headers: [Self.json, ("Stripe-Signature", Sign.stripe(body, secret: Secrets.stripeRotated))]
            )
            #expect(response.status == 200, "\(response.text)")
            // Stripe sends one v1 per active secret during a roll; one matching is enough.
            let both = Sign.stripe(body, secret: "whsec_unknown") + "," + Sign.stripe(body).split(separator: ",")[1]
            let again = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", both)])
            #expect(again.json?["status"] as? String == "duplicate")
        }
    }

    @Test("bad requests get the right status and error code, and nothing is accepted")
    func rejections() async throws {
        try await TestGateway.run { gateway in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            var tampered = body
            tampered[tampered.count / 2] ^= 0x01
            let notJSON = Array("this is not json".utf8)
            let noID = Array(#"{"object":"event","type":"charge.refunded"}"#.utf8)
            // "café" in Latin-1: JSON must be UTF-8.
            let latin1 =
                Array(#"{"id":"evt_latin1","object":"event","type":"charge.refunded","description":"caf"#.utf8) + [0xE9]
                + Array(#""}"#.utf8)
            let cases: [(String, [UInt8], [(String, String)], Int, String)] = [
                (
                    "bad signature", tampered, [Self.json, ("Stripe-Signature", Sign.stripe(body))], 401,
                    "invalid_signature"
                ),
                (
                    "wrong secret", body, [Self.json, ("Stripe-Signature", Sign.stripe(body, secret: "whsec_wrong"))],
                    401, "invalid_signature"
                ),
                ("no signature", body, [Self.json], 401, "invalid_signature"),
                (
                    "stale timestamp", body,
                    [Self.json, ("Stripe-Signature", Sign.stripe(body, timestamp: Sign.now - 301))], 400,
                    "stale_timestamp"
                ),
                (
                    "future timestamp", body,
                    [Self.json, ("Stripe-Signature", Sign.stripe(body, timestamp: Sign.now + 400))], 400,
                    "stale_timestamp"
                ),
                (
                    "no v1", body, [Self.json, ("Stripe-Signature", "t=\(Sign.now),v0=abcd")], 400,
                    "malformed_signature_header"
                ),
                ("no t", body, [Self.json, ("Stripe-Signature", "v1=abcd")], 400, "malformed_signature_header"),
                ("not JSON", notJSON, [Self.json, ("Stripe-Signature", Sign.stripe(notJSON))], 400, "invalid_json"),
                ("no id", noID, [Self.json, ("Stripe-Signature", Sign.stripe(noID))], 400, "invalid_field"),
                ("not UTF-8", latin1, [Self.json, ("Stripe-Signature", Sign.stripe(latin1))], 400, "invalid_json"),
                ("empty body", [], [Self.json, ("Stripe-Signature", Sign.stripe([]))], 400, "invalid_json"),
                (
                    "wrong content type", body,
                    [("Content-Type", "text/plain"), ("Stripe-Signature", Sign.stripe(body))], 415,
                    "unsupported_media_type"
                ),
            ]
            for (label, payload, headers, status, code) in cases {
                let response = try await gateway.post("/webhooks/stripe", body: payload, headers: headers)
                #expect(response.status == status, "\(label): \(response.text)")
                #expect(response.errorCode == code, "\(label): \(response.text)")
                #expect(response.errorMessage?.isEmpty == false, "\(label)")
                #expect(response.errorMessage?.contains(Secrets.stripe) == false, "\(label) leaks the secret")
                #expect(response.headers["Content-Type"].first == "application/json")
            }
            // The alert on rejections may fire in between (more than 3 in 5 minutes): nothing else may be there.
            let events = try gateway.log.events(from: 1, limit: 100).filter { $0.type != "alert.fired" }
            #expect(
                events.allSatisfy { $0.type == "webhook.rejected" },
                "\(events.map { ($0.type, $0.source, $0.metadata) })")
            #expect(events.map { $0.metadata["reason"] } == cases.map { $0.4 })
            let first = try #require(events.first)
            #expect(first.payload.isEmpty)
            #expect(first.metadata["body-length"] == "\(tampered.count)")
            #expect(first.metadata["body-sha256"]?.count == 64)
        }
    }

    @Test(
        "the content type must name application/json, in any case and with any parameters",
        arguments: [
            ("application/json", true), ("Application/JSON", true), ("application/json; charset=utf-8", true),
            ("  application/json ;charset=UTF-8", true), ("application/json\t", true), ("text/plain", false),
            ("", false),
            ("application/jsonx", false), ("application/json-patch+json", false), ("application\u{0F}json", false),
            ("application/js", false), ("x application/json", false),
        ])
    func mediaType(contentType: String, accepted: Bool) {
        #expect(IngestController<LMDBEventLog>.isJSON(mediaType: contentType) == accepted, "\(contentType)")
    }

    @Test("a body over the limit gets 413 without being stored")
    func tooLarge() async throws {
        try await TestGateway.run(configure: { $0.maxBodyBytes = 4096 }) { gateway in
            let body =
                Array(#"{"id":"evt_big","pad":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 10_000)
                + Array(#""}"#.utf8)
            let response = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
            #expect(try gateway.log.events(from: 1, limit: 10).map(\.type) == ["webhook.rejected"])
        }
    }

    @Test("with no secret configured, every Stripe webhook is refused with a message that says so")
    func failsClosed() async throws {
        try await TestGateway.run(configure: { $0.stripeSecrets = [] }) { gateway in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            let response = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
            #expect(response.status == 401)
            #expect(response.errorMessage?.contains("no Stripe signing secret is configured") == true)
        }
    }
}
