import EventLog
import Foundation
import Logging
import Metrics
import Projections
import ServiceLifecycle

/// Evaluates the alert rules over the projections on a timer, live only, and appends `alert.fired` when a rule
/// starts to hold and `alert.resolved` when it stops: each once, whatever the number of evaluations between.
package struct AlertEvaluator<Log: EventStore>: Service {
    package init(
        log: Log, views: ProjectionStore, configuration: AlertsConfiguration,
        clock: @escaping @Sendable () -> Timestamp, logger: Logger,
        evaluations: Counter
    ) {
        (self.log, self.views, self.configuration, self.clock, self.logger, self.evaluations) = (
            log, views, configuration, clock, logger, evaluations
        )
    }

    let log: Log
    let views: ProjectionStore
    let configuration: AlertsConfiguration
    let clock: @Sendable () -> Timestamp
    let logger: Logger
    let evaluations: Counter

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await evaluate()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("could not evaluate the alerts", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(configuration.intervalSeconds))
            }
        }
    }

    /// One evaluation: every rule against the projections as they stand at the log's head.
    func evaluate() async throws {
        let head = try await log.head().position
        for name in ["alerts", "deliveries", "payments"] {
            _ = try await views.awaitCheckpoint(name, head, timeout: .seconds(5))
        }
        let active = Set(
            try views.read("alerts") { try $0.list(AlertsProjection.Alert.self, in: "active", limit: .max).map(\.key) }
                ?? [])
        var events = [NewEvent]()
        let now = clock()
        for (evaluated, firing) in try rules(now: now) where firing != active.contains(evaluated.name) {
            // The payload says what it describes: the rule, its figure and threshold, when and over which head.
            var alert = evaluated
            alert.state = firing ? "firing" : "resolved"
            alert.at = now.iso8601
            alert.position = head
            events.append(
                NewEvent(
                    type: firing ? AlertsProjection.fired : AlertsProjection.resolved, source: "alerts",
                    metadata: ["alert": alert.name],
                    payload: try ActionCoding.encode(alert)
                ))
            logger.notice(
                firing ? "alert fired" : "alert resolved",
                metadata: ["alert": "\(alert.name)", "message": "\(alert.message)"])
        }
        if !events.isEmpty { _ = try await log.append(events) }
        evaluations.increment()
    }

    /// Each rule's alert and whether it holds at `now`.
    func rules(now: Timestamp) throws -> [(AlertsProjection.Alert, Bool)] {
        let c = configuration
        let rejected =
            try views.read("deliveries") { reader in
                try reader.list(DeliveriesProjection.SourceTotals.self, in: "sources", limit: .max).reduce(0) {
                    sum, source in
                    sum
                        + (try DeliveriesProjection.window(
                            reader, source: source.key, minutes: c.rejectionMinutes, now: now
                        ).rejected)
                }
            } ?? 0
        let hour = now.iso8601(.hour)
        let previousHour = Timestamp.iso8601(secondsSinceEpoch: now.seconds - 3600, .hour)
        let (attempts, failures, drops) =
            try views.read("payments") { reader -> (Int, Int, [String]) in
                let hours = try [hour, previousHour].compactMap {
                    try reader.get(PaymentsProjection.Hourly.self, $0, in: "hourly")
                }
                return (
                    hours.reduce(0) { $0 + $1.attempts }, hours.reduce(0) { $0 + $1.failures },
                    try revenueDrops(reader, now: now)
                )
            } ?? (0, 0, [])
        return [
            (
                AlertsProjection.Alert(
                    name: "webhook_rejections", severity: "critical",
                    message:
                        "\(rejected) webhooks rejected in the last \(c.rejectionMinutes) minutes (threshold \(c.rejections))",
                    value: Int64(rejected), threshold: Int64(c.rejections)),
                rejected > c.rejections
            ),
            (
                AlertsProjection.Alert(
                    name: "payment_error_rate", severity: "critical",
                    message:
                        "\(failures) of \(attempts) payment attempts failed in the last hour (threshold \(c.paymentErrorRatePercent) %)",
                    value: attempts > 0 ? Int64(failures * 100 / attempts) : 0,
                    threshold: Int64(c.paymentErrorRatePercent)),
                attempts > 0 && failures * 100 > c.paymentErrorRatePercent * attempts
            ),
            (
                AlertsProjection.Alert(
                    name: "revenue_drop", severity: "warning",
                    message:
                        "net revenue today is more than \(c.revenueDropPercent) % below yesterday's at this hour: \(drops.joined(separator: ", "))",
                    value: Int64(drops.count), threshold: Int64(c.revenueDropPercent)),
                !drops.isEmpty
            ),
        ]
    }

    /// The currencies whose net revenue today, up to this hour, is more than the threshold below yesterday's.
    func revenueDrops(_ reader: ProjectionReader, now: Timestamp) throws -> [String] {
        let day = now.iso8601(.day)
        let yesterday = Timestamp.iso8601(secondsSinceEpoch: now.seconds - 86_400, .day)
        let hour = String(now.iso8601(.hour).suffix(2))
        // Sums of amounts that input decides: in 128 bits, so that no day's totals can overflow them.
        var net = [String: (today: Int128, yesterday: Int128)]()
        for (key, totals) in try reader.list(
            PaymentsProjection.Daily.self, in: "hourly_ledger", prefix: yesterday, limit: .max)
            + (try reader.list(PaymentsProjection.Daily.self, in: "hourly_ledger", prefix: day, limit: .max))
        {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, String(parts[0].dropFirst(11)) <= hour else { continue }
            let amount = Int128(totals.gross) - Int128(totals.refunded)
            if parts[0].hasPrefix(day) {
                net[parts[1], default: (0, 0)].today += amount
            } else {
                net[parts[1], default: (0, 0)].yesterday += amount
            }
        }
        let kept = Int128(100 - configuration.revenueDropPercent)
        return net.filter { $0.value.yesterday > 0 && $0.value.today * 100 < $0.value.yesterday * kept }
            .keys.sorted()
    }
}
