import EventLog
import Foundation
@testable import GatewayApp
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Projections
import Testing
import TestSupport

/// A refund is requested once, whatever the client repeats: `Idempotency-Key` on the API (kept in the log, so across
/// restarts), the console's one-time confirmation token; and the read API serves what remains refundable.
@Suite("Refunds once")
struct RefundOnceTests {
    static let admin = ("Authorization", "Bearer test-admin-key")
    static let intent = "pi_3QxYpL2eZvKYlo2C1gH7kT2m"

    func receivePayment(_ gateway: TestGateway) async throws {
        let body = try fixture("stripe/payment_intent.succeeded.json")
        let response = try await gateway.post(
            "/webhooks/stripe", body: body,
            headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))])
        #expect(response.status == 200, "\(response.text)")
    }

    func ask(_ gateway: TestGateway, _ json: String, key: String?) async throws -> TestResponse {
        var headers = [("Content-Type", "application/json"), Self.admin]
        if let key { headers.append(("Idempotency-Key", key)) }
        return try await gateway.post("/api/payments/refund", body: Array(json.utf8), headers: headers)
    }

    func refundRequests(_ log: LMDBEventLog) throws -> [Event] {
        try log.events(from: 1, limit: 1000).filter { $0.type == RefundRequest.eventType }
    }

    @Test(
        "the same Idempotency-Key and body answer the first answer again and request nothing, after a restart too; another body is a 422"
    )
    func idempotencyKey() async throws {
        try await withTemporaryDirectory("refund-once") { directory in
            var firstAnswer: [String: Any] = [:]
            try await TestGateway.run(in: directory) { gateway in
                try await receivePayment(gateway)
                let first = try await ask(
                    gateway, #"{"payment_id":"\#(Self.intent)","amount":50000}"#, key: "client-retry-1")
                #expect(first.status == 202, "\(first.text)")
                #expect(first.headers["Idempotent-Replayed"].isEmpty)
                firstAnswer = try #require(first.json)
                // A client that timed out sends the same request again, with its whitespace changed.
                let again = try await ask(
                    gateway, #"{ "amount": 50000, "payment_id": "\#(Self.intent)" }"#, key: "client-retry-1")
                #expect(again.status == 202, "\(again.text)")
                #expect(again.headers["Idempotent-Replayed"] == ["true"])
                #expect(again.json?["action_id"] as? String == firstAnswer["action_id"] as? String)
                #expect((again.json?["position"] as? NSNumber) == (firstAnswer["position"] as? NSNumber))
                let other = try await ask(
                    gateway, #"{"payment_id":"\#(Self.intent)","amount":40000}"#, key: "client-retry-1")
                #expect(other.status == 422)
                #expect(other.errorCode == "idempotency_key_reused", "\(other.text)")
                let tooLong = try await ask(
                    gateway, #"{"payment_id":"\#(Self.intent)","amount":1}"#, key: String(repeating: "k", count: 256))
                #expect(tooLong.errorCode == "invalid_idempotency_key")
                #expect(try refundRequests(gateway.log).count == 1)
            }
            try await TestGateway.run(in: directory) { gateway in
                let again = try await ask(
                    gateway, #"{"payment_id":"\#(Self.intent)","amount":50000}"#, key: "client-retry-1")
                #expect(again.status == 202, "\(again.text)")
                #expect(again.headers["Idempotent-Replayed"] == ["true"])
                #expect(again.json?["action_id"] as? String == firstAnswer["action_id"] as? String)
                // Without a key, each request is a new one.
                #expect(
                    try await ask(gateway, #"{"payment_id":"\#(Self.intent)","amount":100}"#, key: nil).status == 202)
                #expect(
                    try await ask(gateway, #"{"payment_id":"\#(Self.intent)","amount":100}"#, key: nil).status == 202)
                let requests = try refundRequests(gateway.log)
                #expect(requests.count == 3)
                #expect(requests[0].idempotencyKey == RefundRequest.logKey(for: "client-retry-1"))
                // What remains is served with the payment: 129,900 less the three requests.
                let payment = try await gateway.get(
                    "/api/payments/\(Self.intent)", headers: [("Authorization", "Bearer test-api-key")])
                #expect(
                    payment.json?["refundable"] as? Int == 79_700, "129,900 less the three requests: \(payment.text)")
            }
        }
    }

    @Test("the same key sent at once many times requests one refund")
    func concurrentRepeats() async throws {
        try await TestGateway.run { gateway in
            try await receivePayment(gateway)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await ask(gateway, #"{"payment_id":"\#(Self.intent)","amount":700}"#, key: "double-click")
                            .status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 202, count: 8))
            #expect(try refundRequests(gateway.log).count == 1)
        }
    }

    @Test(
        "resubmitting the console's confirmation shows the first refund and requests nothing; the timeline shows when it was asked"
    )
    func consoleResubmit() async throws {
        try await TestGateway.inProcess { client, log in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            try await client.execute(
                uri: "/webhooks/stripe", method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("Stripe-Signature")!: Sign.stripe(body)],
                body: ByteBuffer(bytes: body)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/payments/\(Self.intent)?min_position=1", method: .get,
                headers: [.authorization: "Bearer test-api-key"]
            ) { #expect($0.status == .ok, "the payments projection applied the payment") }
            let admin = try await ConsoleAccessTests.signIn(client, key: "test-admin-key")
            let headers: HTTPFields = [
                .cookie: "\(ConsoleSessions.cookie)=\(admin.cookie)", .contentType: "application/x-www-form-urlencoded",
            ]
            let uri = "/console/payments/\(Self.intent)/refund"
            let token = try await client.execute(
                uri: uri, method: .post, headers: headers,
                body: ConsoleAccessTests.form(["csrf": admin.csrf, "amount": "10.00"])
            ) { response in
                #expect(response.status == .ok)
                return String(
                    try #require(
                        String(buffer: response.body).firstMatch(of: /name="refund_token" value="([0-9a-f-]{36})"/)?.1))
            }
            // A refund above what remains, and one of a payment the gateway never saw: the console's error page, with
            // the message and a way back, never raw JSON.
            for (path, amount, status, says) in [
                (uri, "99999.00", HTTPResponse.Status.badRequest, "at most what remains"),
                ("/console/payments/pi_unknown/refund", "1.00", .notFound, "no payment intent pi_unknown"),
            ] {
                try await client.execute(
                    uri: path, method: .post, headers: headers,
                    body: ConsoleAccessTests.form(["csrf": admin.csrf, "amount": amount])
                ) { response in
                    let html = String(buffer: response.body)
                    #expect(response.status == status)
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    #expect(html.contains(says), "\(html)")
                    #expect(
                        html.contains(#"href="\#(path.replacingOccurrences(of: "/refund", with: ""))">Back</a>"#),
                        "\(html)")
                }
            }
            var locations = [String]()
            for _ in 0..<3 {
                let confirm = ["csrf": admin.csrf, "amount": "10.00", "confirm": "yes", "refund_token": token]
                try await client.execute(
                    uri: uri, method: .post, headers: headers, body: ConsoleAccessTests.form(confirm)
                ) { response in
                    #expect(response.status == .seeOther)
                    locations.append(response.headers[.location] ?? "")
                }
            }
            #expect(Set(locations).count == 1, "\(locations)")
            #expect(locations[0].contains("refunded=stripe-refunds-"))
            #expect(try log.events(from: 1, limit: 100).filter { $0.type == RefundRequest.eventType }.count == 1)
            // A new confirmation page carries a new token, so a second refund is a deliberate one.
            let second = try await client.execute(
                uri: uri, method: .post, headers: headers,
                body: ConsoleAccessTests.form(["csrf": admin.csrf, "amount": "5.00"])
            ) {
                String(buffer: $0.body).firstMatch(of: /name="refund_token" value="([0-9a-f-]{36})"/).map {
                    String($0.1)
                }
            }
            #expect(second != nil && second != token)
            try await client.execute(uri: "/console/payments/\(Self.intent)", method: .get, headers: headers) {
                response in
                let html = String(buffer: response.body)
                #expect(html.contains("refund requested here"))
                #expect(html.firstMatch(of: /refund requested here/) != nil)
                let row = try #require(html.split(separator: "<tr").first { $0.contains("refund requested here") })
                #expect(row.firstMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/) != nil, "the request's time: \(row)")
            }
        }
    }
}
