import EventLog
import Foundation
import Logging
import Projections
import ServiceLifecycle
import TestSupport

/// A log and a views store in a temporary directory, with helpers to append fixtures and run projections.
struct Harness {
    let log: LMDBEventLog
    let store: ProjectionStore
    let directory: String

    static func with(_ body: (Harness) async throws -> Void) async throws {
        try await withTemporaryDirectory("projections") { directory in
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            let store = try ProjectionStore(directory: directory + "/views", logger: quietLogger)
            do {
                try await body(Harness(log: log, store: store, directory: directory))
            } catch {
                store.close()
                await log.close()
                throw error
            }
            store.close()
            await log.close()
        }
    }

    /// Appends a fixture file as a received webhook of `source`.
    @discardableResult
    func receive(
        _ source: String, fixture path: String, key: String? = nil, metadata: [String: String] = [:]
    ) async throws -> UInt64 {
        try await receive(source, payload: fixture(path), key: key, metadata: metadata)
    }

    @discardableResult
    func receive(
        _ source: String, payload: [UInt8], key: String? = nil, metadata: [String: String] = [:],
        type: String = "webhook.received"
    ) async throws -> UInt64 {
        try await log.append(
            NewEvent(type: type, source: source, idempotencyKey: key, metadata: metadata, payload: payload)
        ).position
    }

    /// Runs `projections` until each has applied the log's head (or failed), then stops them.
    func project(
        _ projections: [any Projection], batchSize: Int = 1024, cacheCapacity: Int = 100_000
    ) async throws -> ProjectionRunner<LMDBEventLog> {
        let runner = ProjectionRunner(
            log: log, store: store, projections: projections, logger: quietLogger, batchSize: batchSize,
            cacheCapacity: cacheCapacity
        )
        let group = ServiceGroup(services: [runner], gracefulShutdownSignals: [], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let head = try log.head().position
            let done = await waitUntil(timeout: .seconds(30)) {
                let statuses = runner.statuses()
                return statuses.count == projections.count
                    && statuses.allSatisfy { status in
                        if case .failed = status.state { return true }
                        return status.state == .live && status.checkpoint >= head
                    }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if !done { throw ProjectionError("projections did not catch up: \(runner.statuses())") }
        }
        return runner
    }
}

func json(_ text: String) -> [UInt8] { Array(text.utf8) }
