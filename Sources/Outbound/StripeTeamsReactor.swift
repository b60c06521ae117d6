import EventLog
import Foundation
import Projections

/// Stripe → Teams: a card when a payment fails or a dispute opens.
package struct StripeTeamsReactor: Reactor {
    package init() {}

    package let name = "stripe-teams"

    static let types = ["payment_intent.payment_failed", "charge.dispute.created"]

    struct StripeEvent: Decodable, Equatable {
        struct Body: Decodable, Equatable { let object: Object }
        struct Object: Decodable, Equatable {
            struct Failure: Decodable, Equatable {
                let code: String?
                let message: String?
            }
            let id: String
            let amount: Int64?
            let currency: String?
            let customer: String?
            let reason: String?
            let last_payment_error: Failure?
        }
        let id: String
        let type: String
        let livemode: Bool?
        let data: Body
    }

    package func react(to event: Event) throws -> [ActionRequest] {
        guard event.type == "webhook.received", event.source == "stripe",
            let type = event.metadata["event-type"], Self.types.contains(type)
        else { return [] }
        let stripe = try StripeEvent.scanned(event.payload) ?? JSONPayload.decode(StripeEvent.self, from: event.payload)
        let object = stripe.data.object
        var params = [
            "event_type": stripe.type, "event_id": stripe.id, "object_id": object.id,
            "mode": stripe.livemode == true ? "live" : "test",
        ]
        params["amount"] = object.amount.map(String.init)
        params["currency"] = object.currency
        params["customer"] = object.customer
        params["reason"] = object.last_payment_error?.code ?? object.reason
        params["message"] = object.last_payment_error?.message
        return [
            ActionRequest(
                reactor: name, causedBy: event.position, index: 0, kind: "teams.card", channel: "teams",
                target: "stripe-alerts", params: params)
        ]
    }
}
