// The payments records write their own JSON, members in sorted order (see StateJSONWritable); a payment, which a
// catch-up reads back most, also reads its own (see StateJSONReadable).

extension PaymentsProjection.Payment: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("amount", amount)
            w.member("amountRefunded", amountRefunded)
            w.member("created", created)
            w.member("currency", currency)
            w.member("customer", customer)
            w.member("id", id)
            w.member("kind", kind)
            w.member("lastFailureCode", lastFailureCode)
            w.member("livemode", livemode)
            w.member("paymentIntent", paymentIntent)
            w.member("refundRequested", refundRequested)
            w.member("refunds", refunds)
            w.member("status", status)
        }
    }
}

extension PaymentsProjection.Payment: StateJSONReadable {
    private enum Field: Int {
        case amount, amountRefunded, created, currency, customer, id, kind, lastFailureCode, livemode, paymentIntent, refundRequested
        case refunds, status
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["amount"], ["amountRefunded"], ["created"], ["currency"], ["customer"], ["id"], ["kind"], ["lastFailureCode"], ["livemode"],
        ["paymentIntent"], ["refundRequested"], ["refunds"], ["status"],
    ]

    /// A payment without refunds; one with refunds is left to the general decoder.
    static func scanned(_ stored: UnsafeRawBufferPointer) -> Self? {
        JSONFieldScanner.read(stored, paths: paths, by: Field.self) { f throws(JSONFieldScanner.Unscanned) in
            guard f.isEmptyArray(.refunds) else { throw JSONFieldScanner.Unscanned() }
            return Self(
                id: try f.requiredString(.id), kind: try f.requiredString(.kind), amount: try f.requiredInt64(.amount),
                currency: try f.requiredString(.currency), status: try f.requiredString(.status),
                amountRefunded: try f.requiredInt64(.amountRefunded), customer: try f.string(.customer), created: try f.requiredInt64(.created),
                livemode: try f.requiredBool(.livemode), lastFailureCode: try f.string(.lastFailureCode),
                paymentIntent: try f.string(.paymentIntent), refunds: [], refundRequested: try f.int64(.refundRequested)
            )
        }
    }
}

extension PaymentsProjection.Refund: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("amount", amount)
            w.member("created", created)
            w.member("id", id)
            w.member("status", status)
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
