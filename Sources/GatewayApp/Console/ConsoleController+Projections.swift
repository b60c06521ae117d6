import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections

extension ConsoleController {
    /// Each projection's versions, state, checkpoint and lag, a build's rate and time to go, its skipped events (the
    /// dead-letter list) and its digest; and the as-of form.
    func projections(_ page: inout PageContext) async throws -> String {
        let head = try await log.head().position
        page.fields["head"] = head
        page.fields["projections"] = try runner.statuses().map { status -> [String: Any] in
            let lag = head - min(head, status.checkpoint)
            let rate = rates.sample(status.name, checkpoint: status.checkpoint)
            let rejections = try store.rejections(status.name, recent: 20)
            var row: [String: Any] = [
                "name": status.name, "version": status.version, "live_version": status.liveVersion,
                "state": status.state.name,
                "checkpoint": status.checkpoint, "lag": lag, "digest": try store.digest(status.name) ?? "",
                "rejected_count": rejections.count,
                "rejected": rejections.recent.map { ["position": $0.position, "type": $0.type, "reason": $0.reason] },
                "has_rejected": rejections.count > 0,
            ]
            switch status.state {
            case .building:
                row["progress"] =
                    head == 0 ? 100 : Int(status.checkpoint.multipliedFullWidth(by: 100).low / max(1, head))
                if let rate, rate > 0 {
                    row["rate"] = Int(rate)
                    row["eta_seconds"] = Int(Double(lag) / rate)
                }
            case .waiting(let reason), .retrying(let reason): row["reason"] = reason
            case .failed(let position, let reason): row["reason"] = "at position \(position): \(reason)"
            case .live: break
            }
            return row
        }
        page.fields["title"] = "Projections"
        return "projections"
    }

    /// What `replay as-of` computes, for one payment, lead or conversation: the record right after a position (or
    /// the last position recorded at or before a time), beside the record now, with the events in between that
    /// name it. The projection is built from position 0 to that point in a scratch directory, at most
    /// ``asOfLimit`` events; larger logs are for `replay as-of`.
    func asOf(_ request: Request, _ page: inout PageContext) async throws -> String {
        let query = request.uri.queryParameters
        let kinds = [
            "payment": ("payments", "payments"), "lead": ("leads", "leads"),
            "conversation": ("conversations", "conversations"),
        ]
        let kind = query.get("kind") ?? "payment"
        let id = (query.get("id") ?? "").trimmingCharacters(in: .whitespaces)
        page.fields["kind_\(kind)"] = true
        page.fields["id"] = id
        page.fields["position"] = query.get("position") ?? ""
        page.fields["time"] = query.get("time") ?? ""
        page.fields["title"] = "As of"
        guard !id.isEmpty else { return "as-of" }
        guard let (projectionName, table) = kinds[kind],
            let projection = BuiltInProjections.all.first(where: { $0.name == projectionName })
        else {
            throw GatewayError(.badRequest, "invalid_parameter", "kind must be payment, lead or conversation")
        }
        let head = try await log.head().position
        let end: UInt64
        if let text = query.get("position"), !text.isEmpty {
            guard let position = UInt64(text), position <= head else {
                throw GatewayError(
                    .badRequest, "invalid_parameter", "position must be a position of the log, 0 to \(head)")
            }
            end = position
        } else if let text = query.get("time"), !text.isEmpty {
            end = try await log.lastPosition(recordedAtOrBefore: try Self.time(text, "time"))
        } else {
            throw GatewayError(.badRequest, "invalid_parameter", "give a position or a time")
        }
        guard end <= Self.asOfLimit else {
            throw GatewayError(
                .badRequest, "too_large",
                "as of position \(end) needs \(end) events replayed; use replay as-of for more than \(Self.asOfLimit)")
        }
        let scratch = NSTemporaryDirectory() + "switchyard-console-asof-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try await Rebuild.build(
            log: LogPrefix(log, end: end), into: scratch, projections: [projection], logger: logger)
        let past = try ProjectionStore(directory: scratch, logger: logger)
        let then = try past.read(projectionName) { try $0.stored(id, in: table) } ?? nil
        past.close()
        let now = try store.read(projectionName) { try $0.stored(id, in: table) } ?? nil
        page.fields["end"] = end
        page.fields["head"] = head
        page.fields["then"] = then.map(Self.pretty) ?? ""
        page.fields["has_then"] = then != nil
        page.fields["now"] = now.map(Self.pretty) ?? ""
        page.fields["has_now"] = now != nil
        page.fields["changed"] = then != now
        // The events after `end` whose bytes name the id, newest last, reading at most 20,000 of them.
        let needle = Array(id.utf8)
        var between = [[String: Any]]()
        var next = end + 1
        while next <= head, next <= end + 20_000, between.count < 100 {
            let batch = try await log.events(from: next, limit: 500)
            if batch.isEmpty { break }
            for event in batch where event.payload.count >= needle.count && Self.contains(event.payload, needle) {
                between.append(Self.eventRow(event))
            }
            next = batch.last!.position + 1
        }
        page.fields["between"] = between
        page.fields["has_between"] = !between.isEmpty
        page.fields["shown"] = true
        return "as-of"
    }

    static var asOfLimit: UInt64 { 2_000_000 }

    static func pretty(_ bytes: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: data, as: UTF8.self)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
