import EventLog
import Foundation
import HTTPTypes
import Outbound
import Projections

extension ConsoleController {
    /// The overview: webhooks per source over the last hour and day, rejections by reason, the log, the projections,
    /// reactors and dispatcher, active alerts, and the newest events; live through `/api/stream`.
    func overview(_ page: inout PageContext) async throws -> String {
        let head = try await log.head()
        let usage = try? await log.storageUsage()
        let now = Timestamp.now()
        let nowMinute = now.seconds / 60
        var hourly = [(received: Int64, rejected: Int64)](repeating: (0, 0), count: 24)
        var minutes = [(received: Int64, rejected: Int64)](repeating: (0, 0), count: 60)
        var sources = [[String: Any]]()
        var reasons = [[String: Any]]()
        _ = try store.read("deliveries") { reader in
            for (source, totals) in try reader.list(DeliveriesProjection.SourceTotals.self, in: "sources", limit: 1000)
            {
                var hour = (received: 0, rejected: 0)
                var day = (received: 0, rejected: 0)
                for back in 0..<1440 {
                    let minute = Timestamp.iso8601(secondsSinceEpoch: (nowMinute - Int64(back)) * 60, .minute)
                    guard
                        let bucket = try reader.get(
                            DeliveriesProjection.Minute.self, "\(source)|\(minute.suffix(5))", in: "minutes"),
                        bucket.minute == minute
                    else { continue }
                    day.received += bucket.received
                    day.rejected += bucket.rejected
                    hourly[23 - back / 60].received += Int64(bucket.received)
                    hourly[23 - back / 60].rejected += Int64(bucket.rejected)
                    if back < 60 {
                        hour.received += bucket.received
                        hour.rejected += bucket.rejected
                        minutes[59 - back].received += Int64(bucket.received)
                        minutes[59 - back].rejected += Int64(bucket.rejected)
                    }
                }
                sources.append([
                    "source": source, "received": totals.received, "rejected": totals.rejected,
                    "hour_received": hour.received,
                    "hour_rejected": hour.rejected, "day_received": day.received, "day_rejected": day.rejected,
                ])
                for (reason, count) in totals.rejectedByReason.sorted(by: { $0.value > $1.value }) {
                    reasons.append(["source": source, "reason": reason, "count": count])
                }
            }
        }
        let hourLabels = (0..<24).map { index in
            String(
                Timestamp.iso8601(secondsSinceEpoch: (nowMinute / 60 - Int64(23 - index)) * 3600, .minute).dropFirst(11)
                    .prefix(5))
        }
        let minuteLabels = (0..<60).map { index in
            String(Timestamp.iso8601(secondsSinceEpoch: (nowMinute - Int64(59 - index)) * 60, .minute).dropFirst(11))
        }
        page.fields["day_chart"] =
            SVGBarChart(
                title: "Webhooks accepted and rejected per hour, last 24 hours (UTC)", labels: hourLabels,
                series: [
                    .init(name: "accepted", values: hourly.map(\.received)),
                    .init(name: "rejected", values: hourly.map(\.rejected)),
                ],
                labelEvery: 3
            ).svg
        page.fields["day_rows"] = zip(hourLabels, hourly).map {
            ["label": $0.0, "received": $0.1.received, "rejected": $0.1.rejected]
        }
        page.fields["hour_chart"] =
            SVGBarChart(
                title: "Webhooks accepted and rejected per minute, last hour (UTC)", labels: minuteLabels,
                series: [
                    .init(name: "accepted", values: minutes.map(\.received)),
                    .init(name: "rejected", values: minutes.map(\.rejected)),
                ],
                labelEvery: 10
            ).svg
        page.fields["hour_rows"] = zip(minuteLabels, minutes).filter { $0.1.received + $0.1.rejected > 0 }
            .map { ["label": $0.0, "received": $0.1.received, "rejected": $0.1.rejected] }
        page.fields["sources"] = sources
        page.fields["reasons"] = reasons
        page.fields["has_reasons"] = !reasons.isEmpty
        page.fields["head_position"] = head.position
        page.fields["head_hash"] = head.hash.hex
        if let usage {
            page.fields["used_size"] = Self.size(usage.usedBytes)
            page.fields["capacity_size"] = Self.size(usage.capacityBytes)
            page.fields["used_percent"] = usage.capacityBytes > 0 ? usage.usedBytes * 100 / usage.capacityBytes : 0
        }
        page.fields["writable"] = log.isWritable
        page.fields["projections"] = runner.statuses().map { status -> [String: Any] in
            [
                "name": status.name, "version": status.version, "state": status.state.name,
                "checkpoint": status.checkpoint,
                "lag": head.position - min(head.position, status.checkpoint),
            ]
        }
        page.fields["components"] = components.snapshot().sorted { $0.key < $1.key }.map {
            name, component -> [String: Any] in
            ["name": name, "state": component.state, "reason": component.reason ?? ""]
        }
        page.fields["has_components"] = !(page.fields["components"] as! [Any]).isEmpty
        let alerts =
            try store.read("alerts") { try $0.list(AlertsProjection.Alert.self, in: "active", limit: 100).map(\.value) }
            ?? []
        page.fields["alerts"] = alerts.map {
            ["name": $0.name, "severity": $0.severity, "message": $0.message, "at": $0.at]
        }
        page.fields["has_alerts"] = !alerts.isEmpty
        let first = head.position > 10 ? head.position - 9 : 1
        page.fields["recent"] = try await log.events(from: first, limit: 10).reversed().map(Self.eventRow)
        page.fields["title"] = "Overview"
        return "overview"
    }

    /// An event as a row of the events tables.
    static func eventRow(_ event: Event) -> [String: Any] {
        [
            "position": event.position, "type": event.type, "source": event.source, "at": event.recordedAt.iso8601,
            "key": event.idempotencyKey ?? "", "sender_type": event.metadata["event-type"] ?? "",
        ]
    }
}

extension ConsoleController {
    /// A size as people read it: KiB below 1 MiB, MiB below 1 GiB, else GiB, with one decimal.
    static func size(_ bytes: Int) -> String {
        let units = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        let (unit, scale) = units.first { bytes >= $0.1 } ?? ("KiB", 1 << 10)
        let tenths = bytes / (scale / 10)
        return "\(tenths / 10).\(tenths % 10) \(unit)"
    }
}
