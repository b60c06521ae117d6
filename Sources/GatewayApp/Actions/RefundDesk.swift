import EventLog
import Foundation
import Hummingbird
import Projections
import Outbound

/// Takes refund requests one at a time: each is checked against the payment as the log stands (the payments
/// projection caught up to the head), appended as `refund.requested`, and applied before the next is checked,
/// so two requests at once cannot refund more than the payment.
///
/// An actor alone would not do: it takes the next call whenever the current one awaits (the log, the projection),
/// so requests also queue for their turn, in order of arrival.
actor RefundDesk<Log: EventStore> {
    let log: Log
    let read: ReadController<Log>
    /// Whether a request is between its check and its append being applied.
    private var busy = false
    /// Requests waiting for their turn, first come first served.
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(log: Log, read: ReadController<Log>) {
        self.log = log
        self.read = read
    }

    private struct Body: Decodable {
        let payment_id: String
        let amount: Int64?
    }

    /// `POST /api/payments/refund` `{"payment_id":"pi_…","amount":50}`: 202 with the refund's action id.
    func refund(_ bytes: [UInt8], from address: String) async throws -> Response {
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch {
            throw GatewayError(.badRequest, "invalid_json", #"send {"payment_id":"pi_…","amount":<minor units, optional>}"#)
        }
        let receipt = try await refund(paymentID: body.payment_id, amount: body.amount, from: address)
        return try jsonResponse(
            object: ["action_id": receipt.actionID, "position": receipt.position, "amount": receipt.amount, "currency": receipt.currency],
            status: .accepted)
    }

    /// What a refund request became: its action, the position of its `refund.requested`, and the amount asked of Stripe.
    struct Receipt: Sendable {
        let actionID: String
        let position: UInt64
        let amount: Int64
        let currency: String
    }

    /// Checks and appends a refund of `amount` (all that remains when `nil`) of payment intent `paymentID`, in turn
    /// with every other request; returns once the payments projection has applied it.
    func refund(paymentID: String, amount requested: Int64?, from address: String) async throws -> Receipt {
        let body = Body(payment_id: paymentID, amount: requested)
        let idBytes = body.payment_id.utf8.count
        guard idBytes > 0, idBytes <= LogLimits().maxKeyBytes else {
            throw GatewayError(.badRequest, "invalid_payment_id", "payment_id must be a payment intent's id of 1 to \(LogLimits().maxKeyBytes) bytes")
        }
        await takeTurn()
        defer { endTurn() }
        try await read.awaitPosition(try log.head().position, projection: "payments")
        let payment = try read.store.read("payments") { try $0.get(PaymentsProjection.Payment.self, body.payment_id, in: "payments") } ?? nil
        guard let payment, payment.kind == "payment_intent" else {
            throw GatewayError(.badRequest, "unknown_payment", "no payment intent \(body.payment_id) has reached the gateway")
        }
        let remaining = payment.refundable
        let amount = body.amount ?? remaining
        guard amount > 0, remaining > 0 else {
            throw GatewayError(
                .badRequest, "invalid_amount",
                remaining > 0 ? "amount must be a positive number of minor units" : "nothing of \(body.payment_id) is left to refund")
        }
        guard amount <= remaining else {
            throw GatewayError(
                .badRequest, "invalid_amount", "amount \(amount) is above what remains to refund of \(body.payment_id): \(remaining) \(payment.currency)")
        }
        let request = RefundRequest(paymentId: body.payment_id, amount: body.amount, resolvedAmount: amount)
        let position = try await log.append(
            NewEvent(
                type: RefundRequest.eventType, source: "admin", metadata: ["remote-address": address],
                payload: try ActionCoding.encode(request)
            )
        ).position
        try await read.awaitPosition(position, projection: "payments")
        return Receipt(actionID: StripeRefundReactor.actionId(position: position), position: position, amount: amount, currency: payment.currency)
    }

    /// Returns when no other request is being checked, waiting behind those that came first.
    private func takeTurn() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the turn to the next waiting request, if any.
    private func endTurn() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
