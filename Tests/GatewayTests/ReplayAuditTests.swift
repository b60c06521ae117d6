import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Testing
import TestSupport

/// The auditor's commands: signatures re-verified over the stored bytes, and a log carried through an export.
@Suite("The replay tool for auditors", .serialized)
struct ReplayAuditTests {
    /// Writes a gateway config file holding `stripe` secrets and the test's other secrets; returns its path.
    func secretsFile(_ directory: String, stripe: [String]) throws -> String {
        let path = directory + "-secrets-\(stripe.count).json"
        let object: [String: Any] = [
            "stripe": ["secrets": stripe], "intercom": ["secrets": [Secrets.intercom]],
            "c2s": ["tokens": [Secrets.c2s]],
            "inbound": ["orders": ["secrets": [Secrets.inbound]]],
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    func counts(_ line: String?, _ source: String) -> [String: Any] {
        ((object(line)?["sources"] as? [String: Any])?[source] as? [String: Any]) ?? [:]
    }

    @Test(
        "check-signatures re-verifies Stripe, Intercom and Standard Webhooks over the stored bytes, and names what fails"
    )
    func checkSignatures() async throws {
        try await TestGateway.run(configure: { $0.stripeSecrets = [Secrets.stripe, Secrets.stripeRotated] }) {
            gateway in
            let directory = gateway.dataDirectory
            let stripe = try fixture("stripe/payment_intent.succeeded.json")
            let rotated = try fixture("stripe/charge.refunded.json")
            let intercom = try fixture("intercom/conversation.admin.assigned.json")
            let order = try fixture("standard/order.created.json")
            let json = ("Content-Type", "application/json")
            #expect(
                try await gateway.post(
                    "/webhooks/stripe", body: stripe, headers: [("Stripe-Signature", Sign.stripe(stripe)), json]
                ).status == 200)
            let rotatedPosition = try #require(
                try await gateway.post(
                    "/webhooks/stripe", body: rotated,
                    headers: [("Stripe-Signature", Sign.stripe(rotated, secret: Secrets.stripeRotated)), json]
                ).position)
            let intercomPosition = try #require(
                try await gateway.post(
                    "/webhooks/intercom", body: intercom, headers: [("X-Hub-Signature", Sign.intercom(intercom)), json]
                ).position)
            #expect(
                try await gateway.post(
                    "/webhooks/in/orders", body: order, headers: Sign.standard(order, id: "msg_audit_1")
                ).status == 200)
            let lead = try fixture("c2s/on_create_lead.json")
            #expect(
                try await gateway.post("/webhooks/c2s", body: lead, headers: [("X-Webhook-Token", Secrets.c2s), json])
                    .status == 200)
            // A Stripe webhook stored three days ago: it is checked at its own signature time, not now.
            let old = Array(#"{"id":"evt_old_1","object":"event","type":"customer.created","created":1763500000}"#.utf8)
            _ = try await gateway.log.append(
                NewEvent(
                    type: "webhook.received", source: "stripe", idempotencyKey: "stripe:evt_old_1",
                    metadata: ["stripe-signature": Sign.stripe(old, timestamp: Sign.now - 3 * 86_400)], payload: old
                ))

            let both = try secretsFile(directory, stripe: [Secrets.stripe, Secrets.stripeRotated])
            defer { try? FileManager.default.removeItem(atPath: both) }
            let sound = try await replay(["check-signatures", "--data-dir", directory, "--secrets", both])
            #expect(sound.status == 0, "\(sound.lines)")
            #expect(object(sound.lines.last)?["ok"] as? Bool == true)
            #expect(counts(sound.lines.last, "stripe")["verified"] as? Int == 3)
            #expect(counts(sound.lines.last, "intercom")["verified"] as? Int == 1)
            #expect(counts(sound.lines.last, "in:orders")["verified"] as? Int == 1)
            #expect(counts(sound.lines.last, "c2s")["not_verifiable"] as? Int == 1)

            // Without the rotated secret, the one webhook signed with it fails, by position.
            let one = try secretsFile(directory, stripe: [Secrets.stripe])
            defer { try? FileManager.default.removeItem(atPath: one) }
            let partial = try await replay(["check-signatures", "--data-dir", directory, "--secrets", one])
            #expect(partial.status == 1)
            let stripeCounts = counts(partial.lines.last, "stripe")
            #expect(stripeCounts["verified"] as? Int == 2)
            #expect(stripeCounts["failed"] as? Int == 1)
            #expect((stripeCounts["failures"] as? [[String: Any]])?.first?["position"] as? Int == Int(rotatedPosition))

            // A copy whose stored Intercom body was altered by one byte: that webhook fails.
            let copy = directory + "-altered"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            #expect(try await replay(["backup", "--data-dir", directory, copy]).status == 0)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: copy + "/log/data.mdb"))
            let range = try #require(bytes.range(of: Data("215471832004591".utf8)))
            bytes[range.lowerBound] = UInt8(ascii: "9")
            try bytes.write(to: URL(fileURLWithPath: copy + "/log/data.mdb"))
            let altered = try await replay(["check-signatures", "--data-dir", copy, "--secrets", both])
            #expect(altered.status == 1)
            let intercomCounts = counts(altered.lines.last, "intercom")
            #expect(intercomCounts["failed"] as? Int == 1)
            #expect(
                (intercomCounts["failures"] as? [[String: Any]])?.first?["position"] as? Int == Int(intercomPosition))
            #expect(counts(altered.lines.last, "stripe")["verified"] as? Int == 3)
        }
    }

    @Test("export then import gives a log with the same head hash; an altered export is refused and leaves nothing")
    func exportImportRoundTrip() async throws {
        try await withTemporaryDirectory("replay-import") { directory in
            try await CatchUpCrashTests.seed(directory, count: 30)
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            _ = try await log.append([
                NewEvent(
                    type: "test.one-line", source: "test", metadata: ["payload": "a metadata value"],
                    payload: Array(#"{"a":{"payload":1},"payload":"x"}"#.utf8)
                ),
                NewEvent(type: "test.binary", source: "test", payload: [0xff, 0x00, 0x0a, 0x7b]),
                NewEvent(type: "test.empty", source: "test"),
                NewEvent(type: "test.scalar", source: "test", payload: Array("42".utf8)),
            ])
            let original = try log.head()
            await log.close()

            let export = try await replay(["export", "--data-dir", directory])
            #expect(export.status == 0)
            #expect(export.lines.count == 34)
            let file = directory + "/export.ndjson"
            try Data((export.lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
            let imported = try await replay(["import", file, "--data-dir", directory + "/copy"])
            #expect(imported.status == 0, "\(imported.lines)")
            #expect(object(imported.lines.last)?["head_hash"] as? String == original.hash.hex)
            let verified = try await replay(["verify", "--data-dir", directory + "/copy"])
            #expect((object(verified.lines.last)?["chain"] as? [String: Any])?["ok"] as? Bool == true)
            #expect(
                try await replay(["import", file, "--data-dir", directory + "/copy"]).status != 0,
                "a data directory with a log is refused")

            // One payload byte changed in the export: refused, naming the line, with no log written.
            let tampered = directory + "/tampered.ndjson"
            let text = export.lines.joined(separator: "\n").replacingOccurrences(
                of: #""payload":"x"}"#, with: #""payload":"y"}"#)
            try Data(text.utf8).write(to: URL(fileURLWithPath: tampered))
            let refused = try await replay(["import", tampered, "--data-dir", directory + "/bad"], errors: true)
            #expect(refused.status != 0)
            #expect(refused.lines.contains { $0.contains("line 31") }, "\(refused.lines)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/bad/log/data.mdb"))
            // A filtered export is not a whole log.
            let partial = directory + "/partial.ndjson"
            try Data(export.lines.dropFirst().joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: partial))
            #expect(try await replay(["import", partial, "--data-dir", directory + "/partial"]).status != 0)
        }
    }
}
