import EventLog
import Foundation
import Hummingbird
import Projections

/// The read API: the log itself and the projections' state, behind API keys.
struct ReadController<Log: EventStore>: Sendable {
    let log: Log
    let store: ProjectionStore
    let runner: ProjectionRunner<Log>
    let metrics: GatewayMetrics

    func addRoutes(to group: RouterGroup<GatewayContext>) {
        group.get("events") { request, _ in try await events(request) }
        group.get("events/{position}") { _, context in
            let position = try context.parameters.require("position", as: UInt64.self)
            guard let event = try await log.event(at: position) else { throw notFound("event at position \(position)") }
            return jsonResponse(bytes: try event.jsonLine())
        }
        group.get("projections") { request, _ in try await projections(request) }
        group.get("stream") { _, _ in stream() }
        group.get("projections/{name}/rejected") { request, context in
            try rejected(request, name: try context.parameters.requireDecoded("name"))
        }
        addStateRoutes(to: group)
    }

    /// `GET /api/events?after=N&limit=M&source=&type=`.
    private func events(_ request: Request) async throws -> Response {
        let query = QueryParameters(request: request)
        let after = try query.integer("after", 0...UInt64.max, default: 0)!
        let limit = try query.limit
        let source = query.string("source")
        let type = query.string("type")
        var items = [Data]()
        var next = after + 1
        var scanned = 0
        scan: while items.count < limit, scanned < 10_000 {
            let batch = try await log.events(from: next, limit: 500)
            if batch.isEmpty { break }
            for event in batch {
                scanned += 1
                next = event.position + 1
                if source.map({ $0 == event.source }) ?? true, type.map({ $0 == event.type }) ?? true {
                    items.append(try event.jsonLine())
                    if items.count == limit { break scan }
                }
            }
        }
        let more = try await log.head().position >= next
        // Each item is the event's JSON line (as `replay export` writes it), with the sender's exact bytes.
        var body = Data(#"{"items":["#.utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += item
        }
        body += Data(#"],"next_cursor":"#.utf8) + Data((more ? "\"\(next - 1)\"" : "null").utf8) + Data("}".utf8)
        return jsonResponse(bytes: body)
    }

    /// `GET /api/projections[?digest=true]`.
    private func projections(_ request: Request) async throws -> Response {
        let head = try await log.head().position
        let withDigest = QueryParameters(request: request).string("digest") == "true"
        var items = [[String: Any]]()
        for status in runner.statuses() {
            var item: [String: Any] = [
                "name": status.name, "version": status.version, "live_version": status.liveVersion,
                "checkpoint": status.checkpoint, "lag": head - min(head, status.checkpoint),
                "slot": status.slot?.id as Any? ?? NSNull(),
            ]
            switch status.state {
            case .live: item["state"] = "live"
            case .building:
                item["state"] = "building"
                item["progress"] = head == 0 ? 1.0 : Double(status.checkpoint) / Double(head)
            case .waiting(let reason):
                item["state"] = "waiting"
                item["reason"] = reason
            case .retrying(let reason):
                item["state"] = "retrying"
                item["reason"] = reason
            case .failed(let position, let reason):
                item["state"] = "failed"
                item["failed_at"] = position
                item["reason"] = reason
            }
            if withDigest { item["digest"] = try store.digest(status.name) }
            let rejections = try store.rejections(status.name, recent: 3)
            item["rejected"] = rejections.count
            item["recent_rejections"] = rejections.recent.map { ["position": $0.position, "reason": $0.reason] }
            items.append(item)
        }
        return try jsonResponse(object: ["items": items, "head": head])
    }

    /// `GET /api/projections/{name}/rejected?after=&limit=`: the events the projection skipped, in log order.
    private func rejected(_ request: Request, name: String) throws -> Response {
        guard runner.tables(of: name) != nil else { throw notFound("projection named \(name)") }
        let query = QueryParameters(request: request)
        let after = try query.integer("after", 0...UInt64.max)
        let limit = try query.limit
        let page =
            try store.read(name) { reader in
                (
                    try reader.count(RejectedEvent.table),
                    try reader.list(
                        RejectedEvent.self, in: RejectedEvent.table, after: after.map(RejectedEvent.key),
                        limit: limit + 1
                    ).map(\.value)
                )
            } ?? (0, [])
        let items = Array(page.1.prefix(limit))
        let next: String? = page.1.count > limit ? items.last.map { "\($0.position)" } : nil
        return try jsonResponse(RejectedPage(items: items, total: page.0, next_cursor: next))
    }

    /// Waits (at most 5 s) until projection `name` has applied `min_position`, when the request asks for it.
    func awaitPosition(_ request: Request, projection name: String) async throws {
        guard let target = try QueryParameters(request: request).integer("min_position", 0...UInt64.max) else { return }
        try await awaitPosition(target, projection: name)
    }

    /// Waits (at most 5 s) until projection `name` has applied `target`. A target past the log's head is a 400:
    /// no such write was ever acknowledged, so waiting cannot help.
    func awaitPosition(_ target: UInt64, projection name: String) async throws {
        let head = try await log.head().position
        guard target <= head else {
            throw GatewayError(
                .badRequest, "invalid_parameter",
                "min_position \(target) is past the log's head (\(head)): no event there has been acknowledged")
        }
        guard try await !store.awaitCheckpoint(name, target, timeout: .seconds(5)) else { return }
        throw GatewayError(
            .serviceUnavailable, "projection_lagging",
            "the \(name) projection has not reached position \(target) within 5 s; retry later",
            headers: [.retryAfter: "1"]
        )
    }

    /// Reads projection `name`, after `min_position` if asked.
    func read<R>(_ request: Request, _ name: String, _ body: (ProjectionReader) throws -> R) async throws -> R {
        try await awaitPosition(request, projection: name)
        guard let result = try store.read(name, body) else {
            throw GatewayError(
                .serviceUnavailable, "projection_lagging", "the \(name) projection has not been built yet",
                headers: [.retryAfter: "1"])
        }
        return result
    }
}

/// A page of `GET /api/projections/{name}/rejected`.
private struct RejectedPage: Encodable {
    let items: [RejectedEvent]
    let total: Int
    let next_cursor: String?
}
