import EventLog

/// The changes one event makes to the payments state: records read once, changed in memory, and written together
/// by ``write()`` only once everything has been worked out, so that an event refused on the way (a negative amount,
/// a sum past 64 bits) changes nothing.
final class PaymentsChange {
    typealias Payment = PaymentsProjection.Payment
    typealias Refund = PaymentsProjection.Refund
    typealias Dispute = PaymentsProjection.Dispute
    typealias HubRefund = PaymentsProjection.HubRefund
    typealias Booking = PaymentsProjection.Booking
    typealias Daily = PaymentsProjection.Daily
    typealias SnapshotOrder = PaymentsProjection.SnapshotOrder
    typealias RefundKey = PaymentsProjection.RefundKey
    typealias RefundStep = PaymentsProjection.RefundStep

    private let state: ProjectionState
    /// One table's records as this change sees them: read through to the state, kept when changed.
    struct Table<Record: Codable> {
        let name: String
        var records: [String: Record?] = [:]
        var changed = Set<String>()
    }

    var payments = Table<Payment>(name: "payments")
    var refunds = Table<Refund>(name: "refunds")
    var disputes = Table<Dispute>(name: "disputes")
    var hubRefunds = Table<HubRefund>(name: "hub_refunds")
    var refundKeys = Table<RefundKey>(name: "refund_keys")
    private var ledger = [String: Table<Daily>]()
    private var listed: (PaymentsProjection.PaymentEvent, key: String)?
    private var attempt: (failed: Bool, hour: String)?
    /// Payments whose sums must be worked out again before writing.
    var stale = Set<String>()

    init(state: ProjectionState) { self.state = state }

    // MARK: Reading and changing records

    func get<R: Codable>(_ table: inout Table<R>, _ id: String) throws -> R? {
        if let record = table.records[id] { return record }
        let stored = try state.get(R.self, id, in: table.name)
        table.records[id] = stored
        return stored
    }

    func set<R: Codable>(_ table: inout Table<R>, _ id: String, _ record: R) {
        table.records[id] = record
        table.changed.insert(id)
    }

    private func payment(_ id: String, orNew kind: String) throws -> Payment {
        try get(&payments, id)
            ?? Payment(
                id: id, kind: kind, amount: 0, currency: "", status: "", amountRefunded: 0, customer: nil, created: 0,
                livemode: false,
                lastFailureCode: nil, paymentIntent: nil, refunds: [], refundRequested: nil
            )
    }

    /// Writes every changed record. Call once, after everything that may refuse the event: every key is checked
    /// before the first write.
    func write() throws {
        for id in stale.sorted() { try recompute(id) }
        stale.removeAll()
        for id in payments.changed { try ProjectionState.checkKey(id, in: payments.name) }
        for id in refunds.changed { try ProjectionState.checkKey(id, in: refunds.name) }
        for id in disputes.changed { try ProjectionState.checkKey(id, in: disputes.name) }
        for id in hubRefunds.changed { try ProjectionState.checkKey(id, in: hubRefunds.name) }
        for id in refundKeys.changed { try ProjectionState.checkKey(id, in: refundKeys.name) }
        for table in ledger.values { for key in table.changed { try ProjectionState.checkKey(key, in: table.name) } }
        for id in payments.changed {
            if let record = payments.records[id] ?? nil { try state.put(record, id, in: payments.name) }
        }
        for id in refunds.changed {
            if let record = refunds.records[id] ?? nil { try state.put(record, id, in: refunds.name) }
        }
        for id in disputes.changed {
            if let record = disputes.records[id] ?? nil { try state.put(record, id, in: disputes.name) }
        }
        for id in hubRefunds.changed {
            if let record = hubRefunds.records[id] ?? nil { try state.put(record, id, in: hubRefunds.name) }
        }
        for id in refundKeys.changed {
            if let record = refundKeys.records[id] ?? nil { try state.put(record, id, in: refundKeys.name) }
        }
        // A total that a newer snapshot took back to nothing is removed, so that the ledger holds the same keys
        // whatever order the snapshots came in.
        for table in ledger.values {
            for key in table.changed {
                guard let totals = table.records[key] ?? nil else { continue }
                if totals == Daily() {
                    try state.delete(key, in: table.name)
                } else {
                    try state.put(totals, key, in: table.name)
                }
            }
        }
        if let (entry, key) = listed { try state.put(entry, key, in: "events") }
        if let attempt {
            try state.update(attempt.hour, in: "hourly", initial: PaymentsProjection.Hourly()) {
                $0.attempts += 1
                if attempt.failed { $0.failures += 1 }
            }
        }
    }

    func listEvent(_ entry: PaymentsProjection.PaymentEvent, key: String) { listed = (entry, key) }

    /// Counts a payment attempt (and a failure) in its hour, for the alerts.
    func countAttempt(_ type: String, hour: String) {
        switch type {
        case "payment_intent.succeeded": attempt = (false, hour)
        case "payment_intent.payment_failed": attempt = (true, hour)
        default: break
        }
    }

    // MARK: The ledger

    /// Takes `old` back from the ledger and books `new`, with checked sums; returns `new`.
    func rebook(_ old: Booking?, _ new: Booking?) throws -> Booking? {
        guard old != new else { return new }
        if let old { try book(old, sign: -1) }
        if let new { try book(new, sign: 1) }
        return new
    }

    /// Takes every booking of `old` back from the ledger and books those of `new`; returns `new`.
    func rebook(_ old: [Booking], _ new: [Booking]) throws -> [Booking] {
        guard old != new else { return new }
        for booking in old { try book(booking, sign: -1) }
        for booking in new { try book(booking, sign: 1) }
        return new
    }

    private func book(_ booking: Booking, sign: Int64) throws {
        for (table, key) in [
            ("daily", "\(booking.day)|\(booking.currency)"), ("hourly_ledger", "\(booking.hour)|\(booking.currency)"),
        ] {
            var entries = ledger[table] ?? Table<Daily>(name: table)
            var totals = try get(&entries, key) ?? Daily()
            let what = "the \(booking.column) total of \(key) in \(table)"
            switch booking.column {
            case "gross":
                totals.gross =
                    try sign > 0
                    ? Checked.add(totals.gross, booking.amount, what)
                    : Checked.subtract(totals.gross, booking.amount, what)
            case "refundFailures":
                totals.refundFailures =
                    try sign > 0
                    ? Checked.add(totals.refundFailures, booking.amount, what)
                    : Checked.subtract(totals.refundFailures, booking.amount, what)
            default:
                totals.refunded =
                    try sign > 0
                    ? Checked.add(totals.refunded, booking.amount, what)
                    : Checked.subtract(totals.refunded, booking.amount, what)
            }
            set(&entries, key, totals)
            ledger[table] = entries
        }
    }

    func booking(_ amount: Int64, at seconds: Int64, currency: String, column: String) -> Booking {
        Booking(
            day: PaymentsProjection.day(seconds), hour: PaymentsProjection.hour(seconds), currency: currency,
            amount: amount, column: column)
    }

    // MARK: Stripe objects

    /// Applies the object of a Stripe event, by its kind; other objects change nothing.
    func apply(_ event: PaymentsProjection.StripeEvent, recordedAt: Int64) throws {
        guard let object = event.data?.object, let id = object.id, let kind = object.object else { return }
        for (name, amount) in [
            ("amount", object.amount), ("amount_received", object.amount_received),
            ("amount_refunded", object.amount_refunded),
        ] {
            if let amount, amount < 0 {
                throw EventRejected("data.object.\(name) is negative (\(amount)); Stripe amounts are never negative")
            }
        }
        if let negative = object.refunds?.data.first(where: { $0.amount < 0 }) {
            throw EventRejected("refund \(negative.id) has a negative amount (\(negative.amount))")
        }
        let created = event.created ?? recordedAt
        switch kind {
        case "payment_intent", "charge":
            let order = SnapshotOrder(
                created: created,
                rank: Self.rank(of: object.status, in: kind == "charge" ? Self.chargeLife : Self.intentLife),
                detail: object.amount_refunded ?? 0, eventId: event.id
            )
            let previous = event.data?.previous_attributes?.amount_refunded
            if let previous, previous < 0 {
                throw EventRejected(
                    "data.previous_attributes.amount_refunded is negative (\(previous)); Stripe amounts are never negative"
                )
            }
            try applyPayment(
                object, id: id, kind: kind, order: order, livemode: object.livemode ?? event.livemode ?? false,
                refundedBefore: previous)
            for refund in object.refunds?.data ?? [] {
                try applyRefund(
                    id: refund.id, amount: refund.amount, created: refund.created, status: refund.status,
                    currency: refund.currency ?? object.currency,
                    charge: refund.charge?.id ?? (kind == "charge" ? id : nil),
                    paymentIntent: refund.payment_intent?.id ?? object.payment_intent?.id,
                    order: SnapshotOrder(
                        created: created, rank: Self.rank(of: refund.status, in: Self.refundLife), detail: 0,
                        eventId: event.id)
                )
            }
        case "refund":
            try applyRefund(
                id: id, amount: object.amount ?? 0, created: object.created, status: object.status,
                currency: object.currency,
                charge: object.charge?.id, paymentIntent: object.payment_intent?.id,
                order: SnapshotOrder(
                    created: created, rank: Self.rank(of: object.status, in: Self.refundLife), detail: 0,
                    eventId: event.id)
            )
        case "dispute":
            try applyDispute(
                object, id: id,
                order: SnapshotOrder(
                    created: created, rank: Self.rank(of: object.status, in: Self.disputeLife), detail: 0,
                    eventId: event.id
                ))
        default:
            break
        }
    }

    /// The place of a status in an object's life, for snapshots of the same second.
    static func rank(of status: String?, in life: [String: Int]) -> Int { status.flatMap { life[$0] } ?? 0 }
    static let intentLife = [
        "requires_payment_method": 0, "requires_confirmation": 1, "requires_action": 2, "processing": 3,
        "requires_capture": 4,
        "canceled": 5, "succeeded": 5,
    ]
    static let chargeLife = ["pending": 0, "failed": 1, "succeeded": 1]
    static let refundLife = ["pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2]
    static let disputeLife = [
        "warning_needs_response": 0, "needs_response": 0, "warning_under_review": 1, "under_review": 1,
        "warning_closed": 2, "won": 2,
        "lost": 2, "charge_refunded": 2,
    ]

    private func applyPayment(
        _ object: PaymentsProjection.StripeObject, id: String, kind: String, order: SnapshotOrder, livemode: Bool,
        refundedBefore: Int64?
    ) throws {
        var payment = try payment(id, orNew: kind)
        // Every snapshot of a charge's refunded amount is a step in its refunds' history, whatever order they came in.
        if kind == "charge", let refunded = object.amount_refunded, refunded > 0 || refundedBefore != nil,
            !payment.refundSteps.contains(where: { $0.eventId == order.eventId })
        {
            payment.refundSteps.append(
                RefundStep(created: order.created, eventId: order.eventId, from: refundedBefore, to: refunded))
            payment.refundSteps.sort { ($0.created, $0.eventId) < ($1.created, $1.eventId) }
        }
        if payment.snapshot.map({ $0 < order }) ?? true {
            payment.snapshot = order
            payment.kind = kind
            payment.amount =
                (kind == "payment_intent" && object.status == "succeeded" ? object.amount_received : nil) ?? object
                .amount ?? payment.amount
            payment.currency = object.currency ?? payment.currency
            // A charge of API versions before 2015 says `paid` where later ones say `succeeded`.
            payment.status =
                (kind == "charge" && object.status == "paid" ? "succeeded" : object.status) ?? payment.status
            payment.customer = object.customer ?? payment.customer
            payment.created = object.created ?? payment.created
            payment.livemode = livemode
            payment.lastFailureCode = object.last_payment_error?.code ?? payment.lastFailureCode
            if kind == "charge" {
                payment.amountRefunded = object.amount_refunded ?? payment.amountRefunded
                payment.paymentIntent = object.payment_intent?.id ?? payment.paymentIntent
            }
        }
        // The day it is booked on: the earliest snapshot that shows it succeeded, whatever order they came in.
        if object.status == "succeeded" || (kind == "charge" && object.status == "paid") {
            payment.succeededAt = min(payment.succeededAt ?? order.created, order.created)
        }
        set(&payments, id, payment)
        stale.insert(id)
        if kind == "charge", let intent = payment.paymentIntent {
            var parent = try self.payment(intent, orNew: "payment_intent")
            parent.chargeIds = Self.adding(id, to: parent.chargeIds)
            parent.refundIds = Self.merging(payment.refundIds, into: parent.refundIds)
            parent.disputeIds = Self.merging(payment.disputeIds, into: parent.disputeIds)
            set(&payments, intent, parent)
            stale.insert(intent)
        }
    }

    private func applyRefund(
        id: String, amount: Int64, created: Int64?, status: String?, currency: String?, charge: String?,
        paymentIntent: String?,
        order: SnapshotOrder
    ) throws {
        var refund = try get(&refunds, id) ?? Refund(id: id, amount: amount, created: created, status: status)
        if refund.snapshot.map({ $0 < order }) ?? true {
            refund.snapshot = order
            refund.amount = amount
            refund.created = created ?? refund.created
            refund.status = status ?? refund.status
            refund.currency = currency ?? refund.currency
        }
        if status == "failed" { refund.failedAt = min(refund.failedAt ?? order.created, order.created) }
        refund.charge = refund.charge ?? charge
        refund.paymentIntent = refund.paymentIntent ?? paymentIntent
        set(&refunds, id, refund)
        try link(refund: id, charge: refund.charge, paymentIntent: refund.paymentIntent, disputes: false)
    }

    private func applyDispute(_ object: PaymentsProjection.StripeObject, id: String, order: SnapshotOrder) throws {
        var dispute =
            try get(&disputes, id)
            ?? Dispute(
                id: id, amount: object.amount ?? 0, currency: object.currency, status: object.status, charge: nil,
                paymentIntent: nil,
                created: object.created, snapshot: nil
            )
        if dispute.snapshot.map({ $0 < order }) ?? true {
            dispute.snapshot = order
            dispute.amount = object.amount ?? dispute.amount
            dispute.currency = object.currency ?? dispute.currency
            dispute.status = object.status ?? dispute.status
            dispute.created = object.created ?? dispute.created
        }
        dispute.charge = dispute.charge ?? object.charge?.id
        dispute.paymentIntent = dispute.paymentIntent ?? object.payment_intent?.id
        set(&disputes, id, dispute)
        try link(refund: id, charge: dispute.charge, paymentIntent: dispute.paymentIntent, disputes: true)
    }

    /// Lists a refund (or a dispute) under its charge and its payment intent (the charge's, when the refund does not
    /// name one), creating a record for a payment not seen yet.
    private func link(refund id: String, charge: String?, paymentIntent: String?, disputes: Bool) throws {
        var intent = paymentIntent
        if let charge {
            var record = try payment(charge, orNew: "charge")
            if disputes {
                record.disputeIds = Self.adding(id, to: record.disputeIds)
            } else {
                record.refundIds = Self.adding(id, to: record.refundIds)
            }
            intent = intent ?? record.paymentIntent
            set(&payments, charge, record)
            stale.insert(charge)
        }
        if let intent {
            var record = try payment(intent, orNew: "payment_intent")
            if disputes {
                record.disputeIds = Self.adding(id, to: record.disputeIds)
            } else {
                record.refundIds = Self.adding(id, to: record.refundIds)
            }
            set(&payments, intent, record)
            stale.insert(intent)
        }
        if !disputes, let refund = try get(&refunds, id) {
            // A refund is booked on its own day, in its currency (or its payment's), once it has succeeded; one that
            // failed stays booked there and is reversed on the day it failed, as Stripe's balance does
            // (`refund_failure`), so that a day already reported does not change.
            var currency = refund.currency
            if currency == nil, let owner = charge ?? intent { currency = try get(&payments, owner)?.currency }
            // Refunds in API versions before 2014 have no status: they succeeded.
            let status = refund.status ?? "succeeded"
            let wanted =
                status == "succeeded" || status == "failed"
                ? booking(
                    refund.amount, at: refund.created ?? refund.snapshot?.created ?? 0, currency: currency ?? "",
                    column: "refunded")
                : nil
            let reversal =
                status == "failed"
                ? refund.failedAt.map {
                    booking(refund.amount, at: $0, currency: currency ?? "", column: "refundFailures")
                } : nil
            var updated = refund
            updated.booked = try rebook(refund.booked, wanted)
            updated.bookedFailure = try rebook(refund.bookedFailure, reversal)
            set(&refunds, id, updated)
        }
    }

    static func adding(_ id: String, to ids: [String]) -> [String] {
        guard !ids.contains(id) else { return ids }
        return (ids + [id]).sorted()
    }

    static func merging(_ more: [String], into ids: [String]) -> [String] {
        Array(Set(ids).union(more)).sorted()
    }
}
