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
