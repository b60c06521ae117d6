import EventLog
import Foundation

/// The outbox: actions requested and not finished, which the dispatcher works through, and dead actions, which
/// wait for an operator. Requested minus succeeded, from the log alone, so a restart resumes where it stopped.
///
/// `pending` and `dead` are keyed by action id; `queue` orders the pending actions of each target
/// (``queueKey(_:)``), so the dispatcher finds each target's next action with one seek per target, however
/// many wait behind it.
package struct OutboxProjection: Projection {
    package let name = "outbox"
    package let version = 2
    package let tables = ["pending", "dead", "queue"]

    /// The key of a pending action in `queue`: its target (`channel/target`), a NUL, then the causing position
    /// and the index, zero-padded so that keys sort in request order. The value is the action id.
    package static func queueKey(_ request: ActionRequest) -> String {
        request.channel + "/" + request.target + "\u{0}" + String.zeroPadded(request.causedBy, width: 20)
            + "-" + String.zeroPadded(request.index, width: 6)
    }

    /// The target (`channel/target`) of a `queue` key.
    package static func target(ofQueueKey key: String) -> String {
        String(key.prefix { $0 != "\u{0}" })
    }

    /// Creates the projection.
    package init() {}

    /// An unfinished action.
    package struct Entry: Codable, Sendable, Equatable {
        package var request: ActionRequest
        /// Attempts made so far.
        package var attempts: Int
        /// When the next attempt is due, in nanoseconds since the epoch.
        package var dueAt: Int64
        /// `pending`, `failed` or `dead`.
        package var status: String
        package var lastError: String?
        /// The position of the event that last changed it.
        package var position: UInt64
    }

    /// What the projection reads of an action event.
    package enum Input: Sendable {
        case requested(ActionRequest)
        case result(ActionResult)
    }

    package func decode(_ event: Event) throws -> Input? {
        switch event.type {
        case ActionEvent.requested: return .requested(try ActionCoding.decode(ActionRequest.self, from: event))
        case ActionEvent.attempted, ActionEvent.succeeded, ActionEvent.failed, ActionEvent.dead, ActionEvent.retried:
            return .result(try ActionCoding.decode(ActionResult.self, from: event))
        default: return nil
        }
    }

    package func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        let now = event.recordedAt.nanosecondsSinceEpoch
        switch input {
        case .requested(let request):
            try state.put(
                Entry(
                    request: request, attempts: 0, dueAt: now, status: "pending", lastError: nil,
                    position: event.position),
                request.actionId, in: "pending"
            )
            try state.put(request.actionId, Self.queueKey(request), in: "queue")
        case .result(let result):
            let id = result.actionId
            switch event.type {
            case ActionEvent.attempted:
                try change(id, in: "pending", state, event) { $0.attempts += 1 }
            case ActionEvent.failed:
                try change(id, in: "pending", state, event) { entry in
                    entry.status = "failed"
                    entry.lastError = result.error
                    entry.dueAt = result.nextAttemptAt ?? now
                }
            case ActionEvent.succeeded:
                if let entry = try state.get(Entry.self, id, in: "pending") {
                    try state.delete(id, in: "pending")
                    try state.delete(Self.queueKey(entry.request), in: "queue")
                }
                try state.delete(id, in: "dead")
            case ActionEvent.dead:
                guard var entry = try state.get(Entry.self, id, in: "pending") else { return }
                entry.status = "dead"
                entry.lastError = result.error
                entry.position = event.position
                try state.delete(id, in: "pending")
                try state.delete(Self.queueKey(entry.request), in: "queue")
                try state.put(entry, id, in: "dead")
            default:  // retried
                let entry = try state.get(Entry.self, id, in: "dead") ?? state.get(Entry.self, id, in: "pending")
                guard var entry else { return }
                entry.status = "pending"
                entry.dueAt = now
                entry.position = event.position
                try state.delete(id, in: "dead")
                try state.put(entry, id, in: "pending")
                try state.put(id, Self.queueKey(entry.request), in: "queue")
            }
        }
    }

    private func change(
        _ id: String, in table: String, _ state: ProjectionState, _ event: EventInfo, _ body: (inout Entry) -> Void
    ) throws {
        guard var entry = try state.get(Entry.self, id, in: table) else { return }
        body(&entry)
        entry.position = event.position
        try state.put(entry, id, in: table)
    }
}
