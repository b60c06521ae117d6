import Crypto
@testable import EventLog
import Foundation
@testable import GatewayApp
@testable import Outbound
import Testing
import TestSupport

/// An auditor's distrust: tampered copies of a data directory are refused by `replay verify`, by the gateway's
/// start-up and by `replay`'s other commands, naming the position; receipts catch a rewrite that recomputed the chain.
@Suite("Tampered logs", .serialized)
struct TamperTests {
    /// A log of `count` webhooks with idempotency keys, in `directory/log`; returns each one's receipt.
    static func seed(_ directory: String, count: Int = 10) async throws -> [(position: UInt64, hash: String)] {
        let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
        var receipts = [(UInt64, String)]()
        for n in 1...count {
            let outcome = try await log.append(
                NewEvent(
                    type: "webhook.received", source: "stripe", idempotencyKey: "stripe:evt_tamper_\(n)",
                    metadata: ["event-type": "charge.succeeded"],
                    payload: Array(#"{"id":"evt_tamper_\#(n)","type":"charge.succeeded"}"#.utf8)
                ))
            receipts.append((outcome.position, outcome.hash.hex))
        }
        await log.close()
        return receipts
    }

    /// Opens the raw environment of `directory/log` and runs `body` in one write transaction.
    static func tamper(
        _ directory: String,
        _ body: (WriteTransaction, Database<UInt64, [UInt8]>, Database<String, UInt64>, Database<String, [UInt8]>)
            throws -> Void
    ) throws {
        let env = try Environment(path: directory + "/log", logger: quietLogger)
        defer { env.close() }
        let events: Database<UInt64, [UInt8]> = try env.database("events")
        let keys: Database<String, UInt64> = try env.database("keys")
        let meta: Database<String, [UInt8]> = try env.database("meta")
        try env.write { txn in try body(txn, events, keys, meta) }
    }

    /// `docs/verify_log.py` (an auditor's verifier written from `docs/log-format.md`) on `directory/log`: its exit
    /// status and its line.
    static func pythonVerify(
        _ directory: String, _ arguments: [String] = []
    ) async throws -> (status: Int32, line: String) {
        let root = projectRoot.path
        let child = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", root + "/docs/verify_log.py", directory + "/log"] + arguments,
            mergeStandardError: true)
        var lines = [String]()
        while let line = await child.readLine(timeout: .seconds(60)) { lines.append(line) }
        return (child.waitForExit(), lines.joined(separator: "\n"))
    }

    /// What each refuses a tampered directory with: `replay verify`'s exit status and report, the gateway's start.
    func refusals(
        _ directory: String
    ) async throws -> (verify: (Int32, [String: Any]?), gateway: (Int32, String), head: Int32) {
        let verified = try await replay(["verify", "--data-dir", directory])
        let child = try ChildProcess(
            executable: productsDirectory + "/gateway", arguments: ["--port", "0", "--data-dir", directory],
            mergeStandardError: true)
        var lines = [String]()
        while let line = await child.readLine(timeout: .seconds(30)) { lines.append(line) }
        let status = child.waitForExit()
        let head = try await replay(["head", "--data-dir", directory]).status
        return ((verified.status, object(verified.lines.last)), (status, lines.joined(separator: "\n")), head)
    }

    @Test(
        "the last record removed, or the last three: the head check refuses at start-up and in verify, naming both positions"
    )
    func cutFromTheEnd() async throws {
        for removed in [1, 3] {
            try await withTemporaryDirectory("tamper-cut") { directory in
                _ = try await Self.seed(directory)
                try Self.tamper(directory) { txn, events, _, _ in
                    for position in UInt64(11 - removed)...10 { _ = try events.delete(position, in: txn) }
                }
                let (verify, gateway, head) = try await refusals(directory)
                #expect(verify.0 == 1)
                let chain = verify.1?["chain"] as? [String: Any]
                #expect(chain?["ok"] as? Bool == false)
                #expect((chain?["position"] as? NSNumber)?.intValue == 11 - removed, "\(String(describing: chain))")
                #expect((chain?["reason"] as? String)?.contains("position 10") == true)
                #expect(gateway.0 == 2, "the gateway refuses to start: \(gateway.1)")
                #expect(
                    gateway.1.contains("position 10") && gateway.1.contains("position \(10 - removed)"), "\(gateway.1)")
                #expect(head == 2)
                let python = try await Self.pythonVerify(directory)
                #expect(python.status == 1 && python.line.hasPrefix("broken \(11 - removed):"), "\(python.line)")
            }
        }
    }

    @Test("a keys entry removed, or one added: verify names the record")
    func keysIndex() async throws {
        try await withTemporaryDirectory("tamper-keys") { directory in
            _ = try await Self.seed(directory)
            try Self.tamper(directory) { txn, _, keys, _ in _ = try keys.delete("stripe:evt_tamper_4", in: txn) }
            let (status, lines) = try await replay(["verify", "--data-dir", directory])
            let chain = object(lines.last)?["chain"] as? [String: Any]
            #expect(status == 1)
            #expect((chain?["position"] as? NSNumber)?.intValue == 4, "\(String(describing: chain))")
            #expect((chain?["reason"] as? String)?.contains("keys index") == true)
            let python = try await Self.pythonVerify(directory)
            #expect(python.status == 1 && python.line.hasPrefix("broken 4:"), "\(python.line)")
        }
        try await withTemporaryDirectory("tamper-keys-extra") { directory in
            _ = try await Self.seed(directory)
            try Self.tamper(directory) { txn, _, keys, _ in _ = try keys.put(6, for: "stripe:evt_forged", in: txn) }
            let (status, lines) = try await replay(["verify", "--data-dir", directory])
            let chain = object(lines.last)?["chain"] as? [String: Any]
            #expect(status == 1)
            #expect((chain?["position"] as? NSNumber)?.intValue == 6, "\(String(describing: chain))")
            #expect((chain?["reason"] as? String)?.contains("evt_forged") == true)
            let python = try await Self.pythonVerify(directory)
            #expect(python.status == 1 && python.line.hasPrefix("broken 6:"), "\(python.line)")
        }
    }

    @Test("a record rewritten with the chain recomputed after it: the chain holds, a kept receipt does not")
    func rewrittenWithRecomputedChain() async throws {
        try await withTemporaryDirectory("tamper-rewrite") { directory in
            let receipts = try await Self.seed(directory)
            try Self.tamper(directory) { txn, events, _, meta in
                var previous = EventHash.zero
                for position in UInt64(1)...10 {
                    var event = try #require(
                        try events.get(position, in: txn).map { try $0.withUnsafeBytes { try RecordCodec.decode($0) } })
                    if position == 5 { event.payload = Array(#"{"id":"evt_tamper_5","type":"charge.refunded"}"#.utf8) }
                    let record = RecordCodec.encode(
                        NewEvent(event), position: position, recordedAt: event.recordedAt, previousHash: previous)
                    try events.put(record.bytes, for: position, in: txn)
                    previous = record.hash
                }
                try meta.put(UInt64(10).storedBytes + previous.bytes, for: "head", in: txn)
            }
            let chainOnly = try await replay(["verify", "--data-dir", directory])
            #expect(
                (object(chainOnly.lines.last)?["chain"] as? [String: Any])?["ok"] as? Bool == true,
                "the chain alone cannot see it")
            let receipt = "\(receipts[6].position):\(receipts[6].hash)"
            let (status, lines) = try await replay(["verify", "--data-dir", directory, "--expect", receipt])
            #expect(status == 1)
            let held = (object(lines.last)?["receipts"] as? [[String: Any]])?.first
            #expect(held?["ok"] as? Bool == false)
            #expect(held?["expected"] as? String == receipts[6].hash)
            #expect(try await Self.pythonVerify(directory).status == 0, "the chain alone cannot see it")
            let python = try await Self.pythonVerify(directory, ["--expect", receipt])
            #expect(python.status == 1 && python.line.hasPrefix("broken \(receipts[6].position):"), "\(python.line)")
        }
    }

    @Test(
        "receipts: an accepted webhook's answer carries its record's hash, a duplicate the original's; replay head and verify --expect agree"
    )
    func receipts() async throws {
        try await TestGateway.run { gateway in
            let body = try fixture("stripe/payment_intent.succeeded.json")
            let headers = [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))]
            let first = try await gateway.post("/webhooks/stripe", body: body, headers: headers)
            let position = try #require(first.position)
            let hash = try #require(first.json?["hash"] as? String)
            #expect(hash == (try gateway.log.event(at: position)?.hash.hex))
            let again = try await gateway.post("/webhooks/stripe", body: body, headers: headers)
            #expect(again.json?["status"] as? String == "duplicate")
            #expect(again.json?["hash"] as? String == hash)
            let file = gateway.dataDirectory + "-receipts.txt"
            defer { try? FileManager.default.removeItem(atPath: file) }
            try "# kept by the sender\n\(position):\(hash)\n".write(toFile: file, atomically: true, encoding: .utf8)
            // verify compares the live views with a fresh build: let them catch up with the head first.
            let caughtUp = await waitUntil(timeout: .seconds(20)) {
                let items =
                    try? await gateway.get("/api/projections", headers: [("Authorization", "Bearer test-api-key")])
                    .json?["items"] as? [[String: Any]]
                return items?.allSatisfy { ($0["lag"] as? NSNumber)?.intValue == 0 } == true
            }
            #expect(caughtUp, "the projections caught up with the head")
            let head = try await replay(["head", "--data-dir", gateway.dataDirectory])
            #expect(head.status == 0)
            #expect((object(head.lines.last)?["position"] as? NSNumber)?.uint64Value ?? 0 >= position)
            for expectation in ["\(position):\(hash)", file] {
                let verified = try await replay([
                    "verify", "--data-dir", gateway.dataDirectory, "--expect", expectation,
                ])
                #expect(verified.status == 0, "\(verified.lines)")
                #expect((object(verified.lines.last)?["receipts"] as? [[String: Any]])?.first?["ok"] as? Bool == true)
            }
            let wrong = try await replay([
                "verify", "--data-dir", gateway.dataDirectory, "--expect",
                "\(position):\(String(repeating: "0", count: 64))",
            ])
            #expect(wrong.status == 1)
            // The Python verifier, with the environment's lock, beside the running gateway.
            let python = try await Self.pythonVerify(gateway.dataDirectory, ["--expect", "\(position):\(hash)"])
            #expect(python.status == 0 && python.line.hasPrefix("intact "), "\(python.line)")
        }
    }

    @Test(
        "without views, verify checks the log and says there is nothing to compare; --rebuild-views builds them first")
    func withoutViews() async throws {
        try await withTemporaryDirectory("tamper-views") { directory in
            let receipts = try await Self.seed(directory)
            let python = try await Self.pythonVerify(directory)
            #expect(python.status == 0 && python.line == "intact 10 \(receipts[9].hash)", "\(python.line)")
            let (status, lines) = try await replay(["verify", "--data-dir", directory])
            #expect(status == 0, "\(lines)")
            let report = object(lines.last)
            #expect((report?["projections"] as? [String: Any])?["compared"] as? Bool == false)
            let rebuilt = try await replay(["verify", "--data-dir", directory, "--rebuild-views"])
            #expect(rebuilt.status == 0, "\(rebuilt.lines)")
            #expect(
                ((object(rebuilt.lines.last)?["projections"] as? [String: Any])?["payments"] as? [String: Any])?[
                    "equal"] as? Bool == true)
        }
    }
}
