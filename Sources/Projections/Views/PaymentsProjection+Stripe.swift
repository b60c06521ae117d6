extension PaymentsProjection {
    /// What the projection reads of a Stripe event. Stripe always sends `created`, `livemode` and `data`; an event
    /// without them is listed (at the time the log recorded it) and changes nothing else.
    package struct StripeEvent: Sendable, Decodable, Equatable {
        struct Body: Decodable, Sendable, Equatable {
            let object: StripeObject
            /// What an update changed, as it was before (`data.previous_attributes`): the projection reads a charge's
            /// `amount_refunded`.
            var previous_attributes: PreviousAttributes? = nil
        }
        struct PreviousAttributes: Decodable, Sendable, Equatable { let amount_refunded: Int64? }
        let id: String
        let type: String
        let created: Int64?
        let livemode: Bool?
        let data: Body?
    }

    /// The object of a Stripe event: a payment intent, a charge, a refund or a dispute (or another object, which
    /// the projection lists and otherwise ignores). Some objects have no `id` (a balance).
    struct StripeObject: Decodable, Sendable, Equatable {
        struct Failure: Decodable, Sendable, Equatable { let code: String? }
        let id: String?
        let object: String?
        let amount: Int64?
        let amount_received: Int64?
        let amount_refunded: Int64?
        let currency: String?
        let status: String?
        let customer: String?
        let created: Int64?
        let livemode: Bool?
        let payment_intent: StripeReference?
        let charge: StripeReference?
        let last_payment_error: Failure?
        let refunds: RefundList?
    }

    /// A charge's refunds: a list object (`{"object":"list","data":[…]}`) since API version 2014-05-19, a plain array
    /// before it. Both read the same.
    struct RefundList: Decodable, Sendable, Equatable {
        let data: [StripeRefund]

        init(data: [StripeRefund]) { self.data = data }

        init(from decoder: any Decoder) throws {
            if let array = try? decoder.singleValueContainer().decode([StripeRefund].self) {
                data = array
                return
            }
            struct List: Decodable { let data: [StripeRefund]? }
            data = try decoder.singleValueContainer().decode(List.self).data ?? []
        }
    }

    /// A refund inside a charge's list.
    struct StripeRefund: Decodable, Sendable, Equatable {
        let id: String
        let amount: Int64
        let created: Int64?
        let status: String?
        let currency: String?
        let charge: StripeReference?
        let payment_intent: StripeReference?
    }

    /// An id that Stripe writes as a string, or as the whole object when the request expanded it.
    struct StripeReference: Decodable, Sendable, Equatable {
        let id: String

        init(id: String) { self.id = id }

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let id = try? value.decode(String.self) {
                self.id = id
                return
            }
            struct Expanded: Decodable { let id: String }
            id = try value.decode(Expanded.self).id
        }
    }
}
