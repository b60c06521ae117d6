import EventLog
import Foundation
import Hummingbird
import Projections

extension ReadController {
    func addStateRoutes(to group: RouterGroup<GatewayContext>) {
        group.get("payments/events") { request, _ in
            let limit = try QueryParameters(request: request).limit
            let after = QueryParameters(request: request).string("cursor")
            let page = try await read(request, "payments") {
                try $0.list(PaymentsProjection.PaymentEvent.self, in: "events", after: after, limit: limit + 1)
            }
            return try jsonResponse(
                Page(items: page.prefix(limit).map(\.value), nextCursor: page.count > limit ? page[limit - 1].key : nil)
            )
        }
        group.get("payments/{id}") { request, context in
            try await record(
                request, context, PaymentAnswer.self, projection: "payments", table: "payments", noun: "payment"
            ) { answer, reader in
                answer.payment.refunds = try answer.payment.refundIds.compactMap {
                    try reader.get(PaymentsProjection.Refund.self, $0, in: "refunds")
                }
                .sorted { ($0.created ?? 0, $0.id) < ($1.created ?? 0, $1.id) }
            }
        }
        group.get("ledger/summary") { request, _ in
            let query = QueryParameters(request: request)
            guard let from = try query.date("from"), let to = try query.date("to") else {
                throw GatewayError(.badRequest, "invalid_parameter", "from and to are required, as YYYY-MM-DD")
            }
            guard from <= to else { throw GatewayError(.badRequest, "invalid_parameter", "from must not be after to") }
            let days = try await read(request, "payments") {
                try $0.list(PaymentsProjection.Daily.self, in: "daily", prefix: "", after: nil, limit: .max)
            }
            var totals = [String: (gross: Int64, refunded: Int64)]()
            for (key, day) in days {
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0] >= from, parts[0] <= to else { continue }
                var total = totals[parts[1], default: (0, 0)]
                let gross = total.gross.addingReportingOverflow(day.gross)
                let refunded = total.refunded.addingReportingOverflow(day.refunded)
                guard !gross.overflow, !refunded.overflow else {
                    throw GatewayError(
                        .badRequest, "total_too_large",
                        "the \(parts[1]) total from \(from) to \(to) passes the 64-bit limit; ask for a shorter range")
                }
                total = (gross.partialValue, refunded.partialValue)
                totals[parts[1]] = total
            }
            let currencies = totals.keys.sorted().map { currency -> [String: Any] in
                let total = totals[currency]!
                return [
                    "currency": currency, "gross": total.gross, "refunded": total.refunded,
                    "net": total.gross - total.refunded,
                ]
            }
            return try jsonResponse(object: ["from": from, "to": to, "currencies": currencies])
        }
        group.get("leads/stats") { request, _ in
            let days = try QueryParameters(request: request).integer("days", 1...366, default: 7)!
            let since = String(Date(timeIntervalSinceNow: -Double(days - 1) * 86_400).ISO8601Format().prefix(10))
            let stats = try await read(request, "leads") {
                try $0.list(LeadsProjection.Stats.self, in: "stats", prefix: "", limit: .max)
            }
            let items = stats.compactMap { key, value -> [String: Any]? in
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0] >= since else { return nil }
                let rate = value.total == 0 ? 0 : Double(value.completed) / Double(value.total)
                return [
                    "day": parts[0], "hook_action": parts[1], "total": value.total, "completed": value.completed,
                    "failed": value.failed, "success_rate": rate,
                ]
            }
            return try jsonResponse(object: ["days": days, "items": items])
        }
        group.get("leads/{id}") { request, context in
            try await record(
                request, context, LeadsProjection.Lead.self, projection: "leads", table: "leads", noun: "lead"
            ) { lead, reader in
                lead.actions = try LeadsProjection.history(of: lead.id, in: reader)
            }
        }
        group.get("leads") { request, _ in
            try await filteredList(
                request, projection: "leads", table: "leads", type: LeadsProjection.Lead.self,
                keep: { lead, query in
                    query.string("status").map { $0 == lead.status } ?? true
                }, complete: { lead, reader in lead.actions = try LeadsProjection.history(of: lead.id, in: reader) })
        }
        group.get("notifications") { request, _ in try await actions(request) }
        group.get("deliveries") { request, _ in
            let minutes = try Int(QueryParameters(request: request).integer("minutes", 1...1440, default: 5)!)
            let now = Timestamp.now()
            let sources = try await read(request, "deliveries") { reader in
                try reader.list(DeliveriesProjection.SourceTotals.self, in: "sources", limit: .max).map { entry in
                    (
                        entry.key, entry.value,
                        try DeliveriesProjection.window(reader, source: entry.key, minutes: minutes, now: now)
                    )
                }
            }
            let duplicates = metrics.duplicates()
            var result = [String: Any]()
            for (source, totals, recent) in sources {
                result[source] =
                    [
                        "received": totals.received, "rejected": totals.rejected,
                        "rejected_by_reason": totals.rejectedByReason,
                        "last_minutes": ["minutes": minutes, "received": recent.received, "rejected": recent.rejected],
                        "duplicates_since_start": duplicates[source] ?? 0,
                    ] as [String: Any]
            }
            for (source, count) in duplicates where result[source] == nil {
                result[source] = [
                    "received": 0, "rejected": 0, "rejected_by_reason": [String: Int](),
                    "duplicates_since_start": count,
                ]
            }
            return try jsonResponse(object: ["sources": result, "duplicates_counted_since": metrics.since.iso8601])
        }
        group.get("alerts") { request, _ in
            let (active, recent) = try await read(request, "alerts") { reader in
                (
                    try reader.list(AlertsProjection.Alert.self, in: "active", limit: .max).map(\.value),
                    try reader.list(AlertsProjection.Alert.self, in: "history", limit: 50).map(\.value)
                )
            }
            return try jsonResponse(object: [
                "active": try active.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) },
                "recent": try recent.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) },
            ])
        }
        group.get("conversations/{id}") { request, context in
            try await record(
                request, context, ConversationsProjection.Conversation.self, projection: "conversations",
                table: "conversations", noun: "conversation")
        }
    }

    /// Outbound actions from the notifications projection, by `status` and `channel` when given: the read API's
    /// `/api/notifications` and the admin API's `/api/actions`.
    func actions(_ request: Request) async throws -> Response {
        try await filteredList(
            request, projection: "notifications", table: "actions", type: NotificationsProjection.Notification.self
        ) { action, query in
            (query.string("status").map { $0 == action.status } ?? true)
                && (query.string("channel").map { $0 == action.channel } ?? true)
        }
    }

    /// The record at the route's `{id}` in `table`, made whole by `complete` in the same snapshot, or 404.
    private func record<T: Codable>(
        _ request: Request, _ context: GatewayContext, _ type: T.Type, projection: String, table: String, noun: String,
        complete: (inout T, ProjectionReader) throws -> Void = { _, _ in }
    ) async throws -> Response {
        let id = try context.parameters.requireDecoded("id")
        let value = try await read(request, projection) { reader -> T? in
            guard var value = try reader.get(T.self, id, in: table) else { return nil }
            try complete(&value, reader)
            return value
        }
        guard let value else { throw notFound("\(noun) \(id)") }
        return try jsonResponse(value)
    }

    /// A page of `table` filtered by `keep`, following `cursor` (the last key of the previous page).
    private func filteredList<T: Codable>(
        _ request: Request, projection: String, table: String, type: T.Type,
        keep: @escaping (T, QueryParameters) -> Bool,
        complete: (inout T, ProjectionReader) throws -> Void = { _, _ in }
    ) async throws -> Response {
        let query = QueryParameters(request: request)
        let limit = try query.limit
        var cursor = query.string("cursor")
        var items = [T]()
        var lastKey: String?
        var exhausted = false
        try await awaitPosition(request, projection: projection)
        while items.count < limit, !exhausted {
            let after = cursor
            let batch = try store.read(projection) { reader in
                try reader.list(T.self, in: table, after: after, limit: 500).map { entry in
                    var value = entry.value
                    try complete(&value, reader)
                    return (key: entry.key, value: value)
                }
            }
            guard let batch else {
                throw GatewayError(
                    .serviceUnavailable, "projection_lagging", "the \(projection) projection has not been built yet",
                    headers: [.retryAfter: "1"])
            }
            exhausted = batch.count < 500
            for (key, value) in batch {
                cursor = key
                guard keep(value, query) else { continue }
                items.append(value)
                lastKey = key
                if items.count == limit { break }
            }
        }
        return try jsonResponse(
            Page(items: items, nextCursor: items.count == limit && !(exhausted && cursor == lastKey) ? lastKey : nil))
    }
}
