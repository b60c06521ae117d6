extension ConversationsProjection.Input {
    /// The fields the projection reads, in the order of ``paths``.
    private enum Field: Int {
        case topic, createdAt, data, item, id, state, team, admin
    }

    private static let paths: JSONFieldScanner.Paths = [
        ["topic"], ["created_at"], ["data"], ["data", "item"], ["data", "item", "id"], ["data", "item", "state"],
        ["data", "item", "team_assignee_id"], ["data", "item", "admin_assignee_id"],
    ]

    /// Reads an Intercom notification by scanning for the fields the projection uses; `nil` when the payload has
    /// anything the scan does not cover (a value of another type than expected, a required field missing, or bad
    /// JSON), which `JSONDecoder` then reads with its own rules. So both ways give the same input, or the decoder's
    /// error.
    static func scanned(_ payload: [UInt8]) -> Self? {
        JSONFieldScanner.read(payload, paths: paths, by: Field.self, Self.init(scanned:))
    }

    private init(scanned f: JSONFieldScanner.Reader<Field>) throws(JSONFieldScanner.Unscanned) {
        topic = try f.requiredString(.topic)
        created_at = try f.int64(.createdAt)
        guard try f.isObject(.data), try f.isObject(.item) else { throw JSONFieldScanner.Unscanned() }
        data = Body(item: Item(
            id: try f.requiredString(.id), state: try f.string(.state), team_assignee_id: try f.flexibleID(.team),
            admin_assignee_id: try f.flexibleID(.admin)
        ))
    }
}
