/// How the log is opened, read once at start-up.
package struct EventLogConfiguration: Sendable {
    /// The LMDB environment; the log starts with a 256 MiB map that grows as needed.
    package var environment: Environment.Configuration = {
        var configuration = Environment.Configuration()
        configuration.mapSize = 256 << 20
        return configuration
    }()
    /// Most events committed in one group commit. Default 8,192.
    package var maxEventsPerCommit: Int = 8192
    /// Most payload bytes committed in one group commit (one caller's batch may exceed it). Default 64 MiB.
    package var maxBytesPerCommit: Int = 64 << 20
    /// Size limits on each event.
    package var limits = LogLimits()

    /// The defaults.
    package init() {}
}

/// Size limits on each appended event.
package struct LogLimits: Sendable {
    /// Longest `type`, in UTF-8 bytes. Default 128.
    package var maxTypeBytes = 128
    /// Longest `source`, in UTF-8 bytes. Default 128.
    package var maxSourceBytes = 128
    /// Longest idempotency key, in UTF-8 bytes; LMDB keys are at most 511 bytes. Default 480.
    package var maxKeyBytes = 480
    /// Most metadata bytes (names and values together). Default 64 KiB.
    package var maxMetadataBytes = 64 << 10
    /// Largest payload. Default 64 MiB.
    package var maxPayloadBytes = 64 << 20

    /// The defaults.
    package init() {}

    /// Throws ``EventLogError/Code/invalidEvent`` when `event` breaks a limit.
    package func validate(_ event: NewEvent) throws(EventLogError) {
        func reject(_ message: String) -> EventLogError { EventLogError(.invalidEvent, message) }
        let typeBytes = event.type.utf8.count
        guard typeBytes > 0 else { throw reject("the event type is empty") }
        guard typeBytes <= maxTypeBytes else {
            throw reject("the event type is \(typeBytes) bytes; at most \(maxTypeBytes) allowed")
        }
        let sourceBytes = event.source.utf8.count
        guard sourceBytes > 0 else { throw reject("the event source is empty") }
        guard sourceBytes <= maxSourceBytes else {
            throw reject("the event source is \(sourceBytes) bytes; at most \(maxSourceBytes) allowed")
        }
        if let key = event.idempotencyKey {
            let keyBytes = key.utf8.count
            guard keyBytes > 0 else { throw reject("the idempotency key is empty") }
            guard keyBytes <= maxKeyBytes else {
                throw reject("the idempotency key is \(keyBytes) bytes; at most \(maxKeyBytes) allowed")
            }
        }
        let metadataBytes = event.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard metadataBytes <= maxMetadataBytes else {
            throw reject("the metadata is \(metadataBytes) bytes; at most \(maxMetadataBytes) allowed")
        }
        guard event.payload.count <= maxPayloadBytes else {
            throw reject("the payload is \(event.payload.count) bytes; at most \(maxPayloadBytes) allowed")
        }
    }
}
