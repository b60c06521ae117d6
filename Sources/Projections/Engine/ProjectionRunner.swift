import EventLog
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps projections caught up with the log: from a checkpoint, in batches, then live.
///
/// Payload decoding runs in parallel and folding in log order, for each projection, on the runner's own threads
/// (at a lower scheduling priority, `niceness`, so that under load webhooks are acknowledged first); the views writer
/// stores the changes with the checkpoint in one transaction. A projection whose code version differs from its
/// live one is built beside it from position 0 and switched to in one transaction once caught up; so is every
/// projection in ``Mode/rebuild``. A projection that cannot decode or apply an event stops there and reports it;
/// the others go on.
package final class ProjectionRunner<Log: EventStore>: Service, Sendable {
    /// What the runner does with its projections.
    package enum Mode: Sendable {
        /// Keep each projection live, build a new version beside it when the code's version differs, and follow a
        /// rebuild that another process switched to. The gateway's mode.
        case follow
        /// Build each projection anew from position 0 beside its live state, switch to it once caught up, and
        /// stop. The mode of `replay rebuild`.
        case rebuild
    }

    let log: Log
    let store: ProjectionStore
    let projections: [AnyProjection]
    let logger: Logger
    let batchSize: Int
    let upcasters: Upcasters
    let cacheCapacity: Int
    let mode: Mode
    let owner: String
    let niceness: Int32
    /// The recent events, read once for all the projections that follow the log together.
    let window: LogWindow<Log>
    private let status = Mutex<[String: ProjectionStatus]>([:])

    /// Runs `projections` from `log` into `store`, applying up to `batchSize` events a transaction and keeping up
    /// to `cacheCapacity` decoded records of each projection in memory between batches. `owner` names this
    /// runner in the build claims that other processes see; a restarted runner with the same owner resumes its
    /// own build. Decoding and folding run on one thread per core at `niceness` (default 10: below request
    /// handling when the CPU is busy, as fast as ever when it is not).
    package init(
        log: Log, store: ProjectionStore, projections: [any Projection], logger: Logger, batchSize: Int = 4096,
        cacheCapacity: Int = 25_000, upcasters: Upcasters = .builtIn, mode: Mode = .follow, owner: String = "gateway",
        niceness: Int32 = 10
    ) {
        self.niceness = niceness
        self.log = log
        window = LogWindow(log: log, capacity: 4 * batchSize)
        self.store = store
        self.projections = projections.map { AnyProjection($0) }
        self.logger = logger
        self.batchSize = batchSize
        self.cacheCapacity = cacheCapacity
        self.upcasters = upcasters
        self.mode = mode
        self.owner = owner
    }

    /// Every projection's status, by name.
    package func statuses() -> [ProjectionStatus] {
        status.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// The tables of projection `name`.
    package func tables(of name: String) -> [String]? {
        projections.first { $0.name == name }?.tables
    }

    package func run() async throws {
        let workers = ThreadPool(
            name: "projections", threads: ProcessInfo.processInfo.activeProcessorCount, niceness: niceness)
        defer { workers.stop() }
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for projection in self.projections {
                    group.addTask(operation: { await self.runReportingErrors(projection, on: workers) })
                }
                try await group.waitForAll()
            }
        }
        // Every projection has stopped (done, failed, or the log closed): keep running until shutdown, so that the
        // rest of the service group goes on serving.
        if mode == .follow { try? await gracefulShutdown() }
    }

    /// Runs `projection` until it is done or shut down. In ``Mode/follow``, a storage error (a full disk, an I/O error) is retried from
    /// the stored checkpoint, after a pause that doubles from 100 ms up to 30 s, until it clears; meanwhile the
    /// projection shows ``ProjectionStatus/State/retrying(reason:)``. Any other error stops only this projection,
    /// and is reported.
    func runReportingErrors(_ projection: AnyProjection, on workers: ThreadPool) async {
        var pause = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await run(projection, on: workers)
                return
            } catch let error as EventLogError where error.code == .closed {
                return
            } catch is CancellationError {
                return
            } catch  where Task.isCancelled {
                // Stopped from outside (the service group is cancelled, say because the server could not start): the
                // storage may close under it, and that is not the projection's failure.
                return
            } catch  where mode == .follow && Self.isRetriable(error) {
                let current = status.withLock { $0[projection.name] }
                set(
                    projection, slot: nil, live: current?.liveVersion ?? projection.version,
                    checkpoint: current?.checkpoint ?? 0,
                    state: .retrying(reason: "\(error)"))
                logger.error(
                    "projection cannot write its views; it tries again from its checkpoint",
                    metadata: [
                        "projection": "\(projection.name)", "error": "\(error)", "retry_in": "\(pause)",
                    ])
                do { try await Task.sleep(for: pause) } catch { return }
                pause = min(pause * 2, .seconds(30))
            } catch {
                let current = status.withLock { $0[projection.name] }
                set(
                    projection, slot: nil, live: current?.liveVersion ?? projection.version,
                    checkpoint: current?.checkpoint ?? 0,
                    state: .failed(position: (current?.checkpoint ?? 0) + 1, reason: "\(error)"))
                logger.error("projection stopped", metadata: ["projection": "\(projection.name)", "error": "\(error)"])
                return
            }
        }
    }

    /// Whether `error` is the storage's, and may clear by itself: not the events' fault, nor a bug.
    static func isRetriable(_ error: any Error) -> Bool {
        switch error {
        case let error as EventLogError: error.code == .storageFull || error.code == .storageFailure
        case is LMDBError: true
        default: false
        }
    }

    func run(_ projection: AnyProjection, on workers: ThreadPool) async throws {
        while !Task.isCancelled {
            switch try await plan(projection) {
            case .wait(let reason, let live):
                set(projection, slot: nil, live: live, checkpoint: 0, state: .waiting(reason: reason))
                try await Task.sleep(for: .seconds(1))
            case .run(let task):
                if try await drive(projection, task, on: workers) == .finished { return }
            }
        }
    }

    func set(
        _ projection: AnyProjection, slot: ProjectionSlot?, live: Int, checkpoint: UInt64, state: ProjectionStatus.State
    ) {
        status.withLock {
            let slot = slot ?? $0[projection.name]?.slot
            $0[projection.name] = ProjectionStatus(
                name: projection.name, version: projection.version, liveVersion: live, slot: slot,
                checkpoint: checkpoint, state: state
            )
        }
    }
}
