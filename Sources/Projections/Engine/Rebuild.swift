import EventLog
import Foundation
import Logging
import ServiceLifecycle

/// Rebuilds projections from position 0, reading the log only: the shared logic of `replay rebuild` and
/// `replay verify`. It runs no reactor and calls nothing outside.
package enum Rebuild {
    /// Builds `projections` from position 0 up to the log's head at the start into a separate views `directory`
    /// (an auditor's copy), and returns each projection's digest there, by name.
    package static func build<Log: EventStore>(
        log: Log, into directory: String, projections: [any Projection], logger: Logger,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> [String: String] {
        let built = try await buildReporting(
            log: log, into: directory, projections: projections, logger: logger, progress: progress)
        if let (name, reason) = built.stopped.min(by: { $0.key < $1.key }) {
            throw ProjectionError("\(name) \(reason)")
        }
        return built.digests
    }

    /// What ``build(log:into:projections:logger:progress:)`` does, reporting projections that stopped (a bug of
    /// ours: an event they cannot apply) beside the digests of the others, instead of throwing for them.
    package static func buildReporting<Log: EventStore>(
        log: Log, into directory: String, projections: [any Projection], logger: Logger,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> (digests: [String: String], stopped: [String: String]) {
        let head = try await log.head().position
        let store = try ProjectionStore(directory: directory, logger: logger)
        defer { store.close() }
        let runner = ProjectionRunner(log: log, store: store, projections: projections, logger: logger)
        try await drive(runner, throwingForFailures: false, progress: progress) { statuses in
            statuses.count == projections.count && statuses.allSatisfy { $0.isFailed || $0.checkpoint >= head }
        }
        var stopped = [String: String]()
        for status in runner.statuses() {
            if case .failed(let position, let reason) = status.state {
                stopped[status.name] = "cannot apply position \(position): \(reason)"
            }
        }
        let digests = try self.digests(projections.filter { stopped[$0.name] == nil }, in: store)
        return (digests, stopped)
    }

    /// Builds `projections` from position 0 beside their live state in `store` and switches readers to each new
    /// build once it has caught up with the log, while other processes (the gateway) keep serving and
    /// appending. Returns each projection's digest when switched. Cancelling the task abandons the builds (each
    /// build's claim is given up and its tables emptied) and leaves the live state as it was; it then throws. The
    /// caller decides what cancels it (`replay rebuild`: SIGINT or SIGTERM).
    package static func inPlace<Log: EventStore>(
        log: Log, store: ProjectionStore, projections: [any Projection], logger: Logger,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> [String: String] {
        let runner = ProjectionRunner(
            log: log, store: store, projections: projections, logger: logger, mode: .rebuild,
            owner: "replay-\(getpid())"
        )
        do {
            try await drive(runner, progress: progress) { _ in false }
        } catch is CancellationError {
            // Abandoned: the builds gave up their claims; say so below.
        }
        let unfinished = runner.statuses().filter { $0.state != .live || $0.liveVersion != $0.version }
        guard unfinished.isEmpty else {
            throw ProjectionError(
                "interrupted before \(unfinished.map(\.name).joined(separator: ", ")) switched; the live state is as it was"
            )
        }
        return try digests(projections, in: store)
    }

    /// Runs `runner` until it stops by itself or `done` holds, reporting progress every 250 ms; throws if a
    /// projection failed, unless told not to.
    static func drive<Log>(
        _ runner: ProjectionRunner<Log>, throwingForFailures: Bool = true,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void,
        done: @escaping @Sendable ([ProjectionStatus]) -> Bool
    ) async throws {
        let logger = runner.logger
        // A runner in rebuild mode returns once it has switched: that ends the group.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [], logger: logger
            ))
        let log = runner.log
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask(operation: { try await group.run() })
            tasks.addTask(operation: {
                while true {
                    let statuses = runner.statuses()
                    if done(statuses) { await group.triggerGracefulShutdown() }
                    progress(statuses.map(\.checkpoint).min() ?? 0, try await log.head().position)
                    try await Task.sleep(for: .milliseconds(250))
                }
            })
            try await tasks.next()
            tasks.cancelAll()
        }
        for status in runner.statuses() where throwingForFailures {
            if case .failed(let position, let reason) = status.state {
                throw ProjectionError("\(status.name) cannot apply position \(position): \(reason)")
            }
        }
    }

    static func digests(_ projections: [any Projection], in store: ProjectionStore) throws -> [String: String] {
        var digests = [String: String]()
        for projection in projections { digests[projection.name] = try store.digest(projection.name) }
        return digests
    }
}

extension ProjectionStatus {
    var isFailed: Bool {
        if case .failed = state { return true }
        return false
    }
}
