/// An event to append: what happened, where it came from, and its bytes.
package struct NewEvent: Sendable, Equatable {
    /// What happened, such as `webhook.received`. Not empty; at most ``LogLimits/maxTypeBytes`` bytes.
    package var type: String
    /// Where it came from, such as `stripe`. Not empty; at most ``LogLimits/maxSourceBytes`` bytes.
    package var source: String
    /// A key that makes the append idempotent: a second event with the same key is not appended.
    /// At most ``LogLimits/maxKeyBytes`` bytes.
    package var idempotencyKey: String?
    /// Small string facts about the event, such as the content type or a signature header.
    package var metadata: [String: String]
    /// The payload, kept byte for byte.
    package var payload: [UInt8]

    /// Creates an event to append.
    package init(
        type: String, source: String, idempotencyKey: String? = nil,
        metadata: [String: String] = [:], payload: [UInt8] = []
    ) {
        self.type = type
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.metadata = metadata
        self.payload = payload
    }
}
