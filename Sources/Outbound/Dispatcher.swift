import AsyncHTTPClient
import EventLog
import Logging
import Projections
import ServiceLifecycle
import Synchronization

/// Works through the outbox: calls out for each due action (or records a sandbox delivery) and appends what
/// happened: `action.attempted`, then `action.succeeded`, `action.failed` with the next try, or `action.dead`.
///
/// Only the dispatcher calls out, and only for requested actions. It takes a target only from a snapshot of the
/// outbox that has applied everything the dispatcher appended for that target, so an action is never taken twice;
/// pending actions survive a restart in the log.
package final class Dispatcher<Log: EventStore>: Service, Sendable {
    let log: Log
    let views: ProjectionStore
    let connectors: [String: any Connector]
    let configuration: ActionsConfiguration
    let client: HTTPClient
    let logger: Logger
    package let gates: TargetGates
    let health: ComponentHealth
    let metrics: any ActionMetrics
    private let runs = Mutex(TargetRuns())

    /// Which targets have a run of actions under way, and what was appended for runs the outbox has not applied yet.
    private struct TargetRuns {
        /// Targets (`channel/target`) with a run of actions under way.
        var busyTargets = Set<String>()
        /// For each target whose run has ended: the last position appended for it, until the outbox shows it
        /// applied. Till then the outbox still shows the run's actions as they were before it.
        var unseen: [String: UInt64] = [:]

        /// Whether `target` has no run under way and a snapshot at `checkpoint` shows everything appended for it.
        func isFree(_ target: String, at checkpoint: UInt64) -> Bool {
            !busyTargets.contains(target) && (unseen[target] ?? 0) <= checkpoint
        }
    }

    package init(
        log: Log, views: ProjectionStore, connectors: [any Connector], configuration: ActionsConfiguration,
        client: HTTPClient, health: ComponentHealth,
        metrics: any ActionMetrics, logger: Logger
    ) {
        self.log = log
        self.health = health
        self.metrics = metrics
        self.views = views
        self.connectors = Dictionary(connectors.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.client = client
        self.logger = logger
        let teamsSpacing = 1_000_000_000 / Int64(max(1, configuration.teamsPerSecond))
        gates = TargetGates(
            breakerFailures: configuration.breakerFailures, breakerSeconds: configuration.breakerSeconds
        ) { channel in
            channel == "teams" ? teamsSpacing : 0
        }
    }

    /// Until shutdown: look for due actions whenever the outbox moves (a new request, or the record of a call
    /// just made), when the first waiting action falls due or its target's rate limit or circuit opens, and at
    /// least every 20 ms while calls are in flight or every 100 ms when idle; let the calls in flight finish.
    package func run() async throws {
        health.running("dispatcher")
        let outbox = views.checkpointWatch("outbox")
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                var failing = false
                while !Task.isCancelled {
                    let seen = outbox.head
                    var timeout = Duration.milliseconds(100)
                    do {
                        let pass = try self.due()
                        for (target, run) in pass.runs {
                            group.addTask(operation: { await self.work(through: run, of: target) })
                        }
                        if !pass.runs.isEmpty
                            || self.runs.withLock({ !$0.busyTargets.isEmpty || !$0.unseen.isEmpty })
                        {
                            timeout = .milliseconds(20)
                        }
                        if let wakeAt = pass.wakeAt {
                            let untilThen = Duration.nanoseconds(
                                max(1_000_000, wakeAt - Timestamp.now().nanosecondsSinceEpoch))
                            timeout = min(timeout, untilThen)
                        }
                        if failing {
                            failing = false
                            self.health.running("dispatcher")
                        }
                    } catch {
                        if !failing { self.logger.error("could not read the outbox", metadata: ["error": "\(error)"]) }
                        failing = true
                        self.health.failing("dispatcher", reason: "could not read the outbox: \(error)")
                    }
                    if failing || outbox.isClosed {
                        try? await Task.sleep(for: .milliseconds(100))
                    } else {
                        _ = await outbox.wait(forPosition: seen + 1, timeout: timeout)
                    }
                }
            }
        }
    }

    /// How many actions of one target a pass takes, one after another, without reading the outbox in between.
    static var runLength: Int { 64 }

    /// What one pass over the outbox found.
    struct Pass {
        /// For each target taken for a run: its first unfinished actions in request order.
        var runs: [(target: String, run: [OutboxProjection.Entry])] = []
        /// The soonest time (nanoseconds since the epoch) at which a waiting target's first action falls due or its
        /// gate opens; `nil` when no free target waits.
        var wakeAt: Int64?
    }

    /// For each target that takes a call now: its first unfinished actions in request order (up to
    /// ``runLength``), when the first is due; the target is taken (busy, and through its gate) for the run.
    func due() throws -> Pass {
        try views.read("outbox") { reader in try due(in: reader) } ?? Pass()
    }

    /// ``due()`` from one snapshot of the outbox. A target is taken only when it is free and the snapshot has
    /// applied everything appended for it (checked at once, under one lock, with the run that ended); so a run that
    /// ends while the pass reads an older snapshot cannot have its actions taken again.
    ///
    /// Each target costs one seek and one decoded action; only a target that is free, due and let through by its
    /// gate has the rest of its run decoded, so a long queue that waits (for a retry, or for a rate limit) costs
    /// nothing per pass.
    func due(in reader: ProjectionReader) throws -> Pass {
        let now = Timestamp.now().nanosecondsSinceEpoch
        let checkpoint = reader.checkpoint
        runs.withLock { runs in
            if !runs.unseen.isEmpty { runs.unseen = runs.unseen.filter { $0.value > checkpoint } }
        }
        var pass = Pass()
        do {
            var after: String?
            while let (key, id) = try reader.list(String.self, in: "queue", after: after, limit: 1).first {
                let target = OutboxProjection.target(ofQueueKey: key)
                after = target + "\u{1}"
                // A target busy or with records unseen is woken by the outbox moving.
                guard runs.withLock({ $0.isFree(target, at: checkpoint) }),
                    let first = try reader.get(OutboxProjection.Entry.self, id, in: "pending")
                else { continue }
                guard first.dueAt <= now, take(target, for: first, now: now, at: checkpoint) else {
                    let opens = isSandbox(first) ? first.dueAt : max(first.dueAt, gates.opensAt(target))
                    pass.wakeAt = min(pass.wakeAt ?? .max, opens)
                    continue
                }
                pass.runs.append((target, [first]))
                let rest = try reader.list(String.self, in: "queue", prefix: target + "\u{0}", limit: Self.runLength)
                    .dropFirst()
                pass.runs[pass.runs.count - 1].run += try rest.compactMap { _, id in
                    try reader.get(OutboxProjection.Entry.self, id, in: "pending")
                }
            }
        } catch {
            for (target, run) in pass.runs { release(target, sandbox: isSandbox(run[0])) }
            throw error
        }
        return pass
    }

    private func isSandbox(_ entry: OutboxProjection.Entry) -> Bool {
        configuration.mode(of: entry.request.channel) == .sandbox
    }

    /// Takes `target` for a run that starts with `first`, if it is free at `checkpoint` (see ``TargetRuns/isFree(_:at:)``) and
    /// (unless the run is a sandbox one: nothing is called, so there is no rate or circuit to respect) its gate lets a
    /// call through now.
    private func take(_ target: String, for first: OutboxProjection.Entry, now: Int64, at checkpoint: UInt64) -> Bool {
        let sandbox = isSandbox(first)
        return runs.withLock { runs in
            guard runs.isFree(target, at: checkpoint) else { return false }
            if !sandbox { guard gates.enter(target, channel: first.request.channel, now: now) else { return false } }
            runs.busyTargets.insert(target)
            return true
        }
    }

    /// Frees a target taken by ``take(_:for:now:)`` without calling it.
    private func release(_ target: String, sandbox: Bool) {
        if !sandbox { gates.leave(target, failed: false, now: Timestamp.now().nanosecondsSinceEpoch) }
        runs.withLock { _ = $0.busyTargets.remove(target) }
    }

    /// Works through `run`, the first actions of one target: in sandbox mode records them all as delivered at
    /// once; live, calls out one after another, appending the record of each, while they succeed, are due and the
    /// target's gate lets them through. On shutdown mid-call it records nothing (the action stays pending).
    func work(through run: [OutboxProjection.Entry], of target: String) async {
        let appended =
            if let first = run.first, isSandbox(first) {
                await recordSandbox(run, of: target)
            } else {
                await callOut(run, of: target)
            }
        finished(target, appended: appended)
    }

    /// Frees `target` at the end of its run, in which the last position appended was `appended` (0 for none); it is
    /// not taken again until the outbox shows that position applied.
    func finished(_ target: String, appended: UInt64) {
        runs.withLock { runs in
            runs.busyTargets.remove(target)
            if appended > 0 { runs.unseen[target] = max(runs.unseen[target] ?? 0, appended) }
        }
    }

    /// Records `run` as delivered in sandbox mode, in one append (nothing is called, so nothing waits).
    private func recordSandbox(_ run: [OutboxProjection.Entry], of target: String) async -> UInt64 {
        let outcomes = run.compactMap { sandboxDelivery($0.request) }
        var appended: UInt64 = 0
        do {
            appended = try await log.append(outcomes.flatMap(\.events)).map(\.position).max() ?? 0
            for entry in run { metrics.action(channel: entry.request.channel, result: "succeeded") }
            logger.info(
                "actions delivered in sandbox mode", metadata: ["target": "\(target)", "count": "\(outcomes.count)"])
        } catch {
            logger.error("could not record sandbox deliveries", metadata: ["target": "\(target)", "error": "\(error)"])
        }
        return appended
    }

    /// Calls out for `run`'s actions one after another; returns the last position appended.
    private func callOut(_ run: [OutboxProjection.Entry], of target: String) async -> UInt64 {
        var appended: UInt64 = 0
        for (n, entry) in run.enumerated() {
            if n > 0 {
                let now = Timestamp.now().nanosecondsSinceEpoch
                guard !Task.isCancelled, entry.dueAt <= now,
                    gates.enter(target, channel: entry.request.channel, now: now)
                else { break }
            }
            let request = entry.request
            let outcome = await perform(entry)
            var recorded = false
            if let outcome {
                do {
                    appended = max(appended, try await log.append(outcome.events).map(\.position).max() ?? 0)
                    recorded = true
                    metrics.action(channel: request.channel, result: outcome.result)
                    logger.info(
                        "action attempted",
                        metadata: [
                            "action_id": "\(request.actionId)", "kind": "\(request.kind)",
                            "result": "\(outcome.result)", "attempt": "\(entry.attempts + 1)",
                        ])
                } catch {
                    logger.error(
                        "could not record an action attempt",
                        metadata: ["action_id": "\(request.actionId)", "error": "\(error)"])
                }
            }
            gates.leave(target, failed: outcome?.failed ?? false, now: Timestamp.now().nanosecondsSinceEpoch)
            guard recorded, outcome?.failed == false else { break }
        }
        return appended
    }
}
