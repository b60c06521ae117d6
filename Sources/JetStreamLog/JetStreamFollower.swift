import Logging
import ServiceLifecycle

/// Keeps a node's replica up with the stream while the node runs, so that what other gateways append reaches this
/// node's projections (and its readers' `min_position`) within `interval`. A node's own appends are in its replica
/// as soon as they are acknowledged. Stream errors (a lost quorum, a restarting server) are logged once per spell
/// and retried at each tick.
package struct JetStreamFollower: Service {
    let store: JetStreamEventStore
    let interval: Duration
    let logger: Logger

    package init(store: JetStreamEventStore, interval: Duration = .milliseconds(100), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        var failing = false
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await store.refresh()
                if failing { logger.notice("the replica follows the stream again") }
                failing = false
            } catch {
                if !failing {
                    logger.warning("the replica cannot read the stream; retrying", metadata: ["error": "\(error)"])
                }
                failing = true
            }
            try? await Task.sleep(for: interval)
        }
    }
}
