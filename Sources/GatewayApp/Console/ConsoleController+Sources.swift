import EventLog
import Foundation
import Projections
import WebhookAuth

extension ConsoleController {
    /// Every source: the built-in routes, the config file's and those defined through the admin API, with the paths
    /// they serve, what they write as, what was accepted and rejected, and for API sources their secrets' rotation.
    func sources(_ page: inout PageContext) throws -> String {
        let totals =
            try store.read("deliveries") {
                try $0.list(DeliveriesProjection.SourceTotals.self, in: "sources", limit: 10_000)
            }?.reduce(into: [String: DeliveriesProjection.SourceTotals]()) { $0[$1.key] = $1.value } ?? [:]
        let now = Timestamp.now().seconds
        var rows = [[String: Any]]()
        func row(_ name: String, kind: String, origin: String, paths: [String], writes: String, secrets: String) {
            let counted = totals[writes]
            rows.append([
                "name": name, "kind": kind, "origin": origin, "paths": paths.map { ["path": $0] }, "writes": writes,
                "received": counted?.received ?? 0, "rejected": counted?.rejected ?? 0, "secrets": secrets,
            ])
        }
        row(
            "stripe", kind: "stripe", origin: "built in", paths: ["/webhooks/stripe"], writes: "stripe",
            secrets: "stripe.secrets")
        row(
            "intercom", kind: "intercom", origin: "built in", paths: ["/webhooks/intercom"], writes: "intercom",
            secrets: "intercom.secrets")
        row("c2s", kind: "c2s", origin: "built in", paths: ["/webhooks/c2s"], writes: "c2s", secrets: "c2s.tokens")
        for name in inbound.sorted() {
            row(
                name, kind: "standard", origin: "built in", paths: ["/webhooks/in/\(name)"], writes: "in:\(name)",
                secrets: "inbound.\(name).secrets")
        }
        for source in configuredSources {
            row(
                source.name, kind: source.kindName, origin: "config file", paths: source.paths,
                writes: Self.writes(source.name, kind: source.kindName),
                secrets: "\(source.secrets.count) in the config file")
        }
        for record in try catalog.all() {
            guard let spec = record.spec else { continue }
            let valid = spec.secrets.filter { $0.isValid(at: now) }
            let retiring = valid.compactMap(\.notAfter).min()
            let state =
                "\(valid.count) valid"
                + (retiring.map { "; the old one until \(Timestamp.iso8601(secondsSinceEpoch: $0, .second))Z" } ?? "")
            row(
                spec.name, kind: spec.kind, origin: "admin API, revision \(record.revision)", paths: spec.paths,
                writes: Self.writes(spec.name, kind: spec.kind), secrets: state)
        }
        page.fields["sources"] = rows
        page.fields["title"] = "Sources"
        return "sources"
    }

    /// The log source a defined source writes as (see `WebhookSource.defined`).
    static func writes(_ name: String, kind: String) -> String {
        ["stripe", "intercom", "c2s"].contains(kind) ? kind : "in:\(name)"
    }
}
