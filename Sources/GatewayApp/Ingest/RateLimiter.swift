import Synchronization

/// A token bucket per remote address.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var prunedAt: ContinuousClock.Instant?
    }

    private let perSecond: Double
    private let burst: Double
    private let state = Mutex(State())
    /// Above this many addresses, buckets that have refilled are forgotten, at most once a second: so many
    /// senders within one refill time (a spray of IPv6 addresses, say) cost memory for that time, not a sweep of
    /// every bucket on every request.
    static let maxTracked = 100_000

    /// `perSecond` of 0 lets everything through.
    convenience init(perSecond: Int, burst: Int) {
        self.init(perSecond: Double(perSecond), burst: burst)
    }

    /// A limit given per minute, such as 1,000 a minute: the same bucket, refilled at `perMinute / 60` a second.
    convenience init(perMinute: Int, burst: Int) {
        self.init(perSecond: Double(perMinute) / 60, burst: burst)
    }

    private init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = Double(max(burst, 1))
    }

    /// Takes a token for `address`; otherwise returns how many whole seconds until one is free.
    func acquire(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        guard perSecond > 0 else { return nil }
        return state.withLock { state in
            if state.buckets.count > Self.maxTracked, state.prunedAt.map({ now - $0 >= .seconds(1) }) ?? true {
                prune(&state.buckets, now: now)
                state.prunedAt = now
            }
            var bucket = state.buckets[address] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
            bucket.updated = now
            defer { state.buckets[address] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    /// How many addresses have a bucket.
    var tracked: Int { state.withLock { $0.buckets.count } }

    /// Forgets buckets that have refilled; a full bucket and no bucket behave the same.
    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let full = Duration.seconds(burst / perSecond)
        buckets = buckets.filter { now - $0.value.updated < full }
    }
}

/// Counts events per address in one-minute windows; says whether one more is within the limit.
final class PerMinuteQuota: Sendable {
    private let limit: Int
    private let windows = Mutex<(minute: Int64, counts: [String: Int])>((0, [:]))

    init(limit: Int) { self.limit = limit }

    func take(_ address: String, nowSeconds: Int64) -> Bool {
        windows.withLock { state in
            let minute = nowSeconds / 60
            if minute != state.minute { state = (minute, [:]) }
            let used = state.counts[address, default: 0]
            guard used < limit else { return false }
            state.counts[address] = used + 1
            return true
        }
    }
}
