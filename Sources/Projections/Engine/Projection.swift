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

    /// ``decode(_:)`` with the input's type erased, as the runner calls it. Keep the default: as a requirement, it is
    /// compiled for each projection's own types, where a generic wrapper would look them up at every call.
    func decodeErased(_ event: Event) throws -> (any Sendable)?

    /// ``apply(_:event:to:)`` of an input that ``decodeErased(_:)`` gave. Keep the default, as for that one.
    func applyErased(_ input: any Sendable, event: EventInfo, to state: ProjectionState) throws
}

extension Projection {
    /// The default: ``decode(_:)``, its result boxed.
    public func decodeErased(_ event: Event) throws -> (any Sendable)? {
        guard let input = try decode(event) else { return nil }
        return input
    }

    /// The default: ``apply(_:event:to:)`` of `input` as this projection's `Input`; an input of another type is ignored.
    public func applyErased(_ input: any Sendable, event: EventInfo, to state: ProjectionState) throws {
        guard let input = input as? Input else { return }
        try apply(input, event: event, to: state)
    }
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
        decode = { try projection.decodeErased($0) }
        apply = { try projection.applyErased($0, event: $1, to: $2) }
    }
}
