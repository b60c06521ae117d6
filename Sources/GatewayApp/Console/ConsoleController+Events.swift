import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections
import WebhookAuth

extension ConsoleController {
    /// How many events one page of the events list reads at most, looking for matches.
    static var eventsScanLimit: Int { 20_000 }

    /// The log, newest first, filtered by source, type, idempotency key and time (UTC); 50 a page, older pages by
    /// `before`.
    func events(_ request: Request, _ page: inout PageContext) async throws -> String {
        let query = request.uri.queryParameters
        func text(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        let source = text("source")
        let type = text("type")
        let key = text("key")
        let from = try text("from").map { try Self.time($0, "from") }
        let to = try text("to").map { try Self.time($0, "to") }
        let head = try await log.head().position
        var next = head
        if let before = text("before") {
            guard let value = UInt64(before), value >= 1 else {
                throw GatewayError(.badRequest, "invalid_parameter", "before must be a position")
            }
            next = min(head, value - 1)
        }
        var rows = [[String: Any]]()
        var scanned = 0
        var oldestSeen: UInt64?
        scan: while next >= 1, scanned < Self.eventsScanLimit {
            let first = next > 500 ? next - 499 : 1
            let batch = try await log.events(from: first, limit: Int(next - first + 1))
            for event in batch.reversed() {
                scanned += 1
                oldestSeen = event.position
                if let from, event.recordedAt < from { break scan }
                guard source.map({ $0 == event.source }) ?? true, type.map({ $0 == event.type }) ?? true,
                    key.map({ event.idempotencyKey?.contains($0) == true }) ?? true,
                    to.map({ event.recordedAt <= $0 }) ?? true
                else { continue }
                rows.append(Self.eventRow(event))
                if rows.count == 50 { break scan }
            }
            next = first - 1
        }
        page.fields["rows"] = rows
        page.fields["has_rows"] = !rows.isEmpty
        page.fields["filter_source"] = source ?? ""
        page.fields["filter_type"] = type ?? ""
        page.fields["filter_key"] = key ?? ""
        page.fields["filter_from"] = text("from") ?? ""
        page.fields["filter_to"] = text("to") ?? ""
        if let oldestSeen, oldestSeen > 1, from.map({ _ in rows.count == 50 }) ?? true {
            var items = [URLQueryItem(name: "before", value: String(oldestSeen))]
            for (name, value) in [
                ("source", source), ("type", type), ("key", key), ("from", text("from")), ("to", text("to")),
            ] {
                if let value { items.append(URLQueryItem(name: name, value: value)) }
            }
            var components = URLComponents()
            components.queryItems = items
            page.fields["older"] = "/console/events?" + (components.percentEncodedQuery ?? "")
            page.fields["scanned"] = scanned
        }
        page.fields["title"] = "Events"
        return "events"
    }

    /// A time filter: `YYYY-MM-DDTHH:MM[:SS]` (UTC) or a full ISO 8601 time.
    static func time(_ text: String, _ name: String) throws -> Timestamp {
        var candidate = text
        if candidate.count == 16 { candidate += ":00" }
        if !candidate.hasSuffix("Z"), !candidate.contains("+") { candidate += "Z" }
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: candidate), abs(date.timeIntervalSince1970) < 9_000_000_000 else {
            throw GatewayError(
                .badRequest, "invalid_parameter", "\(name) must be a time such as 2026-12-02T17:00 (UTC)")
        }
        return Timestamp(nanosecondsSinceEpoch: Int64(date.timeIntervalSince1970) * 1_000_000_000)
    }

    /// One event: metadata, payload, hashes, the signature checked again with today's secrets, what it caused and
    /// what caused it.
    func event(_ position: UInt64, _ page: inout PageContext) async throws -> String {
        guard let event = try await log.event(at: position) else {
            throw GatewayError(.notFound, "not_found", "no event at position \(position)")
        }
        page.fields["event"] = Self.eventRow(event)
        page.fields["hash"] = event.hash.hex
        page.fields["previous_hash"] = event.previousHash.hex
        page.fields["previous_position"] = position > 1 ? position - 1 : 0
        page.fields["has_previous"] = position > 1
        page.fields["next_position"] = position + 1
        page.fields["metadata"] = event.metadata.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
        page.fields["payload_bytes"] = event.payload.count
        let raw = String(decoding: event.payload, as: UTF8.self)
        page.fields["payload_raw"] = raw
        if let object = try? JSONSerialization.jsonObject(with: Data(event.payload), options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        {
            page.fields["payload_pretty"] = String(decoding: pretty, as: UTF8.self)
        } else {
            page.fields["payload_pretty"] = raw
        }
        switch signatures.check(event) {
        case .verified?: page.fields["signature"] = ["state": "verified", "text": "valid with one of today's secrets"]
        case .failed(let reason)?:
            page.fields["signature"] = ["state": "failed", "text": "does not verify with today's secrets: \(reason)"]
        case .notVerifiable(let reason)?: page.fields["signature"] = ["state": "unverifiable", "text": reason]
        case nil: break
        }
        // What caused this: an action's request names its cause; later records of an action name the action.
        if let object = try? JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any] {
            if let cause = (object["caused_by"] as? NSNumber)?.uint64Value {
                page.fields["caused_by"] = cause
            } else if let actionID = object["action_id"] as? String,
                let action = try store.read(
                    "notifications", { try $0.get(NotificationsProjection.Notification.self, actionID, in: "actions") })
                    ?? nil
            {
                page.fields["caused_by_action"] = actionID
                page.fields["caused_by"] = action.causedBy
            }
        }
        if event.type == RefundRequest.eventType {
            page.fields["caused_by_admin"] = event.metadata["remote-address"] ?? ""
        }
        // What this caused: the actions whose request names this position (the notifications projection, read whole
        // up to 100,000 actions).
        var caused = [[String: Any]]()
        _ = try store.read("notifications") { reader in
            for (_, action) in try reader.list(NotificationsProjection.Notification.self, in: "actions", limit: 100_000)
            where action.causedBy == position {
                caused.append([
                    "id": action.id, "kind": action.kind ?? "", "channel": action.channel ?? "",
                    "target": action.target ?? "",
                    "status": action.status, "attempts": action.attempts, "last_error": action.lastError ?? "",
                ])
            }
        }
        page.fields["caused"] = caused
        page.fields["has_caused"] = !caused.isEmpty
        page.fields["title"] = "Event \(position)"
        return "event"
    }
}
