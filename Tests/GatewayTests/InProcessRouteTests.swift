import EventLog
import Foundation
@testable import GatewayApp
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Projections
import Testing
import TestSupport

/// The gateway's routes in process, through Hummingbird's router test client: no socket, the same application
/// (services included) as `make run` builds. The real-process tests beside them cover the HTTP layer itself.
@Suite("Routes in process")
struct InProcessRouteTests {
    /// Runs `body` against the application built on a fresh data directory.
    func withApplication(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TestGateway.inProcess { client, _ in try await body(client) }
    }

    @Test("a signed Stripe webhook is accepted with its receipt, a repeat is a duplicate, and the read API serves it")
    func ingestAndRead() async throws {
        try await withApplication { client in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            let headers: HTTPFields = [
                .contentType: "application/json", HTTPField.Name("Stripe-Signature")!: Sign.stripe(body),
            ]
            let position = try await client.execute(
                uri: "/webhooks/stripe", method: .post, headers: headers, body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok)
                let answer = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                #expect(answer["status"] as? String == "accepted")
                #expect((answer["hash"] as? String)?.count == 64)
                return try #require((answer["position"] as? NSNumber)?.uint64Value)
            }
            try await client.execute(
                uri: "/webhooks/stripe", method: .post, headers: headers, body: ByteBuffer(bytes: body)
            ) { response in
                let answer =
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(answer?["status"] as? String == "duplicate")
            }
            let auth: HTTPFields = [.authorization: "Bearer test-api-key"]
            try await client.execute(
                uri: "/api/payments/pi_3QxYpL2eZvKYlo2C1gH7kT2m?min_position=\(position)", method: .get, headers: auth
            ) { response in
                #expect(response.status == .ok)
                let payment =
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect((payment?["amount"] as? NSNumber)?.intValue == 129900)
            }
        }
    }

    @Test("errors answer the documented JSON shape: an unknown route, a bad signature, a missing key")
    func errors() async throws {
        try await withApplication { client in
            for (uri, method, headers, status, code) in [
                ("/nowhere", HTTPRequest.Method.get, HTTPFields(), HTTPResponse.Status.notFound, "not_found"),
                (
                    "/webhooks/stripe", .post,
                    [.contentType: "application/json", HTTPField.Name("Stripe-Signature")!: "t=1,v1=00"], .unauthorized,
                    "invalid_signature"
                ),
                ("/api/projections", .get, HTTPFields(), .unauthorized, "unauthorized"),
            ] {
                try await client.execute(
                    uri: uri, method: method, headers: headers, body: ByteBuffer(string: #"{"id":"evt_x","type":"x"}"#)
                ) { response in
                    #expect(response.status == status, "\(uri)")
                    let error =
                        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                        as? [String: Any])?["error"] as? [String: Any]
                    #expect(error?["code"] as? String == code, "\(uri)")
                    #expect((error?["message"] as? String)?.isEmpty == false, "\(uri)")
                }
            }
        }
    }
}
