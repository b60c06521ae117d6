import EventLog

/// Thrown by a projection's `decode` or `apply` for an event whose content it cannot use: a field of the wrong
/// type, an amount whose sum overflows, a lead without an id. It is the event's fault, not the projection's: the
/// runner records the event in the projection's `rejected_events` table and goes on with the next one.
///
/// `apply` must throw it before it changes any state; a projection that changed state and then rejects the event
/// has a bug, and the runner stops it there, saying so.
package struct EventRejected: Error, CustomStringConvertible, Sendable {
    /// Why the event cannot be used, for operators; never holds secrets.
    package let reason: String
    /// Creates the error.
    package init(_ reason: String) { self.reason = reason }
    package var description: String { reason }

    /// A short account of why `error` (from decoding an event's payload) refused it: the field's path and what
    /// was wrong, without the payload's values.
    static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the payload" : "\"\(path)\""
        }
        switch error {
        case DecodingError.typeMismatch(let type, let context): return "\(path(context)) is not \(type)"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context)) is null where \(type) is needed"
        case DecodingError.keyNotFound(let key, let context):
            let parent = path(context)
            return "\"\(key.stringValue)\" is missing" + (parent == "the payload" ? "" : " in \(parent)")
        case DecodingError.dataCorrupted(let context): return "\(path(context)) cannot be read"
        default: return "\(error)"
        }
    }
}

/// One event a projection skipped, as kept in its `rejected_events` table under the position in 20 digits.
package struct RejectedEvent: Codable, Sendable, Equatable {
    /// The event's position in the log.
    package var position: UInt64
    /// Its type and source, such as `webhook.received` from `stripe`.
    package var type: String
    package var source: String
    /// The sender's own event type, when the gateway recorded one (`event-type` metadata).
    package var eventType: String?
    /// Why the projection could not use it.
    package var reason: String
    /// The projection's version that skipped it: a fixed version, built anew, meets the event again.
    package var version: Int
}

extension RejectedEvent {
    /// The table every projection has for the events it skipped.
    package static let table = "rejected_events"

    /// The key of the event at `position`: its position in 20 digits, so the table lists them in log order.
    package static func key(_ position: UInt64) -> String { String.zeroPadded(position, width: 20) }
}
