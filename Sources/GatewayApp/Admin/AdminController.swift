import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections

/// The admin API over outbound actions, behind the admin keys (and the optional address allowlist).
struct AdminController<Log: EventStore>: Sendable {
    let log: Log
    let read: ReadController<Log>
    let refunds: RefundDesk<Log>

    init(log: Log, read: ReadController<Log>) {
        self.log = log
        self.read = read
        refunds = RefundDesk(log: log, read: read)
    }

    /// The header that makes a refund request idempotent, as in Stripe's API.
    static var idempotencyKey: HTTPField.Name { HTTPField.Name("Idempotency-Key")! }

    func addRoutes(to group: RouterGroup<GatewayContext>) {
        group.get("actions") { request, _ in try await read.actions(request) }
        group.post("payments/refund") { request, context in
            let body = try await request.body.collect(upTo: 64 << 10)
            return try await refunds.refund(
                Array(body.readableBytesView), idempotencyKey: request.headers[Self.idempotencyKey],
                from: context.remoteAddress)
        }
        group.post("actions/{id}/retry") { request, context in
            try await retry(request, id: try context.parameters.requireDecoded("id"), from: context.remoteAddress)
        }
    }

    /// `POST /api/actions/{id}/retry`: a dead or failed action tries again now.
    func retry(_ request: Request, id: String, from address: String) async throws -> Response {
        try await read.awaitPosition(request, projection: "outbox")
        let position = try await retry(id: id, from: address)
        return try jsonResponse(
            object: ["action_id": id, "status": "retrying", "position": position], status: .accepted)
    }

    /// Appends `action.retried` for the dead or pending action `id`; returns its position.
    func retry(id: String, from address: String) async throws -> UInt64 {
        let entry =
            try read.store.read("outbox") { reader in
                try reader.get(OutboxProjection.Entry.self, id, in: "dead")
                    ?? reader.get(OutboxProjection.Entry.self, id, in: "pending")
            } ?? nil
        guard let entry else {
            throw GatewayError(
                .notFound, "not_found", "no dead or pending action \(id); delivered actions are not retried")
        }
        let payload = try ActionCoding.encode(ActionResult(actionId: id))
        let outcome = try await log.append(
            NewEvent(
                type: ActionEvent.retried, source: "admin",
                metadata: ["action-kind": entry.request.kind, "remote-address": address],
                payload: payload
            ))
        return outcome.position
    }
}
