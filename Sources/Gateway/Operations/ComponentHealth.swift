import Synchronization

/// What the background services (reactors, the dispatcher) report about themselves, for `/health`.
///
/// A component that cannot do its work makes the gateway `degraded`: webhooks are still taken
/// and kept, but actions are no longer decided or delivered.
final class ComponentHealth: Sendable {
    /// One component's state.
    struct Component: Sendable, Equatable {
        /// `running`, or `failing` (it cannot do its work for now, and retries).
        var state: String
        /// Why it is not running, when it is not.
        var reason: String?
    }

    private let components = Mutex<[String: Component]>([:])

    /// Marks `name` as running (the normal state).
    func running(_ name: String) {
        components.withLock { $0[name] = Component(state: "running") }
    }

    /// Marks `name` as failing for now (it goes on trying), with the reason.
    func failing(_ name: String, reason: String) {
        components.withLock { $0[name] = Component(state: "failing", reason: reason) }
    }

    /// Every component that has reported, by name.
    func snapshot() -> [String: Component] {
        components.withLock { $0 }
    }
}
