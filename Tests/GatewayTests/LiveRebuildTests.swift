import EventLog
import Foundation
@testable import Projections
import Synchronization
import Testing
import TestSupport
import NIOHTTP1

/// `replay rebuild` against the data directory of a gateway process that keeps serving and ingesting.
@Suite("Rebuilding beside a running gateway", .serialized)
struct LiveRebuildTests {
    /// Waits until every projection the gateway runs has applied `position`; returns the statuses.
    func caughtUp(_ port: Int, to position: Int) async throws -> [[String: Any]] {
        var statuses = [[String: Any]]()
        let done = await waitUntil(timeout: .seconds(120)) {
            statuses = (try? await CatchUpCrashTests.projections(port: port, digest: true)) ?? []
            return statuses.count == BuiltInProjections.all.count
                && statuses.allSatisfy { $0["checkpoint"] as? Int ?? 0 >= position }
        }
        #expect(done, "\(statuses)")
        return statuses
    }

    @Test("rebuild while the gateway ingests: no request fails, the gateway follows the switch, no event is missed")
    func rebuildBesideGateway() async throws {
        try await withTemporaryDirectory("live-rebuild") { directory in
            try await CatchUpCrashTests.seed(directory, count: 3000)
            let gateway = try await GatewayProcess.start(dataDirectory: directory)
            defer { gateway.child.send(SIGKILL); _ = gateway.child.waitForExit() }
            let before = try await caughtUp(gateway.port, to: 3000)
            #expect(
                before.allSatisfy { ($0["slot"] as? String)?.split(separator: "@").last?.contains(".") == false },
                "\(before)")

            // Ingest and read all the while; the rebuild runs as its own process.
            let stop = StopFlag()
            let outcomes = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var statuses = [Int]()
                        var n = 0
                        while !stop.isSet {
                            n += 1
                            let request = GatewayProcess.signedStripe("evt_live_\(client)_\(n)")
                            statuses.append(
                                try await TestResponse.send(
                                    port: gateway.port, method: .POST, path: "/webhooks/stripe", body: request.body,
                                    headers: request.headers
                                ).status)
                            let read = try await TestResponse.send(
                                port: gateway.port, method: .GET, path: "/api/payments/events?limit=3", body: nil,
                                headers: [("Authorization", "Bearer test-api-key")]
                            )
                            statuses.append(read.status)
                        }
                        return statuses
                    }
                }
                group.addTask {
                    defer { stop.set() }
                    let rebuilt = try await replay(["rebuild", "--data-dir", directory], errors: true)
                    #expect(rebuilt.status == 0, "\(rebuilt.lines)")
                    #expect(object(rebuilt.lines.last)?["switched"] as? Bool == true)
                    return []
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(outcomes.count >= 8, "requests went on during the rebuild")
            #expect(
                outcomes.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: outcomes, by: { $0 }).mapValues(\.count))")

            // One more event: the gateway now writes and serves the rebuilt generation, up to the head.
            let last = GatewayProcess.signedStripe("evt_live_after")
            let head = try #require(
                try await TestResponse.send(
                    port: gateway.port, method: .POST, path: "/webhooks/stripe", body: last.body, headers: last.headers
                ).position)
            let after = try await caughtUp(gateway.port, to: Int(head))
            #expect(
                after.allSatisfy { ($0["slot"] as? String)?.hasSuffix(".1") == true }, "the other generation: \(after)")

            // Nothing missed: the served state equals a fresh build of the whole log.
            let copy = try await replay(["rebuild", "--data-dir", directory, "--into", directory + "/audit"])
            let fresh = try #require(object(copy.lines.last)?["digests"] as? [String: String])
            for status in after {
                let name = try #require(status["name"] as? String)
                #expect(status["digest"] as? String == fresh[name], "\(name)")
            }
        }
    }

    @Test("Ctrl-C during a rebuild leaves the live state as it was, and no build behind")
    func interruptedRebuild() async throws {
        try await withTemporaryDirectory("live-rebuild-int") { directory in
            try await CatchUpCrashTests.seed(directory, count: 40_000)
            #expect(try await replay(["rebuild", "--data-dir", directory]).status == 0)
            let store = try ProjectionStore(directory: directory + "/views", logger: quietLogger)
            defer { store.close() }
            let slots = try store.env.read { txn in
                try BuiltInProjections.all.map { try store.liveSlot($0.name, in: txn) }
            }
            let digests = try BuiltInProjections.all.map { try store.digest($0.name) }

            let child = try ChildProcess(
                executable: productsDirectory + "/replay", arguments: ["rebuild", "--data-dir", directory],
                mergeStandardError: true)
            let claimed = await waitUntil(timeout: .seconds(60)) {
                (try? store.env.read { txn in try store.buildClaim("payments", in: txn) }) != nil
            }
            #expect(claimed)
            child.send(SIGINT)
            var lines = [String]()
            while let line = await child.readLine(timeout: .seconds(60)) { lines.append(line) }
            #expect(child.waitForExit() != 0)
            #expect(lines.contains { $0.contains("live state is as it was") }, "\(lines)")
            #expect(
                try store.env.read { txn in try BuiltInProjections.all.map { try store.liveSlot($0.name, in: txn) } }
                    == slots)
            #expect(try BuiltInProjections.all.map { try store.digest($0.name) } == digests)
            #expect(
                try store.env.read { txn in
                    try BuiltInProjections.all.compactMap { try store.buildClaim($0.name, in: txn) }
                }.isEmpty)
        }
    }
}

/// A flag one task sets and others read.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
