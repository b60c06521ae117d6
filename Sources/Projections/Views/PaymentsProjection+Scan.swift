import JSONScan
extension PaymentsProjection.StripeEvent {
    /// The fields the projection reads, in the order of ``paths``.
    private enum Field: Int {
        case id, type, created, livemode, data, object, objectId, objectKind, amount, amountReceived, amountRefunded,
            currency
        case status, customer, objectCreated, objectLivemode, paymentIntent, lastPaymentError, failureCode, refunds,
            charge
        case previous, previousRefunded
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["id"], ["type"], ["created"], ["livemode"], ["data"], ["data", "object"], ["data", "object", "id"],
        ["data", "object", "object"],
        ["data", "object", "amount"], ["data", "object", "amount_received"], ["data", "object", "amount_refunded"],
        ["data", "object", "currency"], ["data", "object", "status"], ["data", "object", "customer"],
        ["data", "object", "created"],
        ["data", "object", "livemode"], ["data", "object", "payment_intent"], ["data", "object", "last_payment_error"],
        ["data", "object", "last_payment_error", "code"], ["data", "object", "refunds"], ["data", "object", "charge"],
        ["data", "previous_attributes"], ["data", "previous_attributes", "amount_refunded"],
    ]

    /// Reads a Stripe event by scanning for the fields the projection uses, without decoding it whole (see
    /// bench/README.md); `nil` when the payload has anything the scan does not cover (a refund list, a value of another type
    /// than expected, a required field missing, or bad JSON), which `JSONDecoder` then reads with its own rules.
    /// So both ways give the same event, or the decoder's error.
    static func scanned(_ payload: [UInt8]) -> Self? {
        JSONFieldScanner.read(payload, paths: paths, by: Field.self, Self.init(scanned:))
    }

    private init(scanned f: JSONFieldScanner.Reader<Field>) throws(JSONFieldScanner.Unscanned) {
        id = try f.requiredString(.id)
        type = try f.requiredString(.type)
        created = try f.int64(.created)
        livemode = try f.bool(.livemode)
        if f.isAbsent(.data) {
            data = nil
            return
        }
        guard f.kind(.data) == .object, f.kind(.object) == .object, f.isAbsent(.refunds) else {
            throw JSONFieldScanner.Unscanned()
        }
        let failure: PaymentsProjection.StripeObject.Failure?
        if f.isAbsent(.lastPaymentError) {
            failure = nil
        } else {
            guard f.kind(.lastPaymentError) == .object else { throw JSONFieldScanner.Unscanned() }
            failure = .init(code: try f.string(.failureCode))
        }
        var previous: PaymentsProjection.StripeEvent.PreviousAttributes?
        if !f.isAbsent(.previous) {
            guard f.kind(.previous) == .object else { throw JSONFieldScanner.Unscanned() }
            previous = .init(amount_refunded: try f.int64(.previousRefunded))
        }
        data = Body(
            object: PaymentsProjection.StripeObject(
                id: try f.string(.objectId), object: try f.string(.objectKind), amount: try f.int64(.amount),
                amount_received: try f.int64(.amountReceived), amount_refunded: try f.int64(.amountRefunded),
                currency: try f.string(.currency),
                status: try f.string(.status), customer: try f.string(.customer), created: try f.int64(.objectCreated),
                livemode: try f.bool(.objectLivemode),
                payment_intent: try f.string(.paymentIntent).map(PaymentsProjection.StripeReference.init(id:)),
                charge: try f.string(.charge).map(PaymentsProjection.StripeReference.init(id:)),
                last_payment_error: failure, refunds: nil
            ), previous_attributes: previous)
    }
}
