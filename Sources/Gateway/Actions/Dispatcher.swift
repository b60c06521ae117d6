import AsyncHTTPClient
import EventLog
import Logging
import Projections
import ServiceLifecycle
import Synchronization

/// Works through the outbox: calls out for each due action (or records a sandbox delivery) and appends what
/// happened: `action.attempted`, then `action.succeeded`, `action.failed` with the next try, or `action.dead`.
///
/// Only the dispatcher calls out, and only for requested actions. It reads the outbox projection only once that
/// has applied everything the dispatcher appended, so an action is never taken twice; pending actions survive
/// a restart in the log.
final class Dispatcher<Log: EventStore>: Service, Sendable {
    let log: Log
    let views: ProjectionStore
    let connectors: [String: any Connector]
    let configuration: ActionsConfiguration
    let client: HTTPClient
    let logger: Logger
    let gates: TargetGates
    let health: ComponentHealth
    let metrics: GatewayMetrics
    private let progress = Mutex(Progress())

    private struct Progress {
        var inFlight = Set<String>()
        var lastAppended: UInt64 = 0
        /// `lastAppended` when the outbox last showed it applied.
        var seenAppended: UInt64 = 0
    }

    init(log: Log, views: ProjectionStore, connectors: [any Connector], configuration: ActionsConfiguration, client: HTTPClient, health: ComponentHealth,
         metrics: GatewayMetrics, logger: Logger) {
        self.log = log
        self.health = health
        self.metrics = metrics
        self.views = views
        self.connectors = Dictionary(connectors.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.client = client
        self.logger = logger
        let teamsSpacing = 1_000_000_000 / Int64(max(1, configuration.teamsPerSecond))
        gates = TargetGates(breakerFailures: configuration.breakerFailures, breakerSeconds: configuration.breakerSeconds) { channel in
            channel == "teams" ? teamsSpacing : 0
        }
    }

    /// Until shutdown: look for due actions, every 2 ms while actions are in flight or just finished and every
    /// 20 ms when idle, and let the calls in flight finish.
    func run() async throws {
        health.running("dispatcher")
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                var failing = false
                var busy = false
                while !Task.isCancelled {
                    do {
                        let due = try self.due()
                        for entry in due {
                            group.addTask(operation: { await self.attempt(entry) })
                        }
                        busy = !due.isEmpty || self.progress.withLock { !$0.inFlight.isEmpty || $0.lastAppended > $0.seenAppended }
                        if failing {
                            failing = false
                            self.health.running("dispatcher")
                        }
                    } catch {
                        if !failing { self.logger.error("could not read the outbox", metadata: ["error": "\(error)"]) }
                        failing = true
                        self.health.failing("dispatcher", reason: "could not read the outbox: \(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(busy ? 2 : 20))
                }
            }
        }
    }

    /// The first unfinished action of each target, if it is due and its target takes a call now.
    func due() throws -> [OutboxProjection.Entry] {
        let appended = progress.withLock { $0.lastAppended }
        // One snapshot: the outbox is read only when it has applied everything this dispatcher appended. Each
        // target's first action in request order is one seek into the queue.
        let heads = try views.read("outbox") { reader -> [String: OutboxProjection.Entry] in
            guard reader.checkpoint >= appended else { return [:] }
            progress.withLock { $0.seenAppended = max($0.seenAppended, appended) }
            var heads = [String: OutboxProjection.Entry]()
            var after: String?
            while let (key, id) = try reader.list(String.self, in: "queue", after: after, limit: 1).first {
                after = OutboxProjection.nextTarget(after: key)
                if let entry = try reader.get(OutboxProjection.Entry.self, id, in: "pending") {
                    heads[entry.request.channel + "/" + entry.request.target] = entry
                }
            }
            return heads
        } ?? [:]
        let now = Timestamp.now().nanosecondsSinceEpoch
        return heads.compactMap { key, entry in
            guard entry.dueAt <= now else { return nil }
            let taken = progress.withLock { progress in
                guard !progress.inFlight.contains(entry.request.actionId) else { return false }
                guard gates.enter(key, channel: entry.request.channel, now: now) else { return false }
                progress.inFlight.insert(entry.request.actionId)
                return true
            }
            return taken ? entry : nil
        }
    }

    /// Makes one attempt and appends its record; on shutdown mid-call, records nothing (the action stays pending).
    func attempt(_ entry: OutboxProjection.Entry) async {
        let request = entry.request
        let key = request.channel + "/" + request.target
        let outcome = await perform(entry)
        var appended: UInt64 = 0
        if let outcome {
            do {
                appended = try await log.append(outcome.events).map(\.position).max() ?? 0
                metrics.action(channel: request.channel, result: outcome.result)
                logger.info("action attempted", metadata: [
                    "action_id": "\(request.actionId)", "kind": "\(request.kind)", "result": "\(outcome.result)", "attempt": "\(entry.attempts + 1)",
                ])
            } catch {
                logger.error("could not record an action attempt", metadata: ["action_id": "\(request.actionId)", "error": "\(error)"])
            }
        }
        gates.leave(key, failed: outcome?.failed ?? false, now: Timestamp.now().nanosecondsSinceEpoch)
        progress.withLock { progress in
            progress.inFlight.remove(request.actionId)
            progress.lastAppended = max(progress.lastAppended, appended)
        }
    }
}
