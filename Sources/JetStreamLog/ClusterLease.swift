import EventLog
import Foundation
import Logging
import ServiceLifecycle
import Metrics
import Synchronization

/// Runs work that must run once in the cluster (the reactors and the dispatcher) on the one node that holds the
/// lease, a key in a JetStream key-value bucket: taken only when absent, renewed every `ttl / 4` from the
/// revision this node last wrote, and gone `ttl` after its holder's last renewal. A holder that cannot renew
/// within `ttl / 2` of its last renewal stops the work at once, before its lease can have passed to another node;
/// another node takes it within `ttl` of the holder's end. What the work does must not depend on which node does
/// it: actions have deterministic keys, and a reactor's checkpoint travels in the stream with its appends.
package final class ClusterLease: Service, Sendable {
    private let store: JetStreamEventStore
    private let bucketName: String
    private let bucketBox = Mutex<LeaseBucket?>(nil)
    private let pool = ThreadPool(name: "lease")
    package let node: String
    let ttl: Duration
    let logger: Logger
    private let makeWork: @Sendable () -> [any Service]
    private let held = Atomic<Bool>(false)
    private let holderName = Mutex<String?>(nil)
    private let heldGauge: Gauge

    /// A lease in bucket `bucket` on `store`'s servers, for `node`; `work` makes the services to run while it is
    /// held (made anew each time the lease is taken).
    package init(
        store: JetStreamEventStore, bucket: String = "SWITCHYARD_LEASE", node: String, ttl: Duration = .seconds(6),
        logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory, work: @escaping @Sendable () -> [any Service]
    ) {
        self.store = store
        bucketName = bucket
        self.node = node
        self.ttl = ttl
        self.logger = logger
        makeWork = work
        heldGauge = Gauge(label: "switchyard_cluster_lease_held", dimensions: [("node", node)], factory: metrics)
    }

    /// The bucket, opened (or created) at first use; `nil` while the servers do not answer.
    private var bucket: LeaseBucket? {
        get async {
            if let bucket = bucketBox.withLock({ $0 }) { return bucket }
            let connection = store.connection
            let (name, ttl, replicas) = (bucketName, ttl, connection.configuration.replicas)
            do {
                let bucket = try await pool.run {
                    try LeaseBucket(connection: connection, bucket: name, ttl: ttl, replicas: replicas)
                }
                bucketBox.withLock { $0 = bucket }
                return bucket
            } catch {
                logger.warning(
                    "cannot open the lease bucket; retrying", metadata: ["bucket": "\(name)", "error": "\(error)"])
                return nil
            }
        }
    }

    /// Whether this node holds the lease now.
    package var isHeld: Bool { held.load(ordering: .relaxed) }
    /// The holder last seen (this node or another), or `nil`.
    package var holder: String? { holderName.withLock { $0 } }

    package func run() async throws {
        defer { pool.stop() }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let node = self.node
            if let bucket = await self.bucket {
                if let revision = (try? await pool.run({ try bucket.acquire(node) })) ?? nil {
                    logger.notice(
                        "took the cluster lease: reactors and the dispatcher run on this node",
                        metadata: ["node": "\(node)"])
                    holderName.withLock { $0 = node }
                    held.store(true, ordering: .relaxed)
                    heldGauge.record(1)
                    await hold(bucket, from: revision)
                    held.store(false, ordering: .relaxed)
                    heldGauge.record(0)
                    logger.notice("gave up the cluster lease", metadata: ["node": "\(node)"])
                } else {
                    let current = (try? await pool.run { try bucket.holder() }) ?? nil
                    holderName.withLock { $0 = current }
                }
            }
            try? await Task.sleep(for: ttl / 4)
        }
    }

    private enum Renewal { case renewed(UInt64), lost, failed }

    private func renew(_ bucket: LeaseBucket, from revision: UInt64) async -> Renewal {
        let node = self.node
        do {
            let next = try await pool.run { try bucket.renew(node, from: revision) }
            return next.map(Renewal.renewed) ?? .lost
        } catch {
            return .failed
        }
    }

    /// Runs the work while renewals succeed; returns once it is stopped.
    private func hold(_ bucket: LeaseBucket, from first: UInt64) async {
        let group = ServiceGroup(services: makeWork(), gracefulShutdownSignals: [], logger: logger)
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await group.run() }
            await renewUntilLost(bucket, from: first)
            await group.triggerGracefulShutdown()
        }
    }

    /// Renews every quarter of the lease; returns when another node took it, when a renewal has failed for half the
    /// lease, or at shutdown.
    private func renewUntilLost(_ bucket: LeaseBucket, from first: UInt64) async {
        var revision = first
        var renewed = ContinuousClock.now
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: ttl / 4)
            switch await renew(bucket, from: revision) {
            case .renewed(let next):
                revision = next
                renewed = .now
            case .lost:
                logger.warning("another node took the cluster lease", metadata: ["node": "\(node)"])
                return
            case .failed:
                if ContinuousClock.now - renewed >= ttl / 2 {
                    logger.warning(
                        "cannot renew the cluster lease: stopping the reactors and the dispatcher",
                        metadata: ["node": "\(node)"])
                    return
                }
            }
        }
    }
}
