import AsyncHTTPClient
import EventLog
@testable import GatewayApp
import Projections
import ServiceLifecycle
import Testing
import TestSupport
@testable import Outbound

/// The dispatcher's passes over the outbox, step by step, with the outbox brought up to date only when the test
/// says so.
@Suite("Dispatcher passes")
struct DispatcherTests {
    /// Runs the outbox projection until it has applied the log's head.
    func catchUp(_ log: LMDBEventLog, _ views: ProjectionStore) async throws {
        let runner = ProjectionRunner(log: log, store: views, projections: [OutboxProjection()], logger: quietLogger)
        let group = ServiceGroup(services: [runner], gracefulShutdownSignals: [], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let head = try log.head().position
            let done = await waitUntil(timeout: .seconds(20)) { runner.statuses().first?.checkpoint ?? 0 >= head }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(done)
        }
    }

    func request(_ position: UInt64) -> ActionRequest {
        ActionRequest(
            reactor: "test", causedBy: position, index: 0, kind: "lark.card", channel: "lark", target: "ops",
            params: ["text": "hello"])
    }

    @Test(
        "a run that ends while a pass reads an older outbox is not taken again; the target is taken again once the outbox shows it"
    )
    func runEndingDuringAPass() async throws {
        try await withTemporaryDirectory { directory in
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            let views = try ProjectionStore(directory: directory + "/views", logger: quietLogger)
            var actions = ActionsConfiguration()
            actions.mode = .sandbox
            let dispatcher = Dispatcher(
                log: log, views: views, connectors: [LarkConnector(actions)], configuration: actions, client: .shared,
                health: ComponentHealth(), metrics: GatewayMetrics(), logger: quietLogger
            )
            let first = request(1)
            _ = try await log.append(first.event())
            try await catchUp(log, views)

            let pass = try dispatcher.due()
            #expect(pass.runs.map(\.target) == ["lark/ops"])
            #expect(pass.runs.first?.run.map(\.request) == [first])
            // Taken: a second pass leaves it alone.
            #expect(try dispatcher.due().runs.isEmpty)

            // The run's record is appended, and the run ends while a pass holds a snapshot from before it.
            let outcome = try #require(dispatcher.sandboxDelivery(first))
            let recorded = try await log.append(outcome.events).map(\.position).max() ?? 0
            let during = try views.read("outbox") { reader in
                dispatcher.finished("lark/ops", appended: recorded)
                return try dispatcher.due(in: reader)
            }
            #expect(
                during?.runs.isEmpty == true, "the action was taken again from a snapshot that still shows it pending")
            #expect(try dispatcher.due().runs.isEmpty)

            // A new action for the same target, then the outbox catches up: only the new one is taken.
            let second = request(try log.head().position)
            _ = try await log.append(second.event())
            try await catchUp(log, views)
            let next = try dispatcher.due()
            #expect(next.runs.map(\.target) == ["lark/ops"])
            #expect(next.runs.first?.run.map(\.request) == [second])

            views.close()
            await log.close()
        }
    }
}
