import EventLog
import Foundation
import Testing
import TestSupport
import NIOHTTP1

/// A `gateway` executable started as a child process on an ephemeral port.
struct GatewayProcess {
    let child: ChildProcess
    let port: Int

    static var environment: [String: String] {
        [
            "SWITCHYARD_STRIPE_SECRETS": Secrets.stripe,
            "SWITCHYARD_RATE_LIMIT_PER_SECOND": "0",
            "SWITCHYARD_LOG_LEVEL": "info",
            "SWITCHYARD_API_KEYS": "test-api-key",
        ]
    }

    static func start(
        dataDirectory: String, arguments: [String] = [], environment extra: [String: String] = [:]
    ) async throws -> GatewayProcess {
        let child = try ChildProcess(
            executable: productsDirectory + "/gateway",
            arguments: ["--port", "0", "--data-dir", dataDirectory] + arguments,
            environment: environment.merging(extra) { $1 }
        )
        while let line = await child.readLine(timeout: .seconds(60)) {
            guard line.contains("gateway listening"),
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let port = (object["port"] as? String).flatMap(Int.init)
            else { continue }
            return GatewayProcess(child: child, port: port)
        }
        throw POSIXError(.ETIMEDOUT)
    }

    static func signedStripe(_ id: String) -> (body: [UInt8], headers: [(String, String)]) {
        let body = Array(#"{"id":"\#(id)","object":"event","type":"payment_intent.succeeded"}"#.utf8)
        return (body, [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))])
    }
}

@Suite("The gateway process", .serialized)
struct GatewayProcessTests {
    @Test("SIGKILL under load: every acknowledged position is in the log, the chain intact", arguments: 1...2)
    func killedUnderLoad(round: Int) async throws {
        try await withTemporaryDirectory("gateway-kill") { directory in
            let gateway = try await GatewayProcess.start(dataDirectory: directory)
            let target = Int.random(in: 100...600)
            let acknowledged = try await withThrowingTaskGroup(of: [(UInt64, String)].self) { group in
                let counter = AckCounter()
                for client in 0..<32 {
                    group.addTask {
                        var acks = [(UInt64, String)]()
                        var n = 0
                        while true {
                            n += 1
                            let id = "evt_kill_\(round)_\(client)_\(n)"
                            let request = GatewayProcess.signedStripe(id)
                            guard
                                let response = try? await TestResponse.send(
                                    port: gateway.port, method: .POST, path: "/webhooks/stripe", body: request.body,
                                    headers: request.headers
                                )
                            else { return acks }
                            if response.status == 200, let position = response.position {
                                acks.append((position, "stripe:" + id))
                                if await counter.add() == target { gateway.child.send(SIGKILL) }
                            }
                        }
                    }
                }
                return try await group.reduce(into: [(UInt64, String)]()) { $0 += $1 }
            }
            _ = gateway.child.waitForExit()
            #expect(gateway.child.wasSignalled)
            #expect(acknowledged.count >= target)

            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            #expect(try log.verify().isIntact)
            for (position, key) in acknowledged {
                #expect(try log.event(at: position)?.idempotencyKey == key, "acknowledged position \(position) lost")
            }
            await log.close()
        }
    }

    @Test("standard output gone (its reader ended): the gateway goes on acknowledging, and SIGTERM still exits 0")
    func outputGone() async throws {
        try await withTemporaryDirectory("gateway-output") { directory in
            let gateway = try await GatewayProcess.start(dataDirectory: directory)
            gateway.child.closeOutput()
            for n in 0..<3 {
                let request = GatewayProcess.signedStripe("evt_output_\(n)")
                let response = try await TestResponse.send(
                    port: gateway.port, method: .POST, path: "/webhooks/stripe", body: request.body,
                    headers: request.headers)
                #expect(response.status == 200)
                // A request the gateway logs (a rejection) is answered too.
                let bad = try await TestResponse.send(
                    port: gateway.port, method: .POST, path: "/webhooks/stripe", body: request.body,
                    headers: [("Content-Type", "application/json"), ("Stripe-Signature", "t=1,v1=00")])
                #expect(bad.status == 401)
            }
            gateway.child.send(SIGTERM)
            #expect(gateway.child.waitForExit() == 0)
            #expect(!gateway.child.wasSignalled)
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            #expect(try log.events(from: 1, limit: 100).filter { $0.type == "webhook.received" }.count == 3)
            await log.close()
        }
    }

    @Test("SIGTERM: requests in flight are answered and recorded, then the process exits 0")
    func gracefulShutdown() async throws {
        try await withTemporaryDirectory("gateway-term") { directory in
            let gateway = try await GatewayProcess.start(dataDirectory: directory)
            let count = 8
            var connections = [(RawHTTPConnection, [UInt8])]()
            for n in 0..<count {
                let request = GatewayProcess.signedStripe("evt_term_\(n)")
                let head =
                    "POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(request.body.count)\r\n"
                    + request.headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
                let connection = try RawHTTPConnection(port: gateway.port)
                try connection.send(Array(head.utf8) + request.body.prefix(10))
                connections.append((connection, Array(request.body.dropFirst(10))))
            }
            // Wait until the server is handling all of them, then ask it to stop.
            let inFlight = await waitUntil(timeout: .seconds(20)) {
                let metrics = try? await TestResponse.send(
                    port: gateway.port, method: .GET, path: "/metrics", body: nil, headers: [])
                return metrics?.text.contains("switchyard_webhooks_in_flight \(count).0") == true
            }
            #expect(inFlight)
            gateway.child.send(SIGTERM)
            for (connection, rest) in connections { try connection.send(rest) }
            var positions = [UInt64]()
            for (connection, _) in connections {
                let response = connection.readResponse()
                #expect(response?.status == 200, "\(response?.body ?? "no response")")
                if let body = response?.body,
                    let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                    let position = (object["position"] as? NSNumber)?.uint64Value
                {
                    positions.append(position)
                }
            }
            #expect(gateway.child.waitForExit() == 0)
            #expect(!gateway.child.wasSignalled)
            #expect(positions.sorted() == Array(1...UInt64(count)))
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            #expect(try log.head().position == UInt64(count))
            await log.close()
        }
    }

    @Test(
        "a bad setting stops start-up with one line that names it",
        arguments: [
            ("SWITCHYARD_PORT", "eighty", "SWITCHYARD_PORT"),
            ("SWITCHYARD_STRIPE_SECRETS", "sk_live_oops", "SWITCHYARD_STRIPE_SECRETS"),
            ("SWITCHYARD_MAX_BODY_BYTES", "-1", "SWITCHYARD_MAX_BODY_BYTES"),
            ("SWITCHYARD_CONFIG", "/nonexistent/switchyard.json", "SWITCHYARD_CONFIG"),
        ])
    func badSetting(variable: String, value: String, named: String) async throws {
        try await withTemporaryDirectory("gateway-config") { directory in
            let child = try ChildProcess(
                executable: productsDirectory + "/gateway", arguments: ["--port", "0", "--data-dir", directory],
                environment: [variable: value], mergeStandardError: true
            )
            var lines = [String]()
            while let line = await child.readLine(timeout: .seconds(30)) { lines.append(line) }
            #expect(child.waitForExit() != 0)
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.contains(named) == true, "\(lines)")
            #expect(lines.first?.contains("sk_live_oops") == false)
        }
    }

    @Test("a port in use stops start-up with one line that says so, and no projection or reactor reports a failure")
    func portInUse() async throws {
        try await withTemporaryDirectory("gateway-port") { directory in
            let first = try await GatewayProcess.start(dataDirectory: directory + "/first")
            defer {
                first.child.send(SIGTERM)
                _ = first.child.waitForExit()
            }
            let second = try ChildProcess(
                executable: productsDirectory + "/gateway",
                arguments: ["--port", "\(first.port)", "--data-dir", directory + "/second"],
                environment: GatewayProcess.environment.merging(["SWITCHYARD_LOG_LEVEL": "warning"]) { $1 },
                mergeStandardError: true
            )
            var lines = [String]()
            while let line = await second.readLine(timeout: .seconds(30)) { lines.append(line) }
            #expect(second.waitForExit() != 0)
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.contains("cannot listen on 127.0.0.1:\(first.port)") == true, "\(lines)")
            #expect(lines.first?.contains("in use") == true, "\(lines)")
        }
    }
}

actor AckCounter {
    private var count = 0
    func add() -> Int {
        count += 1
        return count
    }
}
