/// An error from the event log: a stable code, a message for people, and the underlying cause.
package struct EventLogError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, such as `storage_full`.
        package let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        /// The event was rejected before anything was written (empty type, over-long key, …).
        package static let invalidEvent = Code("invalid_event")
        /// The log is closed.
        package static let closed = Code("closed")
        /// The disk is full; nothing was written, and a later append may succeed.
        package static let storageFull = Code("storage_full")
        /// The storage failed; nothing was written.
        package static let storageFailure = Code("storage_failure")
        /// A stored record or the database is damaged.
        package static let corrupted = Code("corrupted")
        /// The log disagrees with itself: `meta head` does not name the last record of `events` (records removed
        /// from the end, or the head rewritten). Nothing repairs it silently; an operator must look.
        package static let inconsistent = Code("inconsistent")
        /// The data directory was written by an unknown format version.
        package static let unsupportedFormat = Code("unsupported_format")
        /// A line of JSON does not describe a record of the log, or not the one its hash says.
        package static let invalidRecord = Code("invalid_record")
    }

    /// What kind of failure this is.
    package let code: Code
    /// What went wrong, for people; never contains event payloads or secrets.
    package let message: String
    /// The underlying error, if any.
    package let cause: (any Error & Sendable)?

    /// Creates an error.
    package init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    package var description: String {
        if let cause { return "\(code): \(message) (\(cause))" }
        return "\(code): \(message)"
    }

    /// Classifies an error from the storage layer.
    static func storage(_ error: any Error, while doing: String) -> EventLogError {
        if let error = error as? EventLogError { return error }
        guard let lmdb = error as? LMDBError else {
            return EventLogError(.storageFailure, "\(doing) failed", cause: error)
        }
        if lmdb.isOutOfSpace {
            return EventLogError(.storageFull, "\(doing) failed: no space left on the device", cause: lmdb)
        }
        if lmdb.isCorrupted {
            return EventLogError(.corrupted, "\(doing) failed: the database is damaged", cause: lmdb)
        }
        return EventLogError(.storageFailure, "\(doing) failed", cause: lmdb)
    }
}
