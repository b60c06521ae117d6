import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections
import Outbound

/// Takes refund requests one at a time: each is checked against the payment as the log stands (the payments
/// projection caught up to the head), appended as `refund.requested`, and applied before the next is checked,
/// so two requests at once cannot refund more than the payment.
///
/// A request with an idempotency key refunds once, whatever the client repeats: the key is looked up before
/// anything is checked (the payments projection records which request each key made), a repeat asking the same
/// answers the first request's receipt and appends nothing, and one asking something else is refused. The request
/// is appended under the key's log key, so a repeat that races the first on another gateway is refused by the log.
///
/// Requests queue for their turn in order of arrival (``Turnstile``).
actor RefundDesk<Log: EventStore> {
    let log: Log
    let read: ReadController<Log>
    /// Requests take turns, first come first served.
    private let turns = Turnstile()

    init(log: Log, read: ReadController<Log>) {
        self.log = log
        self.read = read
    }

    private struct Body: Decodable {
        let payment_id: String
        let amount: Int64?
    }

    /// `POST /api/payments/refund` `{"payment_id":"pi_…","amount":50}` with an optional `Idempotency-Key`: 202 with
    /// the refund's action id; a repeat of a key answers the first request's receipt with `Idempotent-Replayed: true`.
    func refund(_ bytes: [UInt8], idempotencyKey: String?, from address: String) async throws -> Response {
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch {
            throw GatewayError(
                .badRequest, "invalid_json", #"send {"payment_id":"pi_…","amount":<minor units, optional>}"#)
        }
        let receipt = try await refund(
            paymentID: body.payment_id, amount: body.amount, idempotencyKey: idempotencyKey, from: address)
        var response = try jsonResponse(
            object: [
                "action_id": receipt.actionID, "position": receipt.position, "amount": receipt.amount,
                "currency": receipt.currency,
            ],
            status: .accepted)
        if receipt.replayed { response.headers[Self.replayedHeader] = "true" }
        return response
    }

    /// Marks an answer given again for a repeated idempotency key, as Stripe's API does.
    static var replayedHeader: HTTPField.Name { HTTPField.Name("Idempotent-Replayed")! }

    /// What a refund request became: its action, the position of its `refund.requested`, and the amount asked of
    /// Stripe; `replayed` when an earlier request with the same idempotency key made it.
    struct Receipt: Sendable {
        let actionID: String
        let position: UInt64
        let amount: Int64
        let currency: String
        var replayed = false
    }

    /// Checks and appends a refund of `amount` (all that remains when `nil`) of payment intent `paymentID`, in turn
    /// with every other request; returns once the payments projection has applied it. With `idempotencyKey`, a
    /// request the key already made is answered instead, and nothing is appended.
    func refund(
        paymentID: String, amount requested: Int64?, idempotencyKey: String?, from address: String
    ) async throws -> Receipt {
        let idBytes = paymentID.utf8.count
        guard idBytes > 0, idBytes <= LogLimits().maxKeyBytes else {
            throw GatewayError(
                .badRequest, "invalid_payment_id",
                "payment_id must be a payment intent's id of 1 to \(LogLimits().maxKeyBytes) bytes")
        }
        if let idempotencyKey {
            guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= RefundRequest.maxIdempotencyKeyBytes else {
                throw GatewayError(
                    .badRequest, "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to \(RefundRequest.maxIdempotencyKeyBytes) bytes")
            }
        }
        await turns.enter()
        defer { turns.leave() }
        try await read.awaitPosition(try log.head().position, projection: "payments")
        if let idempotencyKey, let earlier = try earlierRequest(idempotencyKey) {
            return try receipt(of: earlier, paymentID: paymentID, amount: requested)
        }
        let payment =
            try read.store.read("payments") { try $0.get(PaymentsProjection.Payment.self, paymentID, in: "payments") }
            ?? nil
        guard let payment, payment.kind == "payment_intent" else {
            throw GatewayError(.badRequest, "unknown_payment", "no payment intent \(paymentID) has reached the gateway")
        }
        let remaining = payment.refundable
        let amount = requested ?? remaining
        guard amount > 0, remaining > 0 else {
            throw GatewayError(
                .badRequest, "invalid_amount",
                remaining > 0
                    ? "amount must be a positive number of minor units" : "nothing of \(paymentID) is left to refund")
        }
        guard amount <= remaining else {
            throw GatewayError(
                .badRequest, "invalid_amount",
                "amount \(amount) is above what remains to refund of \(paymentID): \(remaining) \(payment.currency)")
        }
        let request = RefundRequest(
            paymentId: paymentID, amount: requested, resolvedAmount: amount, idempotencyKey: idempotencyKey)
        let outcome = try await log.append(
            NewEvent(
                type: RefundRequest.eventType, source: "admin",
                idempotencyKey: idempotencyKey.map(RefundRequest.logKey(for:)),
                metadata: ["remote-address": address], payload: try ActionCoding.encode(request)
            ))
        try await read.awaitPosition(outcome.position, projection: "payments")
        if case .duplicate = outcome, let idempotencyKey {
            // Another gateway appended a request with this key since the projection was read.
            guard let earlier = try earlierRequest(idempotencyKey) else {
                throw GatewayError(
                    .serviceUnavailable, "projection_lagging",
                    "the payments projection has not applied the key's request yet; retry later")
            }
            return try receipt(of: earlier, paymentID: paymentID, amount: requested)
        }
        return Receipt(
            actionID: StripeRefundReactor.actionId(position: outcome.position), position: outcome.position,
            amount: amount,
            currency: payment.currency)
    }

    /// The request that `idempotencyKey` made, as the payments projection recorded it.
    private func earlierRequest(_ idempotencyKey: String) throws -> PaymentsProjection.RefundKey? {
        try read.store.read("payments") {
            try $0.get(PaymentsProjection.RefundKey.self, RefundRequest.keyDigest(idempotencyKey), in: "refund_keys")
        } ?? nil
    }

    /// The first request's receipt, for a repeat that asks what it asked; a 422 for one that asks something else.
    private func receipt(of earlier: PaymentsProjection.RefundKey, paymentID: String, amount: Int64?) throws -> Receipt
    {
        guard earlier.fingerprint == RefundRequest.fingerprint(paymentId: paymentID, amount: amount) else {
            throw GatewayError(
                .unprocessableContent, "idempotency_key_reused",
                "this Idempotency-Key was used for another refund request (position \(earlier.position)); use a new key for a new request"
            )
        }
        let currency =
            try read.store.read("payments") {
                try $0.get(PaymentsProjection.Payment.self, earlier.paymentId, in: "payments")?.currency
            } ?? nil
        return Receipt(
            actionID: StripeRefundReactor.actionId(position: earlier.position), position: earlier.position,
            amount: earlier.resolvedAmount,
            currency: currency ?? "", replayed: true)
    }
}
