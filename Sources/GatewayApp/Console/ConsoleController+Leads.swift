import EventLog
import Foundation
import HTTPTypes
import Projections

extension ConsoleController {
    typealias Lead = LeadsProjection.Lead

    /// The enrichment funnel over every lead (read whole, up to 100,000), success by day, and leads by id.
    func leads(_ page: inout PageContext) throws -> String {
        let read = try store.read("leads") { reader -> ([Lead], [(key: String, value: LeadsProjection.Stats)]) in
            (
                try reader.list(Lead.self, in: "leads", limit: 100_000).map(\.value),
                try reader.list(LeadsProjection.Stats.self, in: "stats", limit: 10_000)
            )
        }
        guard let (leads, stats) = read else {
            throw GatewayError(.serviceUnavailable, "projection_lagging", "the leads projection has not been built yet")
        }
        let lookedUp: Set<String> = ["enrichment_pending", "enriched", "enrichment_failed"]
        let steps: [(String, Int)] = [
            ("received", leads.count),
            ("valid contact", leads.filter { $0.status != "invalid_contact" }.count),
            ("looked up", leads.filter { lookedUp.contains($0.status) || $0.personId != nil }.count),
            ("enriched", leads.filter { $0.status == "enriched" }.count),
            ("not found", leads.filter { $0.status == "enrichment_failed" && $0.personId == nil }.count),
            ("invalid", leads.filter { $0.status == "invalid_contact" }.count),
        ]
        page.fields["funnel_chart"] =
            SVGBarChart(
                title: "Leads at each step of enrichment", labels: steps.map(\.0),
                series: [.init(name: "leads", values: steps.map { Int64($0.1) })]
            )
            .svg
        page.fields["funnel"] = steps.map {
            ["step": $0.0, "count": $0.1, "percent": leads.isEmpty ? 0 : $0.1 * 100 / leads.count]
        }
        var byDay = [String: (total: Int, completed: Int)]()
        for (key, value) in stats {
            let day = String(key.prefix { $0 != "|" })
            byDay[day, default: (0, 0)].total += value.total
            byDay[day, default: (0, 0)].completed += value.completed
        }
        let days = byDay.keys.sorted().suffix(30)
        page.fields["days"] = days.reversed().map { day -> [String: Any] in
            let value = byDay[day]!
            return [
                "day": day, "total": value.total, "completed": value.completed,
                "percent": value.total == 0 ? 0 : value.completed * 100 / value.total,
            ]
        }
        page.fields["day_chart"] =
            SVGBarChart(
                title: "Contact2Sale deliveries per day: total and with a usable contact",
                labels: days.map { String($0.suffix(5)) },
                series: [
                    .init(name: "total", values: days.map { Int64(byDay[$0]!.total) }),
                    .init(name: "usable", values: days.map { Int64(byDay[$0]!.completed) }),
                ],
                labelEvery: 5
            ).svg
        page.fields["leads"] = leads.prefix(100).map {
            [
                "id": $0.id, "path_id": Self.queryEscaped($0.id), "name": $0.name ?? "", "status": $0.status,
                "last_error": $0.lastError ?? "",
            ]
        }
        page.fields["title"] = "Leads"
        return "leads"
    }

    /// One lead: its record, each delivery of it, and the enrichment actions each caused with their outcome.
    func lead(_ id: String, _ page: inout PageContext) throws -> String {
        let found = try store.read("leads") { reader -> (Lead, [LeadsProjection.Action])? in
            guard let lead = try reader.get(Lead.self, id, in: "leads") else { return nil }
            return (lead, try LeadsProjection.history(of: id, in: reader))
        }
        guard let (lead, history) = found ?? nil else {
            throw GatewayError(.notFound, "not_found", "no lead \(id) has reached the gateway")
        }
        let positions = Set(history.map(\.position))
        let actions =
            try store.read("notifications") { reader in
                try reader.list(NotificationsProjection.Notification.self, in: "actions", limit: 100_000).map(\.value)
                    .filter { $0.causedBy.map(positions.contains) ?? false }
            } ?? []
        page.fields["lead"] = [
            "id": lead.id, "name": lead.name ?? "", "email": lead.email ?? "", "phone": lead.phone ?? "",
            "status": lead.status,
            "last_error": lead.lastError ?? "", "person_id": lead.personId ?? "",
            "flags": lead.fakeFlags.joined(separator: ", "),
        ]
        page.fields["enrichment"] = (lead.enrichment ?? [:]).sorted { $0.key < $1.key }.map {
            ["name": $0.key, "value": $0.value]
        }
        page.fields["steps"] = history.map { step -> [String: Any] in
            [
                "hook_action": step.hookAction, "position": step.position, "at": step.at,
                "actions": actions.filter { $0.causedBy == step.position }.map { action -> [String: Any] in
                    [
                        "id": action.id, "kind": action.kind ?? "", "status": action.status,
                        "attempts": action.attempts, "last_error": action.lastError ?? "",
                    ]
                },
            ]
        }
        page.fields["title"] = "Lead \(id)"
        return "lead"
    }
}
