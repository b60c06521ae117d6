import EventLog
import Foundation

/// The event types of an outbound action's life, each appended to the log.
package enum ActionEvent {
    /// A reactor asked for an action (``ActionRequest``).
    package static let requested = "action.requested"
    /// The dispatcher called out, or recorded a sandbox delivery (``ActionAttempt``).
    package static let attempted = "action.attempted"
    /// The action is done (``ActionResult``).
    package static let succeeded = "action.succeeded"
    /// The attempt failed; another follows at `next_attempt_at` (``ActionResult``).
    package static let failed = "action.failed"
    /// The last attempt failed; nothing more happens until an operator retries (``ActionResult``).
    package static let dead = "action.dead"
    /// An operator asked for a dead or failed action to try again now (``ActionResult`` with only the id).
    package static let retried = "action.retried"
    /// The source the dispatcher appends under.
    package static let dispatcherSource = "dispatcher"
}

/// What a reactor asks for: one call to one target.
package struct ActionRequest: Codable, Sendable, Equatable {
    /// `<reactor>-<causing position>-<index>`: stable across replays, and the idempotency key of calls that take one.
    package var actionId: String
    /// What to do, such as `lark.card`, `teams.card`, `stripe.refund`, `enrichment.lookup`.
    package var kind: String
    /// The connector that carries it, such as `lark`.
    package var channel: String
    /// Which configured target of the channel, such as a Lark bot's name.
    package var target: String
    /// What the connector needs, never a secret (the connector adds credentials when it calls).
    package var params: [String: String]
    /// The position of the event that caused it.
    package var causedBy: UInt64
    /// The reactor that asked.
    package var reactor: String
    /// Which of the actions that the causing event led this reactor to.
    package var index: Int
    /// What the action is about, such as `lead:<id>`: the dispatcher copies it into the metadata of every record
    /// of the action, so projections and later steps can follow it without the request.
    package var subject: String?

    /// Creates a request of reactor `reactor` for the `index`-th action caused by the event at `causedBy`.
    package init(
        reactor: String, causedBy: UInt64, index: Int, kind: String, channel: String, target: String,
        params: [String: String],
        subject: String? = nil
    ) {
        self.subject = subject
        actionId = "\(reactor)-\(causedBy)-\(index)"
        self.kind = kind
        self.channel = channel
        self.target = target
        self.params = params
        self.causedBy = causedBy
        self.reactor = reactor
        self.index = index
    }

    /// The request as an event, with the idempotency key `action:<reactor>:<position>:<index>`.
    package func event() throws -> NewEvent {
        NewEvent(
            type: ActionEvent.requested, source: "reactor", idempotencyKey: "action:\(reactor):\(causedBy):\(index)",
            metadata: ["action-kind": kind, "channel": channel, "subject": subject ?? ""],
            payload: try ActionCoding.encode(self)
        )
    }

    enum CodingKeys: String, CodingKey {
        case actionId = "action_id", kind, channel, target, params, causedBy = "caused_by", reactor, index, subject
    }
}

/// One attempt at an action.
package struct ActionAttempt: Codable, Sendable, Equatable {
    package var actionId: String
    /// 1 for the first attempt.
    package var attempt: Int
    /// The HTTP status the target answered, if it answered.
    package var statusCode: Int?
    package var latencyMs: Int64
    /// The first 2 KiB of the response body.
    package var response: String?
    /// Set when the dispatcher recorded the action as delivered without calling out.
    package var sandbox: Bool

    /// Creates an attempt record.
    package init(actionId: String, attempt: Int, statusCode: Int?, latencyMs: Int64, response: String?, sandbox: Bool) {
        self.actionId = actionId
        self.attempt = attempt
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.response = response
        self.sandbox = sandbox
    }

    enum CodingKeys: String, CodingKey {
        case actionId = "action_id", attempt, statusCode = "status_code", latencyMs = "latency_ms", response, sandbox
    }
}

/// How an action ended, or when it tries again.
package struct ActionResult: Codable, Sendable, Equatable {
    package var actionId: String
    /// What went wrong, for `failed` and `dead`.
    package var error: String?
    /// When the next attempt is due, in nanoseconds since the epoch, for `failed`.
    package var nextAttemptAt: Int64?
    /// What the target returned that later steps use (an enrichment's person id), for `succeeded`.
    package var output: [String: String]?
    /// Whether it was delivered in sandbox mode.
    package var sandbox: Bool?

    /// Creates a result record.
    package init(
        actionId: String, error: String? = nil, nextAttemptAt: Int64? = nil, output: [String: String]? = nil,
        sandbox: Bool? = nil
    ) {
        self.actionId = actionId
        self.error = error
        self.nextAttemptAt = nextAttemptAt
        self.output = output
        self.sandbox = sandbox
    }

    enum CodingKeys: String, CodingKey {
        case actionId = "action_id", error, nextAttemptAt = "next_attempt_at", output, sandbox
    }
}

/// One JSON encoder and decoder shape for action payloads: sorted keys, so appended bytes are stable.
package enum ActionCoding {
    /// Encodes with sorted keys.
    package static var encoder: JSONEncoder { StateJSON.referenceEncoder() }

    /// Encodes `value` as a payload: the bytes of ``encoder``.
    package static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// Decodes `T` from an event's payload.
    package static func decode<T: Decodable>(_ type: T.Type, from event: Event) throws -> T {
        try JSONPayload.decode(T.self, from: event.payload)
    }
}
