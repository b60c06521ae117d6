import Crypto
import EventLog

/// An operator's request to refund a payment, appended as `refund.requested` by the admin API; the
/// `stripe-refunds` reactor turns it into a `stripe.refund` action.
///
/// A request made with an idempotency key (the API's `Idempotency-Key`, or the console's one-time confirmation
/// token) carries it with a fingerprint of what was asked, and is appended under the log key ``logKey(for:)``: the
/// log then refuses a second request with that key on every gateway and after any restart, and the payments
/// projection answers which request a key made.
package struct RefundRequest: Codable, Sendable, Equatable {
    /// The event type.
    package static let eventType = "refund.requested"
    /// The longest idempotency key taken, in bytes (Stripe's own limit).
    package static let maxIdempotencyKeyBytes = 255

    /// The payment intent, `pi_…`.
    package var paymentId: String
    /// The amount in minor units; `nil` for the rest of the payment.
    package var amount: Int64?
    /// What the amount came to when it was requested: the given amount, or the rest of the payment then.
    package var resolvedAmount: Int64
    /// The client's idempotency key, if it sent one.
    package var idempotencyKey: String? = nil
    /// What was asked (``fingerprint(paymentId:amount:)``): a second use of the key must ask the same.
    package var fingerprint: String? = nil

    /// The id of the `stripe.refund` action that the request appended at `position` becomes.
    package static func actionId(position: UInt64) -> String { "stripe-refunds-\(position)-0" }

    /// Creates a request.
    package init(paymentId: String, amount: Int64?, resolvedAmount: Int64, idempotencyKey: String? = nil) {
        self.paymentId = paymentId
        self.amount = amount
        self.resolvedAmount = resolvedAmount
        self.idempotencyKey = idempotencyKey
        self.fingerprint = idempotencyKey == nil ? nil : Self.fingerprint(paymentId: paymentId, amount: amount)
    }

    /// The parameters of a request as one digest: the same payment and the same amount (or none) give the same one.
    package static func fingerprint(paymentId: String, amount: Int64?) -> String {
        let text = "payment_id=\(paymentId)&amount=\(amount.map(String.init) ?? "rest")"
        return Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }

    /// The digest of an idempotency key: a fixed-length name for it in the log's keys and the projection's table,
    /// whatever the client sent.
    package static func keyDigest(_ idempotencyKey: String) -> String {
        Hex.encode(SHA256.hash(data: Array(idempotencyKey.utf8)))
    }

    /// The log's idempotency key of a request made with `idempotencyKey`.
    package static func logKey(for idempotencyKey: String) -> String { "refund-request:" + keyDigest(idempotencyKey) }

    enum CodingKeys: String, CodingKey {
        case paymentId = "payment_id", amount, resolvedAmount = "resolved_amount", idempotencyKey = "idempotency_key",
            fingerprint
    }
}
