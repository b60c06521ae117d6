import EventLog
import Foundation
import Hummingbird
import Projections

/// Takes refund requests one at a time: each is checked against the payment as the log stands (the payments
/// projection caught up to the head), appended as `refund.requested`, and applied before the next is checked,
/// so two requests at once cannot refund more than the payment.
actor RefundDesk {
    let log: LMDBEventLog
    let read: ReadController

    init(log: LMDBEventLog, read: ReadController) {
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
        try await read.awaitPosition(try log.head().position, projection: "payments")
        let payment = try read.store.read("payments") { try $0.get(PaymentsProjection.Payment.self, body.payment_id, in: "payments") } ?? nil
        guard let payment, payment.kind == "payment_intent" else {
            throw GatewayError(.badRequest, "unknown_payment", "no payment intent \(body.payment_id) has reached the gateway")
        }
        let remaining = payment.refundable
        let amount = body.amount ?? remaining
        guard amount > 0, remaining > 0 else {
            throw GatewayError(.badRequest, "invalid_amount", remaining > 0 ? "amount must be a positive number of minor units" : "nothing of \(body.payment_id) is left to refund")
        }
        guard amount <= remaining else {
            throw GatewayError(.badRequest, "invalid_amount", "amount \(amount) is above what remains to refund of \(body.payment_id): \(remaining) \(payment.currency)")
        }
        let request = RefundRequest(paymentId: body.payment_id, amount: body.amount, resolvedAmount: amount)
        let position = try await log.append(NewEvent(
            type: RefundRequest.eventType, source: "admin", metadata: ["remote-address": address],
            payload: try ActionCoding.encode(request)
        )).position
        try await read.awaitPosition(position, projection: "payments")
        return try jsonResponse(object: [
            "action_id": StripeRefundReactor.actionId(position: position), "position": position, "amount": amount, "currency": payment.currency,
        ], status: .accepted)
    }
}
