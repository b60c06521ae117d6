import EventLog
import Foundation
import Logging
import Projections
import ServiceLifecycle
import Testing
import TestSupport
import NIOHTTP1

@Suite("Projections across a crash", .serialized)
struct CatchUpCrashTests {
    /// Fills a log with real-shaped webhooks of every source.
    static func seed(_ directory: String, count: Int) async throws {
        let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
        let payloads = try [
            ("stripe", fixture("stripe/payment_intent.succeeded.json")),
            ("stripe", fixture("stripe/charge.refunded.json")),
            ("c2s", fixture("c2s/on_create_lead.json")),
            ("intercom", fixture("intercom/conversation.admin.noted.json")),
        ]
        var n = 0
        while n < count {
            let batch = (0..<min(1000, count - n)).map { i -> NewEvent in
                let (source, payload) = payloads[(n + i) % payloads.count]
                let metadata = source == "intercom" ? ["event-type": "conversation.admin.noted"] : [:]
                return NewEvent(type: "webhook.received", source: source, metadata: metadata, payload: payload)
            }
            _ = try await log.append(batch)
            n += batch.count
        }
        await log.close()
    }

    static func projections(port: Int, digest: Bool = false) async throws -> [[String: Any]] {
        let response = try await TestResponse.send(
            port: port, method: .GET, path: "/api/projections?digest=\(digest)", body: nil,
            headers: [("Authorization", "Bearer test-api-key")]
        )
        return response.json?["items"] as? [[String: Any]] ?? []
    }

    @Test("SIGKILL mid-catch-up, restart: every projection equals a fresh build from position 0")
    func killMidCatchUp() async throws {
        try await withTemporaryDirectory("catchup") { directory in
            // More events than one catch-up store takes (eight batches of 4,096), so that a projection is killed with
            // some of them stored and not all, whatever the timing.
            let total = 50_000
            try await Self.seed(directory, count: total)

            let first = try await GatewayProcess.start(dataDirectory: directory)
            // The checkpoints are read from the views on disk, as the gateway stores them (no HTTP between): the first
            // store of any projection is the moment to kill, whatever the machine's load.
            let views = try ProjectionStore(directory: directory + "/views", logger: quietLogger)
            func stored() -> [UInt64] {
                BuiltInProjections.all.map { (try? views.liveCheckpoint($0.name)) ?? nil ?? 0 }
            }
            let started = await waitUntil(timeout: .seconds(60), every: .milliseconds(1)) {
                stored().contains { $0 > 0 }
            }
            first.child.send(SIGKILL)
            _ = first.child.waitForExit()
            let atKill = stored()
            views.close()
            #expect(started, "waited for a projection's first store")
            #expect(
                atKill.contains { $0 > 0 } && atKill.contains { $0 < UInt64(total) }, "killed mid catch-up: \(atKill)")

            let second = try await GatewayProcess.start(dataDirectory: directory)
            var items = [[String: Any]]()
            // Bounds, not timings: a catch-up behind a compiler on both cores runs niced, so it may take minutes.
            let caughtUp = await waitUntil(timeout: .seconds(400), every: .milliseconds(50)) {
                items = (try? await Self.projections(port: second.port)) ?? []
                return items.count == BuiltInProjections.all.count
                    && items.allSatisfy { ($0["lag"] as? NSNumber)?.intValue == 0 && $0["state"] as? String == "live" }
            }
            items = (try? await Self.projections(port: second.port, digest: true)) ?? []
            second.child.send(SIGTERM)
            #expect(second.child.waitForExit() == 0)
            #expect(caughtUp, "\(items)")
            let restarted = Dictionary(
                uniqueKeysWithValues: items.compactMap { item in
                    (item["name"] as? String).map { ($0, item["digest"] as? String ?? "") }
                })

            // A fresh build from position 0 into new views.
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            let store = try ProjectionStore(directory: directory + "/fresh-views", logger: quietLogger)
            let runner = ProjectionRunner(
                log: log, store: store, projections: BuiltInProjections.all, logger: quietLogger)
            let group = ServiceGroup(services: [runner], gracefulShutdownSignals: [], logger: quietLogger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let done = await waitUntil(timeout: .seconds(400)) {
                    runner.statuses().count == BuiltInProjections.all.count
                        && runner.statuses().allSatisfy { $0.checkpoint == UInt64(total) }
                }
                #expect(done)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            for projection in BuiltInProjections.all {
                let fresh = try store.digest(projection.name)
                #expect(restarted[projection.name] == fresh, "\(projection.name) differs from a fresh build")
            }
            store.close()
            await log.close()
        }
    }
}
