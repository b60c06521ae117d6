import JSONScan
// The payments records write their own JSON, members in sorted order (see StateJSONWritable); a payment, which a
// catch-up reads back most, also reads its own (see StateJSONReadable).

extension PaymentsProjection.Payment: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("amount", amount)
            w.member("amountRefunded", amountRefunded)
            w.member("bookedGross", bookedGross)
            w.member("bookedUnattributed", bookedUnattributed)
            w.member("chargeIds", chargeIds)
            w.member("created", created)
            w.member("currency", currency)
            w.member("customer", customer)
            w.member("disputeIds", disputeIds)
            w.member("disputed", disputed)
            w.member("hubRefunds", hubRefunds)
            w.member("id", id)
            w.member("kind", kind)
            w.member("lastFailureCode", lastFailureCode)
            w.member("livemode", livemode)
            w.member("paymentIntent", paymentIntent)
            w.member("refundIds", refundIds)
            w.member("refundOutstanding", refundOutstanding)
            w.member("refundRequested", refundRequested)
            w.member("refundSteps", refundSteps)
            w.member("refundedKnown", refundedKnown)
            w.member("refunds", refunds)
            w.member("refundsFailedSince", refundsFailedSince)
            w.member("snapshot", snapshot)
            w.member("status", status)
            w.member("succeededAt", succeededAt)
        }
    }
}

extension PaymentsProjection.Payment: StateJSONReadable {
    private enum Field: Int {
        case amount, amountRefunded, bookedGross, grossDay, grossHour, grossCurrency, grossAmount, grossColumn,
            bookedUnattributed
        case chargeIds, created, currency, customer, disputeIds, disputed, hubRefunds, id, kind, lastFailureCode,
            livemode, paymentIntent
        case refundIds, refundOutstanding, refundRequested, refundSteps, refundedKnown, refunds, refundsFailedSince,
            snapshot
        case snapshotCreated, snapshotRank, snapshotDetail, snapshotEvent, status, succeededAt
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["amount"], ["amountRefunded"], ["bookedGross"], ["bookedGross", "day"], ["bookedGross", "hour"],
        ["bookedGross", "currency"],
        ["bookedGross", "amount"], ["bookedGross", "column"], ["bookedUnattributed"],
        ["chargeIds"], ["created"], ["currency"], ["customer"], ["disputeIds"], ["disputed"], ["hubRefunds"], ["id"],
        ["kind"],
        ["lastFailureCode"], ["livemode"], ["paymentIntent"], ["refundIds"], ["refundOutstanding"], ["refundRequested"],
        ["refundSteps"],
        ["refundedKnown"], ["refunds"], ["refundsFailedSince"], ["snapshot"], ["snapshot", "created"],
        ["snapshot", "rank"], ["snapshot", "detail"],
        ["snapshot", "eventId"],
        ["status"], ["succeededAt"],
    ]

    /// A payment as stored (its refunds are records of their own, so `refunds` is empty) with no refund steps and
    /// no unattributed bookings, as most are; any other shape is left to the general decoder.
    static func scanned(_ stored: UnsafeRawBufferPointer) -> Self? {
        JSONFieldScanner.read(stored, paths: paths, by: Field.self) { f throws(JSONFieldScanner.Unscanned) in
            guard f.isEmptyArray(.refunds), f.isEmptyArray(.refundSteps), f.isEmptyArray(.bookedUnattributed) else {
                throw JSONFieldScanner.Unscanned()
            }
            var payment = Self(
                id: try f.requiredString(.id), kind: try f.requiredString(.kind), amount: try f.requiredInt64(.amount),
                currency: try f.requiredString(.currency), status: try f.requiredString(.status),
                amountRefunded: try f.requiredInt64(.amountRefunded), customer: try f.string(.customer),
                created: try f.requiredInt64(.created),
                livemode: try f.requiredBool(.livemode), lastFailureCode: try f.string(.lastFailureCode),
                paymentIntent: try f.string(.paymentIntent), refunds: [], refundRequested: try f.int64(.refundRequested)
            )
            payment.refundIds = try f.stringArray(.refundIds)
            payment.chargeIds = try f.stringArray(.chargeIds)
            payment.disputeIds = try f.stringArray(.disputeIds)
            payment.hubRefunds = try f.stringArray(.hubRefunds)
            payment.refundedKnown = try f.requiredInt64(.refundedKnown)
            payment.refundOutstanding = try f.requiredInt64(.refundOutstanding)
            payment.disputed = try f.requiredInt64(.disputed)
            payment.refundsFailedSince = try f.requiredInt64(.refundsFailedSince)
            payment.succeededAt = try f.int64(.succeededAt)
            if !f.isAbsent(.snapshot) {
                guard f.kind(.snapshot) == .object else { throw JSONFieldScanner.Unscanned() }
                payment.snapshot = PaymentsProjection.SnapshotOrder(
                    created: try f.requiredInt64(.snapshotCreated), rank: Int(try f.requiredInt64(.snapshotRank)),
                    detail: try f.requiredInt64(.snapshotDetail), eventId: try f.requiredString(.snapshotEvent)
                )
            }
            payment.bookedGross = try Self.booking(
                f, .bookedGross, .grossDay, .grossHour, .grossCurrency, .grossAmount, .grossColumn)
            return payment
        }
    }

    /// The booking at `field`, from its members' fields; `nil` when absent.
    private static func booking(
        _ f: JSONFieldScanner.Reader<Field>, _ field: Field, _ day: Field, _ hour: Field, _ currency: Field,
        _ amount: Field, _ column: Field
    ) throws(JSONFieldScanner.Unscanned) -> PaymentsProjection.Booking? {
        if f.isAbsent(field) { return nil }
        guard f.kind(field) == .object else { throw JSONFieldScanner.Unscanned() }
        return PaymentsProjection.Booking(
            day: try f.requiredString(day), hour: try f.requiredString(hour), currency: try f.requiredString(currency),
            amount: try f.requiredInt64(amount), column: try f.requiredString(column)
        )
    }
}

extension PaymentsProjection.Refund: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("amount", amount)
            w.member("booked", booked)
            w.member("bookedFailure", bookedFailure)
            w.member("charge", charge)
            w.member("created", created)
            w.member("currency", currency)
            w.member("failedAt", failedAt)
            w.member("id", id)
            w.member("paymentIntent", paymentIntent)
            w.member("snapshot", snapshot)
            w.member("status", status)
        }
    }
}

extension PaymentsProjection.Dispute: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("amount", amount)
            w.member("charge", charge)
            w.member("created", created)
            w.member("currency", currency)
            w.member("id", id)
            w.member("paymentIntent", paymentIntent)
            w.member("snapshot", snapshot)
            w.member("status", status)
        }
    }
}

extension PaymentsProjection.HubRefund: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("actionId", actionId)
            w.member("amount", amount)
            w.member("paymentId", paymentId)
            w.member("refundId", refundId)
            w.member("requestedAt", requestedAt)
            w.member("state", state)
        }
    }
}

extension PaymentsProjection.SnapshotOrder: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("created", created)
            w.member("detail", detail)
            w.member("eventId", eventId)
            w.member("rank", rank)
        }
    }
}

extension PaymentsProjection.Booking: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("amount", amount)
            w.member("column", column)
            w.member("currency", currency)
            w.member("day", day)
            w.member("hour", hour)
        }
    }
}

extension PaymentsProjection.RefundStep: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("created", created)
            w.member("eventId", eventId)
            w.member("from", from)
            w.member("to", to)
        }
    }
}

extension PaymentsProjection.PaymentEvent: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("created", created)
            w.member("eventId", eventId)
            w.member("mode", mode)
            w.member("position", position)
            w.member("type", type)
        }
    }
}

extension PaymentsProjection.Daily: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("gross", gross)
            w.member("refundFailures", refundFailures)
            w.member("refunded", refunded)
        }
    }
}

extension PaymentsProjection.Hourly: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("attempts", attempts)
            w.member("failures", failures)
        }
    }
}
