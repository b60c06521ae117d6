import EventLog
import Metrics
import Projections
import Prometheus
import Synchronization
import Outbound

/// The gateway's metrics, kept in its own Prometheus registry and served at `/metrics`.
package final class GatewayMetrics: ActionMetrics {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// How long a durable append took, from the route's point of view.
    let appendDuration: Metrics.Timer
    /// The log's head position.
    let logHead: Metrics.Gauge
    /// Webhook requests being handled right now.
    let inFlight: Metrics.Meter
    /// Rejections that were only counted, because the sender's quota for logging them was used up.
    let unloggedRejections: Metrics.Counter
    /// Evaluations of the alert rules.
    let alertEvaluations: Metrics.Counter
    private let counters = Mutex<[String: Metrics.Counter]>([:])
    private let gauges = Mutex<[String: Metrics.Gauge]>([:])
    private let duplicateCounts = Mutex<[String: Int]>([:])
    /// When this process started counting.
    let since = Timestamp.now()

    package init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        appendDuration = Metrics.Timer(label: "switchyard_append_duration_seconds", factory: factory)
        logHead = Metrics.Gauge(label: "switchyard_log_head", factory: factory)
        inFlight = Metrics.Meter(label: "switchyard_webhooks_in_flight", factory: factory)
        unloggedRejections = Metrics.Counter(label: "switchyard_rejections_unlogged_total", factory: factory)
        alertEvaluations = Metrics.Counter(label: "switchyard_alert_evaluations_total", factory: factory)
    }

    /// Counts one request to `route` that ended with `outcome` (`accepted`, `duplicate`, or an error code).
    func request(route: String, outcome: String) {
        counter("switchyard_http_requests_total", key: route + "|" + outcome, [("route", route), ("outcome", outcome)])
            .increment()
    }

    /// Counts one recorded action attempt on `channel` that ended `result` (`succeeded`, `failed` or `dead`).
    package func action(channel: String, result: String) {
        counter("switchyard_actions_total", key: channel + "|" + result, [("channel", channel), ("result", result)])
            .increment()
    }

    /// The counter `label` with `dimensions`, made on first use; `key` tells its dimension values apart. The
    /// dimensions are built only then: this runs on every webhook.
    private func counter(
        _ label: String, key: String, _ dimensions: @autoclosure () -> [(String, String)]
    ) -> Metrics.Counter {
        Self.made(in: counters, label + "|" + key) {
            Metrics.Counter(label: label, dimensions: dimensions(), factory: factory)
        }
    }

    /// The gauge `label` with `dimensions`, made on first use; `key` tells its dimension values apart.
    private func gauge(
        _ label: String, key: String, _ dimensions: @autoclosure () -> [(String, String)]
    ) -> Metrics.Gauge {
        Self.made(in: gauges, label + "|" + key) {
            Metrics.Gauge(label: label, dimensions: dimensions(), factory: factory)
        }
    }

    /// The metric at `key` in `table`, made by `make` and kept there the first time.
    private static func made<M>(in table: borrowing Mutex<[String: M]>, _ key: String, _ make: () -> M) -> M {
        table.withLock { table in
            if let metric = table[key] { return metric }
            let metric = make()
            table[key] = metric
            return metric
        }
    }

    /// Sets what is read at scrape time rather than counted as it happens: the log's head and map use, each
    /// projection's checkpoint, lag behind the head and whether it has stopped, and whether each reactor and the
    /// dispatcher is running.
    func refresh(
        head: UInt64, usage: StorageUsage, projections: [ProjectionStatus],
        components: [String: ComponentHealth.Component]
    ) {
        logHead.record(Int64(head))
        gauge("switchyard_log_map_used_bytes", key: "", []).record(Int64(usage.usedBytes))
        gauge("switchyard_log_map_size_bytes", key: "", []).record(Int64(usage.capacityBytes))
        for projection in projections {
            let dimensions = [("projection", projection.name)]
            gauge("switchyard_projection_checkpoint", key: projection.name, dimensions).record(
                Int64(projection.checkpoint))
            gauge("switchyard_projection_lag_events", key: projection.name, dimensions).record(
                Int64(head - min(head, projection.checkpoint)))
            let failed = if case .failed = projection.state { 1 } else { 0 }
            gauge("switchyard_projection_failed", key: projection.name, dimensions).record(failed)
        }
        for (name, component) in components {
            gauge("switchyard_component_running", key: name, [("component", name)]).record(
                component.state == "running" ? 1 : 0)
        }
    }

    /// Counts a duplicate delivery from `source`: it appends nothing to the log, so only the gateway knows it.
    func duplicate(source: String) {
        duplicateCounts.withLock { $0[source, default: 0] += 1 }
    }

    /// Duplicates by source since ``since``.
    func duplicates() -> [String: Int] {
        duplicateCounts.withLock { $0 }
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return buffer
    }
}
