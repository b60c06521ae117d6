import Synchronization

/// What the background services (reactors, the dispatcher) report about themselves, for `/health`.
///
/// A component that cannot do its work makes the gateway `degraded`: webhooks are still taken
/// and kept, but actions are no longer decided or delivered.
package final class ComponentHealth: Sendable {
    package init() {}

    /// One component's state.
    package struct Component: Sendable, Equatable {
        /// `running`; `failing` (it cannot do its work for now, and retries); or `waiting` (it goes on, but another
        /// component it relies on does not answer in time, and `reason` says what it does meanwhile).
        package var state: String
        /// Why it is not running, when it is not.
        package var reason: String?
    }

    private let components = Mutex<[String: Component]>([:])

    /// Marks `name` as running (the normal state).
    func running(_ name: String) {
        components.withLock { $0[name] = Component(state: "running") }
    }

    /// Marks `name` as running again; with `ifWaiting`, only when it was `waiting` (so a failure stays shown).
    func running(_ name: String, ifWaiting: Bool) {
        components.withLock { components in
            guard !ifWaiting || components[name]?.state == "waiting" else { return }
            components[name] = Component(state: "running")
        }
    }

    /// Marks `name` as waiting on another component, with the reason.
    func waiting(_ name: String, reason: String) {
        components.withLock { $0[name] = Component(state: "waiting", reason: reason) }
    }

    /// Marks `name` as failing for now (it goes on trying), with the reason.
    func failing(_ name: String, reason: String) {
        components.withLock { $0[name] = Component(state: "failing", reason: reason) }
    }

    /// Every component that has reported, by name.
    package func snapshot() -> [String: Component] {
        components.withLock { $0 }
    }
}
