import EventLog
import Foundation
import Logging
import ServiceLifecycle

/// Rebuilds projections from position 0 into a separate views directory, reading the log only: the shared
/// logic of `replay rebuild --into` and `replay verify`. It runs no reactor and calls nothing outside.
public enum Rebuild {
    /// Builds `projections` from position 0 up to the log's head at the start into `directory`, and returns each
    /// projection's digest there, by name.
    public static func build<Log: EventStore>(
        log: Log, into directory: String, projections: [any Projection], logger: Logger,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> [String: String] {
        let head = try await log.head().position
        let store = try ProjectionStore(directory: directory, logger: logger)
        defer { store.close() }
        let runner = ProjectionRunner(log: log, store: store, projections: projections, logger: logger)
        let group = ServiceGroup(services: [runner], gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask(operation: { try await group.run() })
            while true {
                let statuses = runner.statuses()
                let done = statuses.count == projections.count && statuses.allSatisfy { status in
                    if case .failed = status.state { return true }
                    return status.checkpoint >= head
                }
                if done { break }
                progress(statuses.map(\.checkpoint).min() ?? 0, head)
                try await Task.sleep(for: .milliseconds(250))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            for status in runner.statuses() {
                if case .failed(let position, let reason) = status.state {
                    throw ProjectionError("\(status.name) cannot apply position \(position): \(reason)")
                }
            }
        }
        var digests = [String: String]()
        for projection in projections {
            digests[projection.name] = try store.digest(projection.name, tables: projection.tables, version: projection.version)
        }
        return digests
    }
}
