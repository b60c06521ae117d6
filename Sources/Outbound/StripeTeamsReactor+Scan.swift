import Projections
import JSONScan

extension StripeTeamsReactor.StripeEvent {
    /// The fields the card uses, in the order of ``paths``.
    private enum Field: Int {
        case id, type, livemode, data, object, objectId, amount, currency, customer, reason, failure, failureCode,
            failureMessage
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["id"], ["type"], ["livemode"], ["data"], ["data", "object"], ["data", "object", "id"],
        ["data", "object", "amount"],
        ["data", "object", "currency"], ["data", "object", "customer"], ["data", "object", "reason"],
        ["data", "object", "last_payment_error"], ["data", "object", "last_payment_error", "code"],
        ["data", "object", "last_payment_error", "message"],
    ]

    /// Reads the event by scanning for the fields the card uses; `nil` when the payload has anything the scan does
    /// not cover (a value of another type than expected, a required field missing, bad JSON), which `JSONDecoder`
    /// then reads with its own rules. So both ways give the same event, or the decoder's error.
    static func scanned(_ payload: [UInt8]) -> Self? {
        JSONFieldScanner.read(payload, paths: paths, by: Field.self, Self.init(scanned:))
    }

    private init(scanned f: JSONFieldScanner.Reader<Field>) throws(JSONFieldScanner.Unscanned) {
        guard f.kind(.data) == .object, f.kind(.object) == .object else { throw JSONFieldScanner.Unscanned() }
        let failure: Object.Failure?
        if f.isAbsent(.failure) {
            failure = nil
        } else {
            guard f.kind(.failure) == .object else { throw JSONFieldScanner.Unscanned() }
            failure = Object.Failure(code: try f.string(.failureCode), message: try f.string(.failureMessage))
        }
        self.init(
            id: try f.requiredString(.id), type: try f.requiredString(.type), livemode: try f.bool(.livemode),
            data: Body(
                object: Object(
                    id: try f.requiredString(.objectId), amount: try f.int64(.amount),
                    currency: try f.string(.currency),
                    customer: try f.string(.customer), reason: try f.string(.reason), last_payment_error: failure
                ))
        )
    }
}
