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
            (self.type, self.source, self.idempotencyKey, self.metadata, self.payload) = (
                type, source, idempotencyKey, metadata, payload
            )
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
        set {
            body = Body(
                type: newValue, source: source, idempotencyKey: idempotencyKey, metadata: metadata, payload: payload)
        }
    }
    /// Where it came from.
    package var source: String {
        @inlinable get { body.source }
        set {
            body = Body(
                type: type, source: newValue, idempotencyKey: idempotencyKey, metadata: metadata, payload: payload)
        }
    }
    /// The idempotency key it was appended with.
    package var idempotencyKey: String? {
        @inlinable get { body.idempotencyKey }
        set { body = Body(type: type, source: source, idempotencyKey: newValue, metadata: metadata, payload: payload) }
    }
    /// Its metadata.
    package var metadata: [String: String] {
        @inlinable get { body.metadata }
        set {
            body = Body(
                type: type, source: source, idempotencyKey: idempotencyKey, metadata: newValue, payload: payload)
        }
    }
    /// Its payload, byte for byte as appended.
    package var payload: [UInt8] {
        @inlinable get { body.payload }
        set {
            body = Body(
                type: type, source: source, idempotencyKey: idempotencyKey, metadata: metadata, payload: newValue)
        }
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
