import Projections

extension StripeTeamsReactor.StripeEvent {
    private static let paths: JSONFieldScanner.Paths = [
        ["id"], ["type"], ["livemode"], ["data"], ["data", "object"], ["data", "object", "id"], ["data", "object", "amount"],
        ["data", "object", "currency"], ["data", "object", "customer"], ["data", "object", "reason"],
        ["data", "object", "last_payment_error"], ["data", "object", "last_payment_error", "code"],
        ["data", "object", "last_payment_error", "message"],
    ]

    /// Reads the event by scanning for the fields the card uses; `nil` when the payload has anything the scan does
    /// not cover (a value of another type than expected, a required field missing, bad JSON), which `JSONDecoder`
    /// then reads with its own rules. So both ways give the same event, or the decoder's error.
    static func scanned(_ payload: [UInt8]) -> Self? {
        guard let fields = try? payload.withUnsafeBytes({ bytes throws(JSONFieldScanner.Failure) in try JSONFieldScanner.scan(bytes, paths: paths) }),
              fields.isObject else { return nil }
        return try? Self(scanned: fields)
    }

    private init(scanned f: JSONFieldScanner.Fields) throws(JSONFieldScanner.Fields.Unscanned) {
        guard f.kind(3) == .object, f.kind(4) == .object else { throw JSONFieldScanner.Fields.Unscanned() }
        let failure: Object.Failure?
        if f.isAbsent(10) {
            failure = nil
        } else {
            guard f.kind(10) == .object else { throw JSONFieldScanner.Fields.Unscanned() }
            failure = Object.Failure(code: try f.string(11), message: try f.string(12))
        }
        self.init(
            id: try f.requiredString(0), type: try f.requiredString(1), livemode: try f.bool(2),
            data: Body(object: Object(
                id: try f.requiredString(5), amount: try f.int64(6), currency: try f.string(7), customer: try f.string(8),
                reason: try f.string(9), last_payment_error: failure
            ))
        )
    }
}
