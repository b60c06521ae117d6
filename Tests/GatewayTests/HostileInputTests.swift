import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Projections
import Testing
import TestSupport
import NIOHTTP1

/// Validly signed but hostile input: every case gets a documented status with the JSON error body, never a crash,
/// never a `500`, never a `503` for what retrying cannot fix.
@Suite("Hostile input")
struct HostileInputTests {
    static let json = ("Content-Type", "application/json")
    static let admin = ("Authorization", "Bearer test-admin-key")

    static func stripeEvent(_ id: String = "evt_hostile") -> [UInt8] {
        Array(
            #"{"id":"\#(id)","object":"event","type":"charge.succeeded","created":1764590400,"livemode":false,"data":{"object":{"id":"ch_1","object":"charge"}}}"#
                .utf8)
    }

    @Test("a Stripe-Signature t or a webhook-timestamp at the limits of Int64 is a stale timestamp, not a crash")
    func extremeTimestamps() async throws {
        try await TestGateway.run { gateway in
            let body = Self.stripeEvent()
            for t in [Int.min, Int.max, Int.min + 1] {
                let response = try await gateway.post(
                    "/webhooks/stripe", body: body,
                    headers: [Self.json, ("Stripe-Signature", Sign.stripe(body, timestamp: t))])
                #expect(response.status == 400, "t=\(t): \(response.text)")
                #expect(response.errorCode == "stale_timestamp", "t=\(t)")
                let standard = Array(#"{"type":"order.created"}"#.utf8)
                let inbound = try await gateway.post(
                    "/webhooks/in/orders", body: standard,
                    headers: Sign.standard(standard, id: "msg_\(t)", timestamp: t))
                #expect(inbound.status == 400, "webhook-timestamp=\(t): \(inbound.text)")
                #expect(inbound.errorCode == "stale_timestamp", "webhook-timestamp=\(t)")
            }
            #expect(try await gateway.get("/health").status == 200)
        }
    }

    @Test("a header listing more signatures than any rotation needs is malformed")
    func tooManySignatures() async throws {
        try await TestGateway.run { gateway in
            let body = Self.stripeEvent()
            let signed = Sign.stripe(body)
            let header = signed + String(repeating: ",v1=" + String(repeating: "0", count: 64), count: 40)
            let response = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", header)])
            #expect(response.status == 400)
            #expect(response.errorCode == "malformed_signature_header")
        }
    }

    @Test("a chunked body over the limit (no Content-Length) gets 413 with the JSON error, and nothing is stored")
    func chunkedTooLarge() async throws {
        try await TestGateway.run(configure: { $0.maxBodyBytes = 4096 }) { gateway in
            let chunk = String(repeating: "x", count: 2000)
            var request =
                "POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nStripe-Signature: t=1,v1=00\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<4 { request += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
            request += "0\r\n\r\n"
            let connection = try RawHTTPConnection(port: gateway.port)
            try connection.send(Array(request.utf8))
            let response = try #require(connection.readResponse(), "no answer to a chunked body over the limit")
            #expect(response.status == 413, "\(response.body)")
            #expect(response.body.contains(#""code":"payload_too_large""#), "\(response.body)")
            #expect(try gateway.log.events(from: 1, limit: 10).allSatisfy { $0.type == "webhook.rejected" })
        }
    }

    @Test("a header section over the HTTP decoder's limit gets 431 with the JSON error")
    func headerTooLarge() async throws {
        try await TestGateway.run { gateway in
            let request =
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(String(repeating: "a", count: 120_000))\r\n\r\n"
            let connection = try RawHTTPConnection(port: gateway.port)
            try? connection.send(Array(request.utf8))
            let response = try #require(connection.readResponse(), "no answer to an oversized header section")
            #expect(response.status == 431, "\(response.body)")
            #expect(response.body.contains(#""code":"header_too_large""#), "\(response.body)")
            // The gateway goes on serving.
            #expect(try await gateway.get("/health").status == 200)
        }
    }

    @Test("a request the HTTP parser refuses gets 400 invalid_http with the JSON error, not an empty body")
    func unparsableRequest() async throws {
        try await TestGateway.run { gateway in
            let connection = try RawHTTPConnection(port: gateway.port)
            try connection.send(Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\n\r\n".utf8))
            let response = try #require(connection.readResponse(), "no answer to a malformed request")
            #expect(response.status == 400, "\(response.body)")
            #expect(response.body.contains(#""code":"invalid_http""#), "\(response.body)")
        }
    }

    @Test("an id too long for the log's key is a 400 that says so, not a 503 to retry")
    func keyTooLong() async throws {
        try await TestGateway.run { gateway in
            let body = Self.stripeEvent("evt_" + String(repeating: "k", count: 600))
            let response = try await gateway.post(
                "/webhooks/stripe", body: body, headers: [Self.json, ("Stripe-Signature", Sign.stripe(body))])
            #expect(response.status == 400, "\(response.text)")
            #expect(response.errorCode == "key_too_long")
            #expect(response.headers["Retry-After"].isEmpty)
            let standard = Array(#"{"type":"order.created"}"#.utf8)
            let longID = "msg_" + String(repeating: "m", count: 600)
            let inbound = try await gateway.post(
                "/webhooks/in/orders", body: standard, headers: Sign.standard(standard, id: longID))
            #expect(inbound.status == 400, "\(inbound.text)")
            #expect(inbound.errorCode == "key_too_long")
        }
    }

    @Test(
        "the JSON check follows RFC 8259's escapes; fields the projections read must have their types",
        arguments: [
            (#"{"id":"evt_q","type":"x","note":"\q"}"#, "invalid_json"),
            (#"{"id":"evt_u","type":"x","note":"\u12"}"#, "invalid_json"),
            (#"{"id":"evt_u2","type":"x","note":"\u12G4"}"#, "invalid_json"),
            (#"{"id":"evt_s","type":"x","note":"\ud800"}"#, "invalid_json"),
            (#"{"id":"evt_s2","type":"x","note":"\udc00\ud800"}"#, "invalid_json"),
            (#"{"id":12345,"type":"charge.succeeded"}"#, "invalid_field"),
            (#"{"id":"evt_notype","object":"event"}"#, "invalid_field"),
            (#"{"id":"evt_typenum","type":7}"#, "invalid_field"),
            (#"{"id":"evt_created","type":"x","created":"yesterday"}"#, "invalid_field"),
            (#"{"id":"evt_created2","type":"x","created":1.5}"#, "invalid_field"),
            (#"{"id":"evt_created3","type":"x","created":1e30}"#, "invalid_field"),
            (#"{"id":"evt_live","type":"x","livemode":"yes"}"#, "invalid_field"),
            (#"{"id":"evt_data","type":"x","data":[]}"#, "invalid_field"),
            (#"{"id":"evt_object","type":"x","data":{"object":"ch_1"}}"#, "invalid_field"),
        ])
    func stripeShape(body: String, code: String) async throws {
        try await TestGateway.run { gateway in
            let bytes = Array(body.utf8)
            let response = try await gateway.post(
                "/webhooks/stripe", body: bytes, headers: [Self.json, ("Stripe-Signature", Sign.stripe(bytes))])
            #expect(response.status == 400, "\(body): \(response.text)")
            #expect(response.errorCode == code, "\(body): \(response.text)")
            #expect(try gateway.log.events(from: 1, limit: 10).allSatisfy { $0.type == "webhook.rejected" })
        }
    }

    @Test("valid escapes and a surrogate pair are accepted")
    func validEscapes() async throws {
        try await TestGateway.run { gateway in
            let bytes = Array(#"{"id":"evt_esc","type":"x","note":"\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"}"#.utf8)
            let response = try await gateway.post(
                "/webhooks/stripe", body: bytes, headers: [Self.json, ("Stripe-Signature", Sign.stripe(bytes))])
            #expect(response.status == 200, "\(response.text)")
        }
    }

    @Test("a refund with an empty or over-long payment_id is a 400, not an LMDB error")
    func refundWithBadPaymentID() async throws {
        try await TestGateway.run { gateway in
            for id in ["", String(repeating: "p", count: 600)] {
                let body = Array(#"{"payment_id":"\#(id)"}"#.utf8)
                let response = try await gateway.post(
                    "/api/payments/refund", body: body, headers: [Self.json, Self.admin])
                #expect(response.status == 400, "\(response.text)")
                #expect(response.errorCode == "invalid_payment_id")
            }
        }
    }

    @Test("an unknown Standard Webhooks endpoint is a documented 404")
    func unknownInbound() async throws {
        try await TestGateway.run { gateway in
            let body = Array(#"{"type":"order.created"}"#.utf8)
            let response = try await gateway.post(
                "/webhooks/in/nowhere", body: body, headers: Sign.standard(body, id: "msg_1"))
            #expect(response.status == 404)
            #expect(response.errorCode == "not_found")
            let document = try OpenAPITests.document()
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let responses = (paths["/webhooks/in/{name}"]?["post"] as? [String: Any])?["responses"] as? [String: Any]
            #expect(responses?["404"] != nil, "openapi.json lists the 404 of /webhooks/in/{name}")
        }
    }

    @Test("Intercom's endpoint test (a ping with a null id) is accepted, and a repeat of it is a duplicate")
    func intercomPing() async throws {
        try await TestGateway.run { gateway in
            // The shape Intercom sends when a webhook is saved in the Developer Hub (API 2.x): no id, topic ping.
            let body = Array(
                #"{"type":"notification_event","app_id":"abc123","data":{"type":"notification_event_data","item":{"type":"ping","message":"something something interzen"}},"links":{},"id":null,"topic":"ping","delivery_status":null,"delivery_attempts":1,"delivered_at":0,"first_sent_at":1764590400,"created_at":1764590400,"self":null}"#
                    .utf8)
            let headers = [Self.json, ("X-Hub-Signature", Sign.intercom(body))]
            let first = try await gateway.post("/webhooks/intercom", body: body, headers: headers)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.json?["status"] as? String == "accepted")
            let again = try await gateway.post("/webhooks/intercom", body: body, headers: headers)
            #expect(again.json?["status"] as? String == "duplicate")
            #expect(again.position == first.position)
            let position = try #require(first.position)
            let event = try #require(try gateway.log.event(at: position))
            #expect(event.idempotencyKey?.hasPrefix("intercom:ping:") == true)
            // Another notification without an id is still refused.
            let noID = Array(#"{"type":"notification_event","topic":"conversation.admin.closed","id":null}"#.utf8)
            let refused = try await gateway.post(
                "/webhooks/intercom", body: noID, headers: [Self.json, ("X-Hub-Signature", Sign.intercom(noID))])
            #expect(refused.status == 400)
        }
    }
}
