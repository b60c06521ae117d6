extension PaymentsProjection {
    /// A payment intent or a charge, as its newest snapshot from Stripe shows it, with what the hub knows of its
    /// refunds and disputes. Money is in minor units.
    public struct Payment: Codable, Sendable, Equatable {
        public var id: String
        /// `payment_intent` or `charge`.
        public var kind: String
        /// What was paid: an intent's `amount_received` once it has succeeded, else its `amount`; a charge's `amount`.
        public var amount: Int64
        public var currency: String
        public var status: String
        /// What Stripe reports refunded (a charge's `amount_refunded`; an intent's, from its newest charge).
        public var amountRefunded: Int64
        public var customer: String?
        public var created: Int64
        public var livemode: Bool
        public var lastFailureCode: String?
        /// A charge's payment intent.
        public var paymentIntent: String?
        /// The refunds, oldest first: stored empty (they are records of their own); filled when served.
        public var refunds: [Refund]
        /// What operators asked to refund through the hub, in all.
        public var refundRequested: Int64?
        /// The ids of its refunds, its disputes, the hub's refund requests (action ids) and (for an intent) its
        /// charges, sorted.
        public var refundIds: [String] = []
        public var chargeIds: [String] = []
        public var disputeIds: [String] = []
        public var hubRefunds: [String] = []
        /// Its refunds that succeeded or may still succeed (pending), as Stripe's refund objects show them.
        public var refundedKnown: Int64 = 0
        /// Refunds asked through the hub that Stripe has not shown yet (requested, or made and not yet seen).
        public var refundOutstanding: Int64 = 0
        /// Disputed and not won.
        public var disputed: Int64 = 0
        /// Which snapshot of Stripe's the fields above come from; `nil` for a payment known only from its refunds.
        public var snapshot: SnapshotOrder?
        /// When a snapshot first showed it succeeded: the day its amount is booked.
        public var succeededAt: Int64?
        /// What the ledger holds of it: its amount (gross) once it succeeded (an intent, or a charge made without
        /// one); and for a charge, what Stripe reports refunded beyond the refunds known as objects (an account
        /// whose events carry no refund list), on the day of the charge's newest snapshot.
        public var bookedGross: Booking?
        public var bookedUnattributed: Booking?

        /// What may still be refunded: the amount less the refunds (Stripe's own figure or the refund objects',
        /// whichever is more), the hub's requests not yet seen from Stripe, and what is disputed. Never negative.
        public var refundable: Int64 {
            let taken = [max(refundedKnown, amountRefunded), refundOutstanding, disputed].reduce(Int64(0)) { total, part in
                let (sum, overflow) = total.addingReportingOverflow(part)
                return overflow ? .max : sum
            }
            return amount > taken ? amount - taken : 0
        }
    }

    /// One refund, as its newest snapshot from Stripe shows it.
    public struct Refund: Codable, Sendable, Equatable {
        public var id: String
        public var amount: Int64
        public var created: Int64?
        /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
        public var status: String?
        public var currency: String? = nil
        public var charge: String? = nil
        public var paymentIntent: String? = nil
        public var snapshot: SnapshotOrder? = nil
        /// What the ledger holds of it: its amount on its own `created` day while it has succeeded.
        public var booked: Booking? = nil

        /// Whether it takes money back from the payment, or may still (pending).
        var counts: Bool { ["succeeded", "pending", "requires_action"].contains(status ?? "succeeded") }
    }

    /// One dispute (chargeback), as its newest snapshot shows it.
    public struct Dispute: Codable, Sendable, Equatable {
        public var id: String
        public var amount: Int64
        public var currency: String?
        /// `warning_needs_response`, `needs_response`, `under_review`, `won`, `lost`, `charge_refunded`, ….
        public var status: String?
        public var charge: String?
        public var paymentIntent: String?
        public var created: Int64?
        public var snapshot: SnapshotOrder?

        /// Whether its amount is out of reach of a refund: any dispute not won, closed by a warning, or closed by a
        /// refund (which the refunds already count).
        var holds: Bool { !["won", "warning_closed", "charge_refunded"].contains(status ?? "") }
    }

    /// A refund asked through the hub (`refund.requested`), by its action id, and what became of it.
    public struct HubRefund: Codable, Sendable, Equatable {
        public var actionId: String
        public var paymentId: String
        public var amount: Int64
        /// `requested`, `succeeded` (Stripe answered with `refundId`) or `dead` (nothing was refunded).
        public var state: String
        public var refundId: String?
    }

    /// Which of two snapshots of one Stripe object is newer: the event's `created`, then the status's place in the
    /// object's life (a refund's `pending` before `succeeded` before `failed`), then a detail that only grows (a
    /// charge's refunded amount), then the event id: so the newest is the same whatever order they arrive in.
    public struct SnapshotOrder: Codable, Sendable, Equatable, Comparable {
        public var created: Int64
        public var rank: Int
        public var detail: Int64
        public var eventId: String

        public static func < (a: Self, b: Self) -> Bool {
            (a.created, a.rank, a.detail, a.eventId) < (b.created, b.rank, b.detail, b.eventId)
        }
    }

    /// An amount booked in the ledger under a day and an hour, in a currency, kept with what booked it so that a
    /// newer snapshot can take it back.
    public struct Booking: Codable, Sendable, Equatable {
        public var day: String
        public var hour: String
        public var currency: String
        public var amount: Int64
        /// `gross` or `refunded`.
        public var column: String
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
}
