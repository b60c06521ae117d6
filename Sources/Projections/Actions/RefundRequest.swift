/// An operator's request to refund a payment, appended as `refund.requested` by the admin API; the
/// `stripe-refunds` reactor turns it into a `stripe.refund` action.
package struct RefundRequest: Codable, Sendable, Equatable {
    /// The event type.
    package static let eventType = "refund.requested"

    /// The payment intent, `pi_…`.
    package var paymentId: String
    /// The amount in minor units; `nil` for the rest of the payment.
    package var amount: Int64?
    /// What the amount came to when it was requested: the given amount, or the rest of the payment then.
    package var resolvedAmount: Int64

    /// The id of the `stripe.refund` action that the request appended at `position` becomes.
    package static func actionId(position: UInt64) -> String { "stripe-refunds-\(position)-0" }

    /// Creates a request.
    package init(paymentId: String, amount: Int64?, resolvedAmount: Int64) {
        self.paymentId = paymentId
        self.amount = amount
        self.resolvedAmount = resolvedAmount
    }

    enum CodingKeys: String, CodingKey {
        case paymentId = "payment_id", amount, resolvedAmount = "resolved_amount"
    }
}
