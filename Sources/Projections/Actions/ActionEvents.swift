import EventLog
import Foundation

/// The event types of an outbound action's life, each appended to the log.
public enum ActionEvent {
    /// A reactor asked for an action (``ActionRequest``).
    public static let requested = "action.requested"
    /// The dispatcher called out, or recorded a sandbox delivery (``ActionAttempt``).
    public static let attempted = "action.attempted"
    /// The action is done (``ActionResult``).
    public static let succeeded = "action.succeeded"
    /// The attempt failed; another follows at `next_attempt_at` (``ActionResult``).
    public static let failed = "action.failed"
    /// The last attempt failed; nothing more happens until an operator retries (``ActionResult``).
    public static let dead = "action.dead"
    /// An operator asked for a dead or failed action to try again now (``ActionResult`` with only the id).
    public static let retried = "action.retried"
    /// The source the dispatcher appends under.
    public static let dispatcherSource = "dispatcher"
}

/// What a reactor asks for: one call to one target.
public struct ActionRequest: Codable, Sendable, Equatable {
    /// `<reactor>-<causing position>-<index>`: stable across replays, and the idempotency key of calls that take one.
    public var actionId: String
    /// What to do, such as `lark.card`, `teams.card`, `stripe.refund`, `enrichment.lookup`.
    public var kind: String
    /// The connector that carries it, such as `lark`.
    public var channel: String
    /// Which configured target of the channel, such as a Lark bot's name.
    public var target: String
    /// What the connector needs, never a secret (the connector adds credentials when it calls).
    public var params: [String: String]
    /// The position of the event that caused it.
    public var causedBy: UInt64
    /// The reactor that asked.
    public var reactor: String
    /// Which of the actions that the causing event led this reactor to.
    public var index: Int
    /// What the action is about, such as `lead:<id>`: the dispatcher copies it into the metadata of every record
    /// of the action, so projections and later steps can follow it without the request.
    public var subject: String?

    /// Creates a request of reactor `reactor` for the `index`-th action caused by the event at `causedBy`.
    public init(
        reactor: String, causedBy: UInt64, index: Int, kind: String, channel: String, target: String, params: [String: String],
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
    public func event() throws -> NewEvent {
        NewEvent(
            type: ActionEvent.requested, source: "reactor", idempotencyKey: "action:\(reactor):\(causedBy):\(index)",
            metadata: ["action-kind": kind, "channel": channel, "subject": subject ?? ""], payload: try ActionCoding.encode(self)
        )
    }

    enum CodingKeys: String, CodingKey {
        case actionId = "action_id", kind, channel, target, params, causedBy = "caused_by", reactor, index, subject
    }
}

/// One attempt at an action.
public struct ActionAttempt: Codable, Sendable, Equatable {
    public var actionId: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// The HTTP status the target answered, if it answered.
    public var statusCode: Int?
    public var latencyMs: Int64
    /// The first 2 KiB of the response body.
    public var response: String?
    /// Set when the dispatcher recorded the action as delivered without calling out.
    public var sandbox: Bool

    /// Creates an attempt record.
    public init(actionId: String, attempt: Int, statusCode: Int?, latencyMs: Int64, response: String?, sandbox: Bool) {
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
public struct ActionResult: Codable, Sendable, Equatable {
    public var actionId: String
    /// What went wrong, for `failed` and `dead`.
    public var error: String?
    /// When the next attempt is due, in nanoseconds since the epoch, for `failed`.
    public var nextAttemptAt: Int64?
    /// What the target returned that later steps use (an enrichment's person id), for `succeeded`.
    public var output: [String: String]?
    /// Whether it was delivered in sandbox mode.
    public var sandbox: Bool?

    /// Creates a result record.
    public init(actionId: String, error: String? = nil, nextAttemptAt: Int64? = nil, output: [String: String]? = nil, sandbox: Bool? = nil) {
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
public enum ActionCoding {
    /// Encodes with sorted keys.
    public static var encoder: JSONEncoder { StateJSON.referenceEncoder() }

    /// Encodes `value` as a payload: the bytes of ``encoder``.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// Decodes `T` from an event's payload.
    public static func decode<T: Decodable>(_ type: T.Type, from event: Event) throws -> T {
        try JSONPayload.decode(T.self, from: event.payload)
    }
}
