import EventLog
import Foundation

/// Stripe payments: each payment intent and charge, a daily ledger per currency, hourly attempts and
/// failures, and the list of payment events, newest first. Money is in integer minor units.
public struct PaymentsProjection: Projection {
    public let name = "payments"
    public let version = 2
    public let tables = ["payments", "daily", "hourly", "hourly_ledger", "events"]

    /// Creates the projection.
    public init() {}

    /// What the projection reads: a Stripe event, or an operator's refund request.
    public enum Input: Sendable {
        case stripe(StripeEvent)
        case refundRequested(RefundRequest)
    }

    /// What the projection reads of a Stripe event. Stripe always sends `created`, `livemode` and `data`; an event
    /// without them is listed (at the time the log recorded it) and changes nothing else.
    public struct StripeEvent: Sendable, Decodable, Equatable {
        struct Body: Decodable, Sendable, Equatable { let object: StripeObject }
        let id: String
        let type: String
        let created: Int64?
        let livemode: Bool?
        let data: Body?
    }

    struct StripeObject: Decodable, Sendable, Equatable {
        struct Failure: Decodable, Sendable, Equatable { let code: String? }
        struct RefundList: Decodable, Sendable, Equatable { let data: [StripeRefund] }
        let id: String
        let object: String
        let amount: Int64?
        let amount_received: Int64?
        let amount_refunded: Int64?
        let currency: String?
        let status: String?
        let customer: String?
        let created: Int64?
        let livemode: Bool?
        let payment_intent: String?
        let last_payment_error: Failure?
        let refunds: RefundList?
    }

    struct StripeRefund: Decodable, Sendable, Equatable {
        let id: String
        let amount: Int64
        let created: Int64?
        let status: String?
    }

    /// A payment intent or a charge.
    public struct Payment: Codable, Sendable, Equatable {
        public var id: String
        public var kind: String
        public var amount: Int64
        public var currency: String
        public var status: String
        public var amountRefunded: Int64
        public var customer: String?
        public var created: Int64
        public var livemode: Bool
        public var lastFailureCode: String?
        public var paymentIntent: String?
        public var refunds: [Refund]
        /// What operators asked to refund through the admin API, in minor units.
        public var refundRequested: Int64?

        /// What may still be refunded: the amount less what Stripe refunded or operators asked for, whichever is more.
        public var refundable: Int64 { amount - max(amountRefunded, refundRequested ?? 0) }
    }

    /// One refund of a charge.
    public struct Refund: Codable, Sendable, Equatable {
        public var id: String
        public var amount: Int64
        public var created: Int64?
        public var status: String?
    }

    /// A day's (in `daily`) or an hour's (in `hourly_ledger`, keyed `YYYY-MM-DDTHH|currency`) totals in one currency.
    public struct Daily: Codable, Sendable, Equatable {
        public var gross: Int64 = 0
        public var refunded: Int64 = 0
        public var net: Int64 { gross - refunded }
        enum CodingKeys: String, CodingKey { case gross, refunded }
    }

    /// An hour's payment attempts and failures.
    public struct Hourly: Codable, Sendable, Equatable {
        public var attempts = 0
        public var failures = 0
    }

    /// One entry of the payment event list.
    public struct PaymentEvent: Codable, Sendable, Equatable {
        public var eventId: String
        public var type: String
        public var created: Int64
        public var mode: String
        public var position: UInt64
    }

    public func decode(_ event: Event) throws -> Input? {
        if event.type == RefundRequest.eventType { return .refundRequested(try JSONPayload.decode(RefundRequest.self, from: event.payload)) }
        guard event.type == "webhook.received", event.source == "stripe" else { return nil }
        return .stripe(try StripeEvent.scanned(event.payload) ?? JSONPayload.decode(StripeEvent.self, from: event.payload))
    }

    public func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        switch input {
        case .stripe(let stripe): try apply(stripe, event: event, to: state)
        case .refundRequested(let request):
            guard var payment = try state.get(Payment.self, request.paymentId, in: "payments") else { return }
            payment.refundRequested = try Checked.add(payment.refundRequested ?? 0, request.resolvedAmount, "the amount requested to refund")
            try state.put(payment, request.paymentId, in: "payments")
        }
    }

    /// Applies a Stripe event. Whatever can refuse it (a negative amount, a sum past 64 bits) is worked out before
    /// the first write, so that a refused event changes nothing.
    func apply(_ input: StripeEvent, event: EventInfo, to state: ProjectionState) throws {
        let created = input.created ?? event.recordedAt.seconds
        let livemode = input.livemode ?? false
        let object = input.data?.object
        for (name, amount) in [("amount", object?.amount), ("amount_received", object?.amount_received), ("amount_refunded", object?.amount_refunded)] {
            if let amount, amount < 0 { throw EventRejected("data.object.\(name) is negative (\(amount)); Stripe amounts are never negative") }
        }
        let day = Self.day(created)
        let hour = Self.hour(created)
        let currency = object?.currency ?? ""
        // The ledger's new totals, by table and key.
        var ledger = [(table: String, key: String, totals: Daily)]()
        func add(gross: Int64 = 0, refunded: Int64 = 0) throws {
            for (table, key) in [("daily", "\(day)|\(currency)"), ("hourly_ledger", "\(hour)|\(currency)")] {
                var totals = try state.get(Daily.self, key, in: table) ?? Daily()
                totals.gross = try Checked.add(totals.gross, gross, "the \(key) gross in \(table)")
                totals.refunded = try Checked.add(totals.refunded, refunded, "the \(key) refunded total in \(table)")
                ledger.append((table, key, totals))
            }
        }
        if let object {
            switch input.type {
            case "payment_intent.succeeded":
                try add(gross: object.amount_received ?? object.amount ?? 0)
            case "charge.refunded":
                let before = try state.get(Payment.self, object.id, in: "payments")?.amountRefunded ?? 0
                let delta = try Checked.subtract(object.amount_refunded ?? 0, before, "the refunded amount's change")
                if delta > 0 { try add(refunded: delta) }
            default:
                break
            }
        }
        try state.put(
            PaymentEvent(eventId: input.id, type: input.type, created: created, mode: livemode ? "live" : "test", position: event.position),
            Self.newestFirst(event.position), in: "events"
        )
        for entry in ledger { try state.put(entry.totals, entry.key, in: entry.table) }
        guard let object else { return }
        switch input.type {
        case "payment_intent.succeeded":
            try state.update(hour, in: "hourly", initial: Hourly()) { $0.attempts += 1 }
        case "payment_intent.payment_failed":
            try state.update(hour, in: "hourly", initial: Hourly()) { $0.attempts += 1; $0.failures += 1 }
        default:
            break
        }
        guard object.object == "payment_intent" || object.object == "charge" else { return }
        try state.update(object.id, in: "payments", initial: Payment(
            id: object.id, kind: object.object, amount: 0, currency: "", status: "", amountRefunded: 0, customer: nil,
            created: object.created ?? created, livemode: livemode, lastFailureCode: nil, paymentIntent: nil, refunds: [], refundRequested: nil
        )) { payment in
            payment.amount = object.amount ?? payment.amount
            payment.currency = object.currency ?? payment.currency
            payment.status = object.status ?? payment.status
            payment.amountRefunded = object.amount_refunded ?? payment.amountRefunded
            payment.customer = object.customer ?? payment.customer
            payment.lastFailureCode = object.last_payment_error?.code ?? payment.lastFailureCode
            payment.paymentIntent = object.payment_intent ?? payment.paymentIntent
            if let refunds = object.refunds?.data {
                payment.refunds = refunds.map { Refund(id: $0.id, amount: $0.amount, created: $0.created, status: $0.status) }
            }
        }
        // A refunded charge also updates its payment intent's refunded amount.
        if object.object == "charge", let intent = object.payment_intent, let refunded = object.amount_refunded,
           var payment = try state.get(Payment.self, intent, in: "payments") {
            payment.amountRefunded = refunded
            try state.put(payment, intent, in: "payments")
        }
    }

    /// A key that sorts newer positions first: the complement of the position, zero-padded to 20 digits.
    static func newestFirst(_ position: UInt64) -> String {
        String.zeroPadded(UInt64.max - position, width: 20)
    }

    static func day(_ seconds: Int64) -> String { Timestamp.iso8601(secondsSinceEpoch: seconds, .day) }

    static func hour(_ seconds: Int64) -> String { Timestamp.iso8601(secondsSinceEpoch: seconds, .hour) }
}
