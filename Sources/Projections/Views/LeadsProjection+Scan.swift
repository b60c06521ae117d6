import JSONScan
extension LeadsProjection.Delivery {
    /// The fields the projection reads, in the order of ``paths``.
    private enum Field: Int {
        case id, hookAction, attributes, updatedAt, customer, name, email, phone
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["id"], ["hook_action"], ["attributes"], ["attributes", "updated_at"], ["attributes", "customer"],
        ["attributes", "customer", "name"], ["attributes", "customer", "email"], ["attributes", "customer", "phone"],
    ]

    /// Reads a Contact2Sale delivery by scanning for the fields the projection uses; `nil` when the payload has
    /// anything the scan does not cover (a value of another type than expected, or bad JSON), which `JSONDecoder`
    /// then reads with its own rules. So both ways give the same delivery, or the decoder's error.
    static func scanned(_ payload: [UInt8]) -> Self? {
        JSONFieldScanner.read(payload, paths: paths, by: Field.self, Self.init(scanned:))
    }

    private init(scanned f: JSONFieldScanner.Reader<Field>) throws(JSONFieldScanner.Unscanned) {
        id = try f.flexibleID(.id)
        hook_action = try f.string(.hookAction)
        guard try f.isObject(.attributes) else {
            attributes = nil
            return
        }
        let customer: Customer? =
            try f.isObject(.customer)
            ? Customer(name: try f.string(.name), email: try f.string(.email), phone: try f.string(.phone)) : nil
        attributes = Attributes(updated_at: try f.string(.updatedAt), customer: customer)
    }
}
