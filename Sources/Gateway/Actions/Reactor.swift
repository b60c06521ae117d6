import EventLog
import Logging
import Projections
import ServiceLifecycle

/// Decides outbound actions from events: a pure function from one event to the actions it calls for.
///
/// Reactors run only in the gateway, live: never in a replay or a rebuild.
protocol Reactor: Sendable {
    /// A stable name: it is part of each action's id and of the reactor's checkpoint.
    var name: String { get }
    /// The actions `event` calls for; an event the reactor cannot read throws, and is skipped with a warning.
    func react(to event: Event) async throws -> [ActionRequest]
}

/// Runs reactors over the log as it grows. Each appends its action requests together with its checkpoint
/// (`reactor:<name>`) in one transaction, so after a crash it neither loses nor repeats a decision; and each
/// request's idempotency key would turn a repeat into a duplicate anyway. A reactor that has never run starts
/// at the head: it does not act on history.
struct ReactorService<Log: EventStore>: Service {
    let log: Log
    let reactors: [any Reactor]
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for reactor in reactors {
                    group.addTask(operation: { try await followUntilShutdown(reactor) })
                }
                try await group.waitForAll()
            }
        }
        // No reactor (none configured, or all stopped): keep running until shutdown, so the gateway goes on.
        try? await gracefulShutdown()
    }

    /// Follows `reactor` until shutdown; a failure stops this reactor only, and is logged.
    func followUntilShutdown(_ reactor: any Reactor) async throws {
        do {
            try await follow(reactor)
        } catch is CancellationError {
            return
        } catch let error as EventLogError where error.code == .closed {
            return
        } catch {
            logger.error("reactor stopped", metadata: ["reactor": "\(reactor.name)", "error": "\(error)"])
        }
    }

    func follow(_ reactor: any Reactor) async throws {
        let checkpointName = "reactor:\(reactor.name)"
        var checkpoint: UInt64
        if let stored = try await log.checkpoint(named: checkpointName) {
            checkpoint = stored
        } else {
            checkpoint = try await log.head().position
            _ = try await log.append([], checkpoint: CheckpointUpdate(name: checkpointName, position: checkpoint))
            logger.notice("reactor starts at the head", metadata: ["reactor": "\(reactor.name)", "position": "\(checkpoint)"])
        }
        while !Task.isCancelled {
            let batch = try await log.events(from: checkpoint + 1, limit: 512)
            guard let last = batch.last?.position else {
                var waiting = log.subscribe(from: checkpoint + 1).makeAsyncIterator()
                guard try await waiting.next() != nil else { return }
                continue
            }
            var requests = [NewEvent]()
            for event in batch {
                do {
                    requests += try await reactor.react(to: event).map { try $0.event() }
                } catch {
                    logger.warning("reactor skipped an event it cannot read", metadata: [
                        "reactor": "\(reactor.name)", "position": "\(event.position)", "error": "\(error)",
                    ])
                }
            }
            _ = try await log.append(requests, checkpoint: CheckpointUpdate(name: checkpointName, position: last))
            checkpoint = last
        }
    }
}
