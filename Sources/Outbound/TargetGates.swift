import Synchronization

/// Per target: one call at a time in request order, a rate limit, and a circuit breaker, so that a slow or dead
/// target holds up only its own actions.
package final class TargetGates: Sendable {
    private struct Gate {
        var busy = false
        var failuresInRow = 0
        var openUntil: Int64 = 0
        var nextCallAt: Int64 = 0
    }

    private let gates = Mutex<[String: Gate]>([:])
    private let breakerFailures: Int
    private let breakerNanos: Int64
    private let spacing: @Sendable (String) -> Int64

    /// `spacing(channel)` is the least time between two calls to one target of `channel`, in nanoseconds.
    init(breakerFailures: Int, breakerSeconds: Int, spacing: @escaping @Sendable (String) -> Int64) {
        self.breakerFailures = breakerFailures
        breakerNanos = Int64(breakerSeconds) * 1_000_000_000
        self.spacing = spacing
    }

    /// Takes the target for one call if it is free, closed and within its rate.
    func enter(_ key: String, channel: String, now: Int64) -> Bool {
        gates.withLock { gates in
            var gate = gates[key, default: Gate()]
            guard !gate.busy, now >= gate.openUntil, now >= gate.nextCallAt else { return false }
            gate.busy = true
            gate.nextCallAt = now + spacing(channel)
            gates[key] = gate
            return true
        }
    }

    /// When the target's gate lets the next call through, as far as its rate and circuit go (it may still be busy):
    /// in nanoseconds since the epoch; 0 for a target never called.
    func opensAt(_ key: String) -> Int64 {
        gates.withLock { gates in gates[key].map { max($0.nextCallAt, $0.openUntil) } ?? 0 }
    }

    /// One target's gate as it stands, for operators.
    package struct State: Sendable {
        package let target: String
        package let busy: Bool
        package let failuresInRow: Int
        /// Whether the circuit is open at the time asked: calls wait until ``openUntil``.
        package let isOpen: Bool
        /// Nanoseconds since the epoch; 0 when it never opened.
        package let openUntil: Int64
    }

    /// Every target called since the start, by key.
    package func states(now: Int64) -> [State] {
        gates.withLock { gates in
            gates.map { key, gate in
                State(
                    target: key, busy: gate.busy, failuresInRow: gate.failuresInRow, isOpen: now < gate.openUntil,
                    openUntil: gate.openUntil)
            }
            .sorted { $0.target < $1.target }
        }
    }

    /// Frees the target after a call; `failed` counts towards opening its circuit.
    func leave(_ key: String, failed: Bool, now: Int64) {
        gates.withLock { gates in
            var gate = gates[key, default: Gate()]
            gate.busy = false
            gate.failuresInRow = failed ? gate.failuresInRow + 1 : 0
            if failed, gate.failuresInRow >= breakerFailures { gate.openUntil = now + breakerNanos }
            gates[key] = gate
        }
    }
}
