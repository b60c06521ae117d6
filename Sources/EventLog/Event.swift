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

/// An event as recorded in the log.
///
/// Its strings, metadata and payload sit in one shared, immutable box: a copy of an event (each projection's
/// decoding takes one) retains one object instead of five. Setting one of them replaces the box.
package struct Event: Sendable, Equatable {
    /// Its position: gapless, starting at 1.
    package var position: UInt64
    /// When the log recorded it.
    package var recordedAt: Timestamp
    /// The hash of the record before it (all zeros for position 1).
    package var previousHash: EventHash
    /// SHA-256 over `previousHash` and this record's canonical bytes.
    package var hash: EventHash
    @usableFromInline var body: Body

    /// The fields of an event that are counted references.
    @usableFromInline final class Body: Sendable, Equatable {
        @usableFromInline let type: String
        @usableFromInline let source: String
        @usableFromInline let idempotencyKey: String?
        @usableFromInline let metadata: [String: String]
        @usableFromInline let payload: [UInt8]

        init(type: String, source: String, idempotencyKey: String?, metadata: [String: String], payload: [UInt8]) {
            (self.type, self.source, self.idempotencyKey, self.metadata, self.payload) = (type, source, idempotencyKey, metadata, payload)
        }

        @usableFromInline static func == (lhs: Body, rhs: Body) -> Bool {
            lhs === rhs
                || (lhs.type == rhs.type && lhs.source == rhs.source && lhs.idempotencyKey == rhs.idempotencyKey
                    && lhs.metadata == rhs.metadata && lhs.payload == rhs.payload)
        }
    }

    /// What happened.
    package var type: String {
        @inlinable get { body.type }
        set { body = Body(type: newValue, source: source, idempotencyKey: idempotencyKey, metadata: metadata, payload: payload) }
    }
    /// Where it came from.
    package var source: String {
        @inlinable get { body.source }
        set { body = Body(type: type, source: newValue, idempotencyKey: idempotencyKey, metadata: metadata, payload: payload) }
    }
    /// The idempotency key it was appended with.
    package var idempotencyKey: String? {
        @inlinable get { body.idempotencyKey }
        set { body = Body(type: type, source: source, idempotencyKey: newValue, metadata: metadata, payload: payload) }
    }
    /// Its metadata.
    package var metadata: [String: String] {
        @inlinable get { body.metadata }
        set { body = Body(type: type, source: source, idempotencyKey: idempotencyKey, metadata: newValue, payload: payload) }
    }
    /// Its payload, byte for byte as appended.
    package var payload: [UInt8] {
        @inlinable get { body.payload }
        set { body = Body(type: type, source: source, idempotencyKey: idempotencyKey, metadata: metadata, payload: newValue) }
    }

    /// Creates an event value; the log creates these when it reads.
    package init(
        position: UInt64, recordedAt: Timestamp, type: String, source: String, idempotencyKey: String?,
        metadata: [String: String], payload: [UInt8], previousHash: EventHash, hash: EventHash
    ) {
        self.position = position
        self.recordedAt = recordedAt
        self.previousHash = previousHash
        self.hash = hash
        body = Body(type: type, source: source, idempotencyKey: idempotencyKey, metadata: metadata, payload: payload)
    }
}

/// What became of one event given to `append`.
package enum AppendOutcome: Sendable, Equatable {
    /// Appended at this position, with the record's hash: the receipt a sender or an auditor can keep.
    case appended(UInt64, hash: EventHash)
    /// Not appended: an event with the same idempotency key is already at this position, with this hash.
    case duplicate(of: UInt64, hash: EventHash)

    /// The position of the event, new or original.
    package var position: UInt64 {
        switch self {
        case .appended(let position, _), .duplicate(of: let position, _): position
        }
    }

    /// The hash of the event's record, new or original.
    package var hash: EventHash {
        switch self {
        case .appended(_, let hash), .duplicate(of: _, let hash): hash
        }
    }

    /// Whether an event with the same key was already there.
    package var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}

/// A named reader's progress, committed together with an append.
package struct CheckpointUpdate: Sendable, Equatable {
    /// The reader's name, such as `reactor.lark`.
    package var name: String
    /// The last position it has handled.
    package var position: UInt64

    /// Creates a checkpoint update.
    package init(name: String, position: UInt64) {
        self.name = name
        self.position = position
    }
}

/// The last record of the log.
package struct LogHead: Sendable, Equatable {
    /// Position of the last record; 0 when the log is empty.
    package var position: UInt64
    /// Hash of the last record; all zeros when the log is empty.
    package var hash: EventHash

    /// The head of an empty log.
    package static let empty = LogHead(position: 0, hash: .zero)

    /// Creates a head value.
    package init(position: UInt64, hash: EventHash) {
        self.position = position
        self.hash = hash
    }
}
