extension PaymentsProjection.StripeEvent {
    /// The fields the projection reads, in the order of ``paths``.
    private enum Field: Int {
        case id, type, created, livemode, data, object, objectId, objectKind, amount, amountReceived, amountRefunded, currency
        case status, customer, objectCreated, objectLivemode, paymentIntent, lastPaymentError, failureCode, refunds
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["id"], ["type"], ["created"], ["livemode"], ["data"], ["data", "object"], ["data", "object", "id"], ["data", "object", "object"],
        ["data", "object", "amount"], ["data", "object", "amount_received"], ["data", "object", "amount_refunded"],
        ["data", "object", "currency"], ["data", "object", "status"], ["data", "object", "customer"], ["data", "object", "created"],
        ["data", "object", "livemode"], ["data", "object", "payment_intent"], ["data", "object", "last_payment_error"],
        ["data", "object", "last_payment_error", "code"], ["data", "object", "refunds"],
    ]

    /// Reads a Stripe event by scanning for the fields the projection uses, several times faster than decoding it
    /// whole; `nil` when the payload has anything the scan does not cover (a refund list, a value of another type
    /// than expected, a required field missing, or bad JSON), which `JSONDecoder` then reads with its own rules.
    /// So both ways give the same event, or the decoder's error.
    static func scanned(_ payload: [UInt8]) -> Self? {
        guard let fields = try? payload.withUnsafeBytes({ bytes throws(JSONFieldScanner.Failure) in try JSONFieldScanner.scan(bytes, paths: paths) }),
              fields.isObject else { return nil }
        return try? Self(scanned: fields)
    }

    private init(scanned fields: JSONFieldScanner.Fields) throws(JSONFieldScanner.Fields.Unscanned) {
        typealias Unscanned = JSONFieldScanner.Fields.Unscanned
        func kind(_ field: Field) -> JSONFieldScanner.Kind? { fields.kind(field.rawValue) }
        func isAbsent(_ field: Field) -> Bool { fields.isAbsent(field.rawValue) }
        func string(_ field: Field) throws(Unscanned) -> String? { try fields.string(field.rawValue) }
        func required(_ field: Field) throws(Unscanned) -> String { try fields.requiredString(field.rawValue) }
        func int64(_ field: Field) throws(Unscanned) -> Int64? { try fields.int64(field.rawValue) }
        func bool(_ field: Field) throws(Unscanned) -> Bool? { try fields.bool(field.rawValue) }

        id = try required(.id)
        type = try required(.type)
        created = try int64(.created)
        livemode = try bool(.livemode)
        if isAbsent(.data) {
            data = nil
            return
        }
        guard kind(.data) == .object, kind(.object) == .object, isAbsent(.refunds) else { throw JSONFieldScanner.Fields.Unscanned() }
        let failure: PaymentsProjection.StripeObject.Failure?
        if isAbsent(.lastPaymentError) {
            failure = nil
        } else {
            guard kind(.lastPaymentError) == .object else { throw JSONFieldScanner.Fields.Unscanned() }
            failure = .init(code: try string(.failureCode))
        }
        data = Body(object: PaymentsProjection.StripeObject(
            id: try required(.objectId), object: try required(.objectKind), amount: try int64(.amount),
            amount_received: try int64(.amountReceived), amount_refunded: try int64(.amountRefunded), currency: try string(.currency),
            status: try string(.status), customer: try string(.customer), created: try int64(.objectCreated),
            livemode: try bool(.objectLivemode), payment_intent: try string(.paymentIntent), last_payment_error: failure, refunds: nil
        ))
    }
}
