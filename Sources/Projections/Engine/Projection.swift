import EventLog

/// What a projection sees of an event besides its decoded payload.
package struct EventInfo: Sendable {
    /// The event's position in the log.
    package let position: UInt64
    /// When the log recorded it.
    package let recordedAt: Timestamp
    /// Its type, such as `webhook.received`.
    package let type: String
    /// Its source, such as `stripe`.
    package let source: String
    /// Its metadata.
    package let metadata: [String: String]

    /// Takes the envelope of `event`.
    package init(_ event: Event) {
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
package protocol Projection: Sendable {
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

    /// ``decode(_:)`` of each of `events` in today's shape (through `upcasters`), as the runner calls it: the
    /// inputs, or each one's error, kept in this projection's own `Input` type inside the returned box. Projections
    /// keep the default.
    func decodeAll(_ events: UnsafeBufferPointer<Event>, upcasters: Upcasters) -> any Sendable

    /// ``apply(_:event:to:)`` of the first `count` of `events`, whose inputs ``decodeAll(_:upcasters:)`` gave in
    /// `parts`, in order, under the failure policy. Projections keep the default.
    func applyAll(
        _ parts: [any Sendable], events: UnsafeBufferPointer<Event>, count: Int, to state: ProjectionState) throws
}

/// What one projection decoded of a run of events, in its own input type.
final class DecodedInputs<Input: Sendable>: Sendable {
    let results: [Result<Input?, any Error>]
    init(_ results: [Result<Input?, any Error>]) { self.results = results }
}

extension Projection {
    /// The default: ``decode(_:)`` of each event.
    package func decodeAll(_ events: UnsafeBufferPointer<Event>, upcasters: Upcasters) -> any Sendable {
        var results = [Result<Input?, any Error>]()
        results.reserveCapacity(events.count)
        for index in events.indices { results.append(Result { try upcasters.with(events[index], decode) }) }
        return DecodedInputs(results)
    }

    /// The default: ``apply(_:event:to:)`` of each decoded input in log order, under the failure policy: an event
    /// that cannot be decoded, or that `apply` rejects (``EventRejected``), is recorded in `rejected_events` and
    /// skipped; any other failure of `apply` (a bug of ours, a damaged record) stops the projection with an error
    /// that names the event's index and position.
    package func applyAll(
        _ parts: [any Sendable], events: UnsafeBufferPointer<Event>, count: Int, to state: ProjectionState
    ) throws {
        var index = 0
        for part in parts {
            guard let inputs = part as? DecodedInputs<Input> else {
                throw ProjectionError("inputs of another projection given to \(name)")
            }
            for result in inputs.results {
                guard index < count else { return }
                let event = events[index]
                let decoded: Input?
                do {
                    decoded = try result.get()
                } catch {
                    try reject(event, reason: "cannot decode: \(EventRejected.describe(error))", in: state, at: index)
                    index += 1
                    continue
                }
                if let input = decoded {
                    let writes = state.writes
                    do {
                        try apply(input, event: EventInfo(event), to: state)
                    } catch let rejected as EventRejected where state.writes == writes {
                        try reject(event, reason: rejected.reason, in: state, at: index)
                    } catch let rejected as EventRejected {
                        throw ApplyFailure(
                            index: index, position: event.position,
                            reason: "\(name) rejected the event after changing its state (a bug): \(rejected)")
                    } catch {
                        throw ApplyFailure(index: index, position: event.position, reason: "\(error)")
                    }
                }
                index += 1
            }
        }
    }

    /// Records `event` in `rejected_events` with `reason`.
    func reject(_ event: Event, reason: String, in state: ProjectionState, at index: Int) throws {
        do {
            try state.put(
                RejectedEvent(
                    position: event.position, type: event.type, source: event.source,
                    eventType: event.metadata["event-type"],
                    reason: String(reason.prefix(1000)), version: version
                ), RejectedEvent.key(event.position), in: RejectedEvent.table)
        } catch {
            throw ApplyFailure(index: index, position: event.position, reason: "\(error)")
        }
    }
}

/// A projection with its input type erased, so that projections of different kinds run side by side.
struct AnyProjection: Sendable {
    let name: String
    let version: Int
    let tables: [String]
    let decodeAll: @Sendable (UnsafeBufferPointer<Event>, Upcasters) -> any Sendable
    let applyAll: @Sendable ([any Sendable], UnsafeBufferPointer<Event>, Int, ProjectionState) throws -> Void

    init<P: Projection>(_ projection: P) {
        name = projection.name
        version = projection.version
        tables = projection.tables + [RejectedEvent.table]
        decodeAll = { projection.decodeAll($0, upcasters: $1) }
        applyAll = { try projection.applyAll($0, events: $1, count: $2, to: $3) }
    }
}
