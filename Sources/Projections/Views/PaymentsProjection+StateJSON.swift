// The payments records write their own JSON, members in sorted order (see StateJSONWritable).

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
