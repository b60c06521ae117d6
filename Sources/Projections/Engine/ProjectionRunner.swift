import EventLog
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps every projection caught up with the log: from its checkpoint, in batches, then live.
///
/// Payload decoding runs in parallel off the writer; applying runs in log order on the views writer thread,
/// with the checkpoint in the same transaction. A projection whose code version differs from its live one is
/// built beside it from position 0 and switched to in one transaction once caught up. A projection that
/// cannot decode or apply an event stops there and reports it; the others go on.
public final class ProjectionRunner<Log: EventStore>: Service, Sendable {
    let log: Log
    let store: ProjectionStore
    let projections: [AnyProjection]
    let logger: Logger
    let batchSize: Int
    let upcasters: Upcasters
    let cacheCapacity: Int
    private let status = Mutex<[String: ProjectionStatus]>([:])

    /// Runs `projections` from `log` into `store`, applying up to `batchSize` events a transaction and keeping up
    /// to `cacheCapacity` decoded records of each projection in memory between batches.
    public init(
        log: Log, store: ProjectionStore, projections: [any Projection], logger: Logger, batchSize: Int = 4096,
        cacheCapacity: Int = 100_000, upcasters: Upcasters = .builtIn
    ) {
        self.cacheCapacity = cacheCapacity
        self.upcasters = upcasters
        self.log = log
        self.store = store
        self.projections = projections.map { AnyProjection($0) }
        self.logger = logger
        self.batchSize = batchSize
    }

    /// Every projection's status, by name.
    public func statuses() -> [ProjectionStatus] {
        status.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// The tables of projection `name`, for digests.
    public func tables(of name: String) -> [String]? {
        projections.first { $0.name == name }?.tables
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for projection in self.projections {
                    group.addTask(operation: { await self.followReportingErrors(projection) })
                }
                try await group.waitForAll()
            }
        }
        // Every projection has stopped (failed, or the log closed): keep running until shutdown, so that the
        // rest of the service group goes on serving.
        try? await gracefulShutdown()
    }

    /// Prepares `projection`'s tables and returns the live version and its own checkpoint.
    func prepare(_ projection: AnyProjection) async throws -> (live: Int, checkpoint: UInt64, databases: [String: Database<String, [UInt8]>]) {
        let store = self.store
        return try await store.worker.run {
            try store.env.write { txn in
                let databases = try store.databases(projection, version: projection.version, in: txn)
                let live = try store.liveVersion(projection.name, in: txn) ?? projection.version
                if live == projection.version {
                    try store.meta.put(UInt64(live).storedBytes, for: "live:\(projection.name)", in: txn)
                } else {
                    _ = try store.databases(projection, version: live, in: txn)
                }
                return (live, try store.checkpoint(projection.name, version: projection.version, in: txn), databases)
            }
        }
    }

    /// Follows `projection` until shutdown; a storage error stops only this projection, and is reported.
    func followReportingErrors(_ projection: AnyProjection) async {
        do {
            try await follow(projection)
        } catch let error as EventLogError where error.code == .closed {
            return
        } catch is CancellationError {
            return
        } catch {
            let checkpoint = status.withLock { $0[projection.name]?.checkpoint } ?? 0
            setStatus(projection, live: projection.version, checkpoint: checkpoint, state: .failed(position: checkpoint + 1, reason: "\(error)"))
            logger.error("projection stopped on a storage error", metadata: ["projection": "\(projection.name)", "error": "\(error)"])
        }
    }

    func follow(_ projection: AnyProjection) async throws {
        let prepared = try await prepare(projection)
        var (live, checkpoint) = (prepared.live, prepared.checkpoint)
        var state = ProjectionState(databases: prepared.databases, capacity: cacheCapacity)
        setStatus(projection, live: live, checkpoint: checkpoint, state: live == projection.version ? .live : .building)
        if live != projection.version {
            logger.notice("building a new projection version", metadata: [
                "projection": "\(projection.name)", "version": "\(projection.version)", "live_version": "\(live)",
            ])
        }
        var prefetched: DecodedBatch?
        while !Task.isCancelled {
            let batch: DecodedBatch
            if let next = prefetched {
                batch = next
                prefetched = nil
            } else {
                batch = try await load(from: checkpoint + 1, for: projection)
            }
            guard let last = batch.events.last?.position else {
                if live != projection.version {
                    try await switchLive(projection, from: live)
                    live = projection.version
                    setStatus(projection, live: live, checkpoint: checkpoint, state: .live)
                    continue
                }
                var waiting = log.subscribe(from: checkpoint + 1).makeAsyncIterator()
                guard try await waiting.next() != nil else { return }
                continue
            }
            let failure: ApplyFailure?
            if batch.events.count == batchSize {
                // Catching up: read and decode the next batch while this one is folded and committed.
                async let next = load(from: last + 1, for: projection)
                failure = try await apply(batch, to: projection, state: &state)
                prefetched = failure == nil ? try await next : nil
            } else {
                failure = try await apply(batch, to: projection, state: &state)
            }
            if let failure {
                setStatus(projection, live: live, checkpoint: failure.position - 1, state: .failed(position: failure.position, reason: failure.reason))
                logger.error("projection stopped at an event it cannot apply", metadata: [
                    "projection": "\(projection.name)", "position": "\(failure.position)", "reason": "\(failure.reason)",
                ])
                return
            }
            checkpoint = last
            setStatus(projection, live: live, checkpoint: checkpoint, state: live == projection.version ? .live : .building)
        }
    }

    private func setStatus(_ projection: AnyProjection, live: Int, checkpoint: UInt64, state: ProjectionStatus.State) {
        status.withLock {
            $0[projection.name] = ProjectionStatus(
                name: projection.name, version: projection.version, liveVersion: live, checkpoint: checkpoint, state: state
            )
        }
    }
}
