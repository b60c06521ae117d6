import EventLog
import Logging
import Projections
import ServiceLifecycle

/// Decides outbound actions from events: a pure function from one event to the actions it calls for.
///
/// Reactors run only in the gateway, live: never in a replay or a rebuild.
package protocol Reactor: Sendable {
    /// A stable name: it is part of each action's id and of the reactor's checkpoint.
    var name: String { get }
    /// The actions `event` calls for; an event the reactor cannot read throws, and is skipped with a warning.
    func react(to event: Event) async throws -> [ActionRequest]
}
