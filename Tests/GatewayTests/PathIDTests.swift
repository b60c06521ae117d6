import Foundation
@testable import GatewayApp
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

/// Ids in paths are percent-decoded, as the ids they name are stored; every id the console links to opens.
@Suite("Ids in paths")
struct PathIDTests {
    @Test(
        "a lead whose id has a space, a slash and a question mark is found by the API and opened from the console's list"
    )
    func awkwardLeadID() async throws {
        try await TestGateway.inProcess { client, _ in
            // A Contact2Sale delivery (the on_create_lead shape of fixtures/c2s) whose lead id needs escaping in a path.
            let body =
                #"{"id":"a b/c?d","hook_action":"on_create_lead","attributes":{"updated_at":"2026-11-23T10:00:00Z","customer":{"name":"Ana","phone":"11987654321"}}}"#
            try await client.execute(
                uri: "/webhooks/c2s", method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("X-Webhook-Token")!: Secrets.c2s],
                body: ByteBuffer(string: body)
            ) { #expect($0.status == .ok) }
            let reader: HTTPFields = [.authorization: "Bearer test-api-key"]
            try await client.execute(uri: "/api/leads/a%20b%2Fc%3Fd?min_position=1", method: .get, headers: reader) {
                response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains(#""id":"a b/c?d""#))
            }
            try await client.execute(uri: "/api/leads/a%zz", method: .get, headers: reader) { response in
                #expect(response.status == .badRequest)
            }
            let session = try await ConsoleAccessTests.signIn(client, key: "test-api-key")
            let cookie: HTTPFields = [.cookie: "\(ConsoleSessions.cookie)=\(session.cookie)"]
            let link = try await client.execute(uri: "/console/leads", method: .get, headers: cookie) { response in
                let html = String(buffer: response.body)
                return try #require(html.firstMatch(of: /href="(\/console\/leads\/[^"]+)"/).map { String($0.1) })
            }
            #expect(link == "/console/leads/a%20b%2Fc%3Fd")
            try await client.execute(uri: link, method: .get, headers: cookie) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("a b/c?d"))
            }
        }
    }
}
