import EventLog
import Logging
import Projections
import ServiceLifecycle

/// Runs reactors over the log as it grows. Each appends its action requests together with its checkpoint
/// (`reactor:<name>`) in one transaction, so after a crash it neither loses nor repeats a decision; and each
/// request's idempotency key would turn a repeat into a duplicate anyway. A reactor that has never run starts
/// at the head: it does not act on history.
///
/// A batch that asks for nothing moves the checkpoint only now and then (``idleCheckpointEvery``), so that
/// quiet reactors do not add a write to every group commit; after a crash they re-read those events and again
/// decide nothing.
package struct ReactorService<Log: EventStore>: Service {
    let log: Log
    let reactors: [any Reactor]
    let health: ComponentHealth
    let logger: Logger
    /// How long a reactor that decided nothing may leave its stored checkpoint behind.
    var idleCheckpointEvery: Duration = .seconds(1)
    /// How long a reactor that has caught up lets new events gather once the head moves, before it reads them. Under
    /// load the reactors then read, decide and append in a few larger batches (and wake about a hundred times a
    /// second) instead of once for every commit of the log; an action is decided that much later.
    var linger: Duration = .milliseconds(10)
    /// The recent events, read once for all the reactors.
    let window: LogWindow<Log>
    /// How many events a reactor reads at a time.
    static var batchSize: Int { 512 }

    /// Runs `reactors` over `log`, reporting each one's state to `health`.
    package init(log: Log, reactors: [any Reactor], health: ComponentHealth, logger: Logger) {
        self.log = log
        self.reactors = reactors
        self.health = health
        self.logger = logger
        window = LogWindow(log: log, capacity: 4 * Self.batchSize)
    }

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for reactor in reactors {
                    group.addTask(operation: { try await followUntilShutdown(reactor) })
                }
                try await group.waitForAll()
            }
        }
        // No reactor configured: keep running until shutdown, so the gateway goes on.
        try? await gracefulShutdown()
    }

    /// Follows `reactor` until shutdown. A failure (a full disk, say) is logged and shown in `/health` as
    /// `failing`, and the reactor starts again from its stored checkpoint after a pause that doubles up to 30 s.
    func followUntilShutdown(_ reactor: any Reactor) async throws {
        let component = "reactor:" + reactor.name
        health.running(component)
        var pause = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await follow(reactor, component: component)
                return
            } catch is CancellationError {
                return
            } catch let error as EventLogError where error.code == .closed {
                return
            } catch  where Task.isCancelled {
                return
            } catch {
                health.failing(component, reason: "\(error)")
                logger.error(
                    "reactor failed; it starts again from its checkpoint",
                    metadata: [
                        "reactor": "\(reactor.name)", "error": "\(error)", "retry_in": "\(pause)",
                    ])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(30))
            }
        }
    }

    func follow(_ reactor: any Reactor, component: String) async throws {
        let checkpointName = "reactor:\(reactor.name)"
        var checkpoint: UInt64
        if let stored = try await log.checkpoint(named: checkpointName) {
            checkpoint = stored
        } else {
            checkpoint = try await log.head().position
            _ = try await log.append([], checkpoint: CheckpointUpdate(name: checkpointName, position: checkpoint))
            logger.notice(
                "reactor starts at the head", metadata: ["reactor": "\(reactor.name)", "position": "\(checkpoint)"])
        }
        health.running(component)
        var stored = checkpoint
        var storedAt = ContinuousClock.now
        while !Task.isCancelled {
            let batch = try await window.events(from: checkpoint + 1, limit: Self.batchSize)
            guard let last = batch.last?.position else {
                if stored < checkpoint {
                    _ = try await log.append(
                        [], checkpoint: CheckpointUpdate(name: checkpointName, position: checkpoint))
                    (stored, storedAt) = (checkpoint, .now)
                }
                guard try await log.waitForEvents(after: checkpoint) else { return }
                try await Task.sleep(for: linger)
                continue
            }
            var requests = [NewEvent]()
            for event in batch {
                do {
                    requests += try await reactor.react(to: event).map { try $0.event() }
                } catch {
                    logger.warning(
                        "reactor skipped an event it cannot read",
                        metadata: [
                            "reactor": "\(reactor.name)", "position": "\(event.position)", "error": "\(error)",
                        ])
                }
            }
            checkpoint = last
            if !requests.isEmpty || ContinuousClock.now - storedAt >= idleCheckpointEvery {
                _ = try await log.append(requests, checkpoint: CheckpointUpdate(name: checkpointName, position: last))
                (stored, storedAt) = (last, .now)
            }
        }
    }
}
