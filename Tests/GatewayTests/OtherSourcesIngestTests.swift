import EventLog
import Foundation
import Testing
import TestSupport
@testable import GatewayApp
@testable import Outbound

@Suite("Intercom, Contact2Sale and Standard Webhooks ingest")
struct OtherSourcesIngestTests {
    static let json = ("Content-Type", "application/json")

    @Test("Intercom notifications are verified with HMAC-SHA1 and keyed by notification id")
    func intercom() async throws {
        try await TestGateway.run { gateway in
            for (n, topic) in ["admin.assigned", "admin.noted", "admin.closed"].enumerated() {
                let body = try fixture("intercom/conversation.\(topic).json")
                let signature = Sign.intercom(body)
                let response = try await gateway.post(
                    "/webhooks/intercom", body: body, headers: [Self.json, ("X-Hub-Signature", signature)])
                #expect(response.status == 200, "\(response.text)")
                #expect(response.position == UInt64(n + 1))
                let event = try #require(try gateway.log.event(at: UInt64(n + 1)))
                #expect(event.source == "intercom")
                #expect(event.payload == body)
                #expect(event.metadata["x-hub-signature"] == signature)
                #expect(event.metadata["event-type"] == "conversation.\(topic)")
                #expect(event.idempotencyKey?.hasPrefix("intercom:notif_") == true)
            }
            let body = try fixture("intercom/conversation.admin.noted.json")
            let duplicate = try await gateway.post(
                "/webhooks/intercom", body: body, headers: [Self.json, ("X-Hub-Signature", Sign.intercom(body))])
            #expect(duplicate.json?["status"] as? String == "duplicate")
            #expect(duplicate.position == 2)
            let forged = try await gateway.post(
                "/webhooks/intercom", body: body,
                headers: [Self.json, ("X-Hub-Signature", Sign.intercom(body, secret: "nope"))])
            #expect(forged.status == 401)
            #expect(forged.errorCode == "invalid_signature")
            let malformed = try await gateway.post(
                "/webhooks/intercom", body: body, headers: [Self.json, ("X-Hub-Signature", "md5=abc")])
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "malformed_signature_header")
        }
    }

    @Test("Contact2Sale leads: token checked, key is lead id + hook action + updated_at, the token is never stored")
    func c2s() async throws {
        try await TestGateway.run { gateway in
            let token = ("X-Webhook-Token", Secrets.c2s)
            for (n, action) in ["on_create_lead", "on_update_lead", "on_close_lead"].enumerated() {
                let body = try fixture("c2s/\(action).json")
                let response = try await gateway.post(
                    "/webhooks/c2s", body: body,
                    headers: [Self.json, token, ("Authorization", "Bearer should-not-be-kept")])
                #expect(response.status == 200, "\(response.text)")
                #expect(response.position == UInt64(n + 1))
                let event = try #require(try gateway.log.event(at: UInt64(n + 1)))
                #expect(
                    event.idempotencyKey?.hasPrefix("c2s:9f3c2a71-5b8e-4d0f-a6c4-1e2d7b9a8c05:\(action):2026-11-2")
                        == true)
                #expect(event.metadata["hook-action"] == action)
            }
            let repeatBody = try fixture("c2s/on_update_lead.json")
            let repeated = try await gateway.post("/webhooks/c2s", body: repeatBody, headers: [Self.json, token])
            #expect(repeated.json?["status"] as? String == "duplicate")
            #expect(repeated.position == 2)
            // A real update of the same lead (new updated_at) is a new event.
            let updated = Array(
                String(decoding: repeatBody, as: UTF8.self).replacingOccurrences(of: "15:30:45", with: "16:00:00").utf8)
            #expect(try await gateway.post("/webhooks/c2s", body: updated, headers: [Self.json, token]).position == 4)
            // The flat and the `data`-wrapped shapes both work.
            let wrapped = Array(
                #"{"data":{"id":"L-77","type":"lead","hook_action":"on_create_lead","attributes":{"updated_at":"2026-11-23T10:00:00Z"}}}"#
                    .utf8)
            let wrappedResponse = try await gateway.post("/webhooks/c2s", body: wrapped, headers: [Self.json, token])
            #expect(wrappedResponse.position == 5)
            #expect(try gateway.log.event(at: 5)?.idempotencyKey == "c2s:L-77:on_create_lead:2026-11-23T10:00:00Z")

            let missing = Array(#"{"id":"L-1","hook_action":"on_create_lead"}"#.utf8)
            let incomplete = try await gateway.post("/webhooks/c2s", body: missing, headers: [Self.json, token])
            #expect(incomplete.status == 400)
            #expect(incomplete.errorMessage?.contains("attributes.updated_at") == true)
            let wrongToken = try await gateway.post(
                "/webhooks/c2s", body: repeatBody, headers: [Self.json, ("X-Webhook-Token", "guess")])
            #expect(wrongToken.status == 401)
            #expect(wrongToken.errorCode == "invalid_token")
            let noToken = try await gateway.post("/webhooks/c2s", body: repeatBody, headers: [Self.json])
            #expect(noToken.errorCode == "invalid_token")

            for event in try gateway.log.events(from: 1, limit: 100) {
                let everything =
                    String(decoding: event.payload, as: UTF8.self) + event.metadata.map { $0.key + $0.value }.joined()
                #expect(!everything.contains(Secrets.c2s))
                #expect(!everything.contains("guess"))
                #expect(!everything.contains("should-not-be-kept"))
            }
        }
    }

    @Test("Standard Webhooks endpoints: verified per name, keyed by webhook-id, unknown names are 404")
    func standardWebhooks() async throws {
        try await TestGateway.run { gateway in
            let body = try fixture("standard/order.created.json")
            let headers = Sign.standard(body, id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
            let response = try await gateway.post("/webhooks/in/orders", body: body, headers: headers)
            #expect(response.status == 200, "\(response.text)")
            let event = try #require(try gateway.log.event(at: 1))
            #expect(event.source == "in:orders")
            #expect(event.idempotencyKey == "in:orders:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
            #expect(event.metadata["webhook-signature"] == headers[2].1)
            #expect(event.metadata["event-type"] == "order.created")
            #expect(
                try await gateway.post("/webhooks/in/orders", body: body, headers: headers).json?["status"] as? String
                    == "duplicate")

            let unknown = try await gateway.post("/webhooks/in/billing", body: body, headers: headers)
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "not_found")
            let stale = try await gateway.post(
                "/webhooks/in/orders", body: body, headers: Sign.standard(body, id: "msg_2", timestamp: Sign.now - 600))
            #expect(stale.status == 400)
            #expect(stale.errorCode == "stale_timestamp")
            let forged = try await gateway.post(
                "/webhooks/in/orders", body: body, headers: Sign.standard(body, id: "msg_3", key: Array("other".utf8)))
            #expect(forged.status == 401)
            var missing = Sign.standard(body, id: "msg_4")
            missing.removeFirst()
            #expect(try await gateway.post("/webhooks/in/orders", body: body, headers: missing).status == 401)
        }
    }
}
