import EventLog

/// What a projection sees of an event besides its decoded payload.
public struct EventInfo: Sendable {
    /// The event's position in the log.
    public let position: UInt64
    /// When the log recorded it.
    public let recordedAt: Timestamp
    /// Its type, such as `webhook.received`.
    public let type: String
    /// Its source, such as `stripe`.
    public let source: String
    /// Its metadata.
    public let metadata: [String: String]

    /// Takes the envelope of `event`.
    public init(_ event: Event) {
        position = event.position
        recordedAt = event.recordedAt
        type = event.type
        source = event.source
        metadata = event.metadata
    }
}

/// Derives state from the log: a pure fold from events to key-value records.
///
/// `decode` runs off the writer, in parallel across events; `apply` runs in log order inside the
/// transaction that also moves the projection's checkpoint. Neither may have side effects.
public protocol Projection: Sendable {
    /// What `decode` extracts from an event.
    associatedtype Input: Sendable

    /// A stable name, such as `payments`.
    var name: String { get }
    /// The version of the state's shape; changing it rebuilds the projection beside the old one.
    var version: Int { get }
    /// The names of the tables it keeps.
    var tables: [String] { get }

    /// Extracts what `apply` needs, or `nil` for an event this projection ignores.
    func decode(_ event: Event) throws -> Input?

    /// Folds one decoded event into the state.
    func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws
}

/// A projection with its input type erased, so that projections of different kinds run side by side.
struct AnyProjection: Sendable {
    let name: String
    let version: Int
    let tables: [String]
    let decode: @Sendable (Event) throws -> (any Sendable)?
    let apply: @Sendable (any Sendable, EventInfo, ProjectionState) throws -> Void

    init<P: Projection>(_ projection: P) {
        name = projection.name
        version = projection.version
        tables = projection.tables
        decode = { try projection.decode($0) }
        apply = { input, event, state in
            guard let input = input as? P.Input else { return }
            try projection.apply(input, event: event, to: state)
        }
    }
}
