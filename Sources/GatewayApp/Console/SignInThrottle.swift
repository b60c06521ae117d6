import Synchronization

/// Counts failed console sign-ins per client address: after `attempts` failures within `window`, the address is
/// refused (429 with `Retry-After`) until its oldest counted failure leaves the window. A successful sign-in does not
/// reset the count, so guessing between two known keys gains nothing. Bounded: at most ``maxAddresses`` addresses
/// are tracked; past that the ones whose failures are all out of the window go first, then the least recent.
final class SignInThrottle: Sendable {
    static let maxAddresses = 10_000
    let attempts: Int
    let window: Duration
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    init(attempts: Int, window: Duration) {
        self.attempts = attempts
        self.window = window
    }

    /// How long `address` must wait before it may try again, or `nil` when it may try now.
    func retryAfter(_ address: String, now: ContinuousClock.Instant = .now) -> Duration? {
        failures.withLock { table in
            guard let times = table[address] else { return nil }
            let recent = times.filter { now - $0 < window }
            table[address] = recent.isEmpty ? nil : recent
            guard recent.count >= attempts, let oldest = recent.first else { return nil }
            return window - (now - oldest)
        }
    }

    /// Counts a failed sign-in from `address`.
    func recordFailure(_ address: String, now: ContinuousClock.Instant = .now) {
        failures.withLock { table in
            var times = (table[address] ?? []).filter { now - $0 < window }
            times.append(now)
            if times.count > attempts { times.removeFirst(times.count - attempts) }
            table[address] = times
            guard table.count > Self.maxAddresses else { return }
            table = table.filter { now - ($0.value.last ?? now) < window }
            while table.count > Self.maxAddresses,
                let least = table.min(by: { ($0.value.last ?? now) < ($1.value.last ?? now) })
            {
                table[least.key] = nil
            }
        }
    }
}
