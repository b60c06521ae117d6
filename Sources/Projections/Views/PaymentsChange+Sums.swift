import EventLog

// The hub's own refund requests, and each payment's sums and bookings worked out again from the records it lists.
extension PaymentsChange {
    // MARK: The hub's own refunds

    /// An operator's refund request: outstanding until Stripe shows the refund, or the call is dead. A request made
    /// with an idempotency key records which request the key made.
    func requested(_ request: RefundRequest, position: UInt64, at seconds: Int64) throws {
        guard request.resolvedAmount > 0 else {
            throw EventRejected("a refund request of \(request.resolvedAmount); it must be positive")
        }
        if let key = request.idempotencyKey, let fingerprint = request.fingerprint {
            set(
                &refundKeys, RefundRequest.keyDigest(key),
                RefundKey(
                    position: position, paymentId: request.paymentId, resolvedAmount: request.resolvedAmount,
                    fingerprint: fingerprint))
        }
        guard var payment = try get(&payments, request.paymentId) else { return }
        let actionId = RefundRequest.actionId(position: position)
        payment.refundRequested = try Checked.add(
            payment.refundRequested ?? 0, request.resolvedAmount, "the amount requested to refund")
        payment.hubRefunds = Self.adding(actionId, to: payment.hubRefunds)
        set(&payments, request.paymentId, payment)
        set(
            &hubRefunds, actionId,
            HubRefund(
                actionId: actionId, paymentId: request.paymentId, amount: request.resolvedAmount, state: "requested",
                requestedAt: seconds))
        stale.insert(request.paymentId)
    }

    /// How the hub's refund call ended: Stripe's refund id, or dead (nothing refunded).
    func refundCall(_ actionId: String, succeeded: Bool, refundId: String?) throws {
        guard var call = try get(&hubRefunds, actionId) else { return }
        call.state = succeeded ? "succeeded" : "dead"
        call.refundId = refundId
        set(&hubRefunds, actionId, call)
        stale.insert(call.paymentId)
    }

    // MARK: Sums

    /// Works out a payment's sums and bookings from the records it lists.
    func recompute(_ id: String) throws {
        guard var payment = try get(&payments, id) else { return }
        var known: Int64 = 0
        var knownIDs = Set<String>()
        for refundID in payment.refundIds {
            guard let refund = try get(&refunds, refundID) else { continue }
            knownIDs.insert(refundID)
            if refund.counts { known = try Checked.add(known, refund.amount, "the refunds of \(id)") }
        }
        var outstanding: Int64 = 0
        for actionID in payment.hubRefunds {
            guard let call = try get(&hubRefunds, actionID) else { continue }
            let seen = call.refundId.map { knownIDs.contains($0) || (try? get(&refunds, $0)) != nil } ?? false
            if call.state == "requested" || (call.state == "succeeded" && !seen) {
                outstanding = try Checked.add(outstanding, call.amount, "the refunds requested of \(id)")
            }
        }
        var disputed: Int64 = 0
        for disputeID in payment.disputeIds {
            guard let dispute = try get(&disputes, disputeID), dispute.holds else { continue }
            disputed = try Checked.add(disputed, dispute.amount, "the disputes of \(id)")
        }
        payment.refundedKnown = known
        payment.refundOutstanding = outstanding
        payment.disputed = disputed
        if payment.kind == "payment_intent" {
            var refunded: Int64 = 0
            for chargeID in payment.chargeIds {
                guard let charge = try get(&payments, chargeID) else { continue }
                refunded = try Checked.add(refunded, charge.refundedReported, "the refunds of \(id)'s charges")
            }
            if !payment.chargeIds.isEmpty { payment.amountRefunded = refunded }
        }
        // Gross: an intent once it succeeded; a charge only when it was made without one (the Charges API).
        let grossed =
            payment.status == "succeeded" && (payment.kind == "payment_intent" || payment.paymentIntent == nil)
        let gross =
            grossed
            ? payment.succeededAt.map { booking(payment.amount, at: $0, currency: payment.currency, column: "gross") }
            : nil
        payment.bookedGross = try rebook(payment.bookedGross, gross)
        if payment.kind == "charge" {
            // Refunds the newest snapshot counted and that failed after it no longer take money back.
            var failedSince: Int64 = 0
            var knownByDay = [String: Int64]()
            for refundID in payment.refundIds {
                guard let refund = try get(&refunds, refundID) else { continue }
                if refund.counts, let booked = refund.booked {
                    knownByDay[booked.day] = try Checked.add(
                        knownByDay[booked.day] ?? 0, refund.amount, "the refunds of \(id)")
                }
                if refund.status == "failed", let failedAt = refund.failedAt, let snapshot = payment.snapshot,
                    (refund.created ?? 0) <= snapshot.created, failedAt > snapshot.created
                {
                    failedSince = try Checked.add(failedSince, refund.amount, "the failed refunds of \(id)")
                }
            }
            payment.refundsFailedSince = failedSince
            let beyond = payment.refundedReported > known ? payment.refundedReported - known : 0
            payment.bookedUnattributed = try rebook(
                payment.bookedUnattributed,
                unattributedBookings(beyond, steps: payment.refundSteps, knownByDay: knownByDay, payment: payment))
        }
        set(&payments, id, payment)
    }

    /// Books `amount`, what a charge reports refunded beyond the refund objects known, along its refund steps: each
    /// rise of its refunded amount on the day it happened, less the known refunds of that day, oldest first, up to
    /// `amount`; what is left (refunded before the first step) on the first step's day.
    private func unattributedBookings(
        _ amount: Int64, steps: [RefundStep], knownByDay: [String: Int64], payment: Payment
    ) -> [Booking] {
        guard amount > 0 else { return [] }
        var left = amount
        var knownLeft = knownByDay
        var amounts = [(at: Int64, amount: Int64)]()
        var previous: Int64 = 0
        for step in steps {
            let from = step.from ?? previous
            previous = step.to
            guard step.to > from, left > 0 else { continue }
            let day = PaymentsProjection.day(step.created)
            let covered = min(step.to - from, knownLeft[day] ?? 0)
            knownLeft[day] = (knownLeft[day] ?? 0) - covered
            let taken = min(step.to - from - covered, left)
            left -= taken
            if taken > 0 { amounts.append((step.created, taken)) }
        }
        if left > 0 { amounts.append((steps.first?.created ?? payment.snapshot?.created ?? 0, left)) }
        var bookings = [Booking]()
        for (at, part) in amounts {
            let entry = booking(part, at: at, currency: payment.currency, column: "refunded")
            if let index = bookings.firstIndex(where: { $0.hour == entry.hour }) {
                bookings[index].amount += part  // parts of `amount`: their sum cannot overflow
            } else {
                bookings.append(entry)
            }
        }
        return bookings.sorted { $0.hour < $1.hour }
    }
}
