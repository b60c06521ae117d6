import EventLog
import Foundation

/// Stripe payments: each payment intent, charge, refund and dispute as its newest snapshot shows it, a daily and
/// hourly ledger per currency, hourly attempts and failures, and the list of payment events, newest first. Money is
/// in integer minor units, in each currency's own exponent.
///
/// Stripe does not deliver events in order, and delivers some more than once. So each object follows its own life:
/// a snapshot is applied only if it is newer than the one applied (``SnapshotOrder``), and the ledger is booked from
/// the objects, not from differences between events: a payment's amount on the day it first showed as succeeded, a
/// refund's amount on its own `created` day while it has succeeded. A booking is kept with the record that made it,
/// so a newer snapshot takes it back exactly. Whatever order the events of a payment's life arrive in, the records
/// and the ledger end the same. Refunds are read from every shape Stripe sends: a charge's refund list (a list object,
/// or an array in old API versions), `charge.refund.updated`, and `refund.created` / `refund.updated` /
/// `refund.failed`; refunds made outside the hub (in Stripe's dashboard) count like any other.
///
/// What may still be refunded (``Payment/refundable``) also subtracts the hub's own requests until Stripe shows
/// them, and disputed amounts.
package struct PaymentsProjection: Projection {
    package let name = "payments"
    package let version = 4
    package let tables = [
        "payments", "refunds", "disputes", "hub_refunds", "refund_keys", "daily", "hourly", "hourly_ledger", "events",
    ]

    /// Creates the projection.
    package init() {}

    /// What the projection reads: a Stripe event, an operator's refund request, or how the hub's refund call ended.
    package enum Input: Sendable {
        case stripe(StripeEvent)
        case refundRequested(RefundRequest)
        case refundCall(actionId: String, succeeded: Bool, refundId: String?)
    }

    package func decode(_ event: Event) throws -> Input? {
        switch event.type {
        case RefundRequest.eventType:
            return .refundRequested(try JSONPayload.decode(RefundRequest.self, from: event.payload))
        case ActionEvent.succeeded, ActionEvent.dead:
            guard event.metadata["action-kind"] == "stripe.refund" else { return nil }
            let result = try JSONPayload.decode(ActionResult.self, from: event.payload)
            return .refundCall(
                actionId: result.actionId, succeeded: event.type == ActionEvent.succeeded,
                refundId: result.output?["refund_id"])
        case "webhook.received" where event.source == "stripe":
            return .stripe(
                try StripeEvent.scanned(event.payload) ?? JSONPayload.decode(StripeEvent.self, from: event.payload))
        default:
            return nil
        }
    }

    /// Applies one input. Everything is worked out in a ``PaymentsChange`` first, which refuses the event (a
    /// negative amount, a sum past 64 bits) before anything is written.
    package func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        let change = PaymentsChange(state: state)
        switch input {
        case .stripe(let stripe):
            try change.apply(stripe, recordedAt: event.recordedAt.seconds)
            let created = stripe.created ?? event.recordedAt.seconds
            change.listEvent(
                PaymentEvent(
                    eventId: stripe.id, type: stripe.type, created: created,
                    mode: stripe.livemode == true ? "live" : "test", position: event.position
                ), key: Self.newestFirst(event.position))
            if stripe.data != nil { change.countAttempt(stripe.type, hour: Self.hour(created)) }
        case .refundRequested(let request):
            try change.requested(request, position: event.position, at: event.recordedAt.seconds)
        case .refundCall(let actionId, let succeeded, let refundId):
            try change.refundCall(actionId, succeeded: succeeded, refundId: refundId)
        }
        try change.write()
    }

    /// A key that sorts newer positions first: the complement of the position, zero-padded to 20 digits.
    static func newestFirst(_ position: UInt64) -> String {
        String.zeroPadded(UInt64.max - position, width: 20)
    }

    static func day(_ seconds: Int64) -> String { Timestamp.iso8601(secondsSinceEpoch: seconds, .day) }

    static func hour(_ seconds: Int64) -> String { Timestamp.iso8601(secondsSinceEpoch: seconds, .hour) }
}
