import EventLog
import Foundation
import Projections

/// Refunds: an operator's `refund.requested` becomes a `stripe.refund` action.
package struct StripeRefundReactor: Reactor {
    package init() {}

    package let name = "stripe-refunds"

    package func react(to event: Event) throws -> [ActionRequest] {
        guard event.type == RefundRequest.eventType else { return [] }
        let request = try JSONPayload.decode(RefundRequest.self, from: event.payload)
        // Always the amount the hub promised (a full refund's too), so that Stripe and the hub cannot disagree on it.
        let params = ["payment_intent": request.paymentId, "amount": String(request.resolvedAmount)]
        return [
            ActionRequest(
                reactor: name, causedBy: event.position, index: 0, kind: "stripe.refund", channel: "stripe",
                target: "refunds", params: params)
        ]
    }

    /// The id the action for the refund requested at `position` gets.
    package static func actionId(position: UInt64) -> String { RefundRequest.actionId(position: position) }
}
