extension PaymentsProjection {
    /// A payment intent or a charge, as its newest snapshot from Stripe shows it, with what the hub knows of its
    /// refunds and disputes. Money is in minor units.
    package struct Payment: Codable, Sendable, Equatable {
        package var id: String
        /// `payment_intent` or `charge`.
        package var kind: String
        /// What was paid: an intent's `amount_received` once it has succeeded, else its `amount`; a charge's `amount`.
        package var amount: Int64
        package var currency: String
        package var status: String
        /// What Stripe reports refunded (a charge's `amount_refunded`; an intent's, from its newest charge).
        package var amountRefunded: Int64
        package var customer: String?
        package var created: Int64
        package var livemode: Bool
        package var lastFailureCode: String?
        /// A charge's payment intent.
        package var paymentIntent: String?
        /// The refunds, oldest first: stored empty (they are records of their own); filled when served.
        package var refunds: [Refund]
        /// What operators asked to refund through the hub, in all.
        package var refundRequested: Int64?
        /// The ids of its refunds, its disputes, the hub's refund requests (action ids) and (for an intent) its
        /// charges, sorted.
        package var refundIds: [String] = []
        package var chargeIds: [String] = []
        package var disputeIds: [String] = []
        package var hubRefunds: [String] = []
        /// Its refunds that succeeded or may still succeed (pending), as Stripe's refund objects show them.
        package var refundedKnown: Int64 = 0
        /// Refunds asked through the hub that Stripe has not shown yet (requested, or made and not yet seen).
        package var refundOutstanding: Int64 = 0
        /// Disputed and not won.
        package var disputed: Int64 = 0
        /// Which snapshot of Stripe's the fields above come from; `nil` for a payment known only from its refunds.
        package var snapshot: SnapshotOrder?
        /// When a snapshot first showed it succeeded: the day its amount is booked.
        package var succeededAt: Int64?
        /// A charge's refunded amount as each of its snapshots showed it (and, from `previous_attributes`, what it
        /// was just before), oldest first: when its refunds happened, for refunds Stripe sent no object of.
        package var refundSteps: [RefundStep] = []
        /// What of a charge's `amountRefunded` its snapshot counted and has failed since (a refund failed after
        /// the newest snapshot of the charge).
        package var refundsFailedSince: Int64 = 0
        /// What the ledger holds of it: its amount (gross) once it succeeded (an intent, or a charge made without
        /// one); and for a charge, what Stripe reports refunded beyond the refunds known as objects (an account
        /// whose events carry no refund list), along its refund steps.
        package var bookedGross: Booking?
        package var bookedUnattributed: [Booking] = []

        /// What Stripe reports refunded, less the refunds that failed since the snapshot that reported it.
        package var refundedReported: Int64 { max(0, amountRefunded - refundsFailedSince) }

        /// What may still be refunded: the amount less the refunds (Stripe's own figure or the refund objects',
        /// whichever is more), the hub's requests not yet seen from Stripe, and what is disputed. Never negative.
        package var refundable: Int64 {
            let taken = [max(refundedKnown, refundedReported), refundOutstanding, disputed].reduce(Int64(0)) {
                total, part in
                let (sum, overflow) = total.addingReportingOverflow(part)
                return overflow ? .max : sum
            }
            return amount > taken ? amount - taken : 0
        }
    }

    /// One refund, as its newest snapshot from Stripe shows it.
    package struct Refund: Codable, Sendable, Equatable {
        package var id: String
        package var amount: Int64
        package var created: Int64?
        /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
        package var status: String?
        package var currency: String? = nil
        package var charge: String? = nil
        package var paymentIntent: String? = nil
        package var snapshot: SnapshotOrder? = nil
        /// When it failed: the earliest snapshot that shows it failed.
        package var failedAt: Int64? = nil
        /// What the ledger holds of it: its amount on its own `created` day once it has succeeded (or failed after),
        /// and for a failed refund the reversal (Stripe's `refund_failure`) on the day it failed.
        package var booked: Booking? = nil
        package var bookedFailure: Booking? = nil

        /// Whether it takes money back from the payment, or may still (pending).
        var counts: Bool { ["succeeded", "pending", "requires_action"].contains(status ?? "succeeded") }
    }

    /// One dispute (chargeback), as its newest snapshot shows it.
    package struct Dispute: Codable, Sendable, Equatable {
        package var id: String
        package var amount: Int64
        package var currency: String?
        /// `warning_needs_response`, `needs_response`, `under_review`, `won`, `lost`, `charge_refunded`, ….
        package var status: String?
        package var charge: String?
        package var paymentIntent: String?
        package var created: Int64?
        package var snapshot: SnapshotOrder?

        /// Whether its amount is out of reach of a refund: any dispute not won, closed by a warning, or closed by a
        /// refund (which the refunds already count).
        var holds: Bool { !["won", "warning_closed", "charge_refunded"].contains(status ?? "") }
    }

    /// A refund asked through the hub (`refund.requested`), by its action id, and what became of it.
    package struct HubRefund: Codable, Sendable, Equatable {
        package var actionId: String
        package var paymentId: String
        package var amount: Int64
        /// `requested`, `succeeded` (Stripe answered with `refundId`) or `dead` (nothing was refunded).
        package var state: String
        package var refundId: String?
        /// When it was requested: the recording time of its `refund.requested`, in seconds.
        package var requestedAt: Int64? = nil
    }

    /// A refund request's idempotency key (by ``RefundRequest/keyDigest(_:)``) and the request it made.
    package struct RefundKey: Codable, Sendable, Equatable {
        /// The position of the `refund.requested` the key made.
        package var position: UInt64
        package var paymentId: String
        package var resolvedAmount: Int64
        /// What the first request asked (``RefundRequest/fingerprint(paymentId:amount:)``).
        package var fingerprint: String
    }

    /// A charge's refunded amount as one snapshot showed it: `to` at `created`, up from `from` when the event said
    /// (`previous_attributes.amount_refunded`).
    package struct RefundStep: Codable, Sendable, Equatable {
        package var created: Int64
        package var eventId: String
        package var from: Int64?
        package var to: Int64
    }

    /// Which of two snapshots of one Stripe object is newer: the event's `created`, then the status's place in the
    /// object's life (a refund's `pending` before `succeeded` before `failed`), then a detail that only grows (a
    /// charge's refunded amount), then the event id: so the newest is the same whatever order they arrive in.
    package struct SnapshotOrder: Codable, Sendable, Equatable, Comparable {
        package var created: Int64
        package var rank: Int
        package var detail: Int64
        package var eventId: String

        package static func < (a: Self, b: Self) -> Bool {
            (a.created, a.rank, a.detail, a.eventId) < (b.created, b.rank, b.detail, b.eventId)
        }
    }

    /// An amount booked in the ledger under a day and an hour, in a currency, kept with what booked it so that a
    /// newer snapshot can take it back.
    package struct Booking: Codable, Sendable, Equatable {
        package var day: String
        package var hour: String
        package var currency: String
        package var amount: Int64
        /// `gross`, `refunded` or `refundFailures`.
        package var column: String
    }

    /// A day's (in `daily`) or an hour's (in `hourly_ledger`, keyed `YYYY-MM-DDTHH|currency`) totals in one currency:
    /// payments, refunds on the day they were made, and refunds that failed on the day they failed (money back).
    package struct Daily: Codable, Sendable, Equatable {
        package var gross: Int64 = 0
        package var refunded: Int64 = 0
        package var refundFailures: Int64 = 0

        package init(gross: Int64 = 0, refunded: Int64 = 0, refundFailures: Int64 = 0) {
            (self.gross, self.refunded, self.refundFailures) = (gross, refunded, refundFailures)
        }
        /// Gross less refunds plus failed refunds; wraps rather than traps on a corrupt record.
        package var net: Int64 { gross &- refunded &+ refundFailures }
        enum CodingKeys: String, CodingKey { case gross, refunded, refundFailures }
    }

    /// An hour's payment attempts and failures.
    package struct Hourly: Codable, Sendable, Equatable {
        package var attempts = 0
        package var failures = 0
    }

    /// One entry of the payment event list.
    package struct PaymentEvent: Codable, Sendable, Equatable {
        package var eventId: String
        package var type: String
        package var created: Int64
        package var mode: String
        package var position: UInt64
    }
}
