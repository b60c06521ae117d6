@testable import GatewayApp
@testable import Outbound
import Testing

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("over the tracked bound, refilled buckets are forgotten at most once a second, and limits hold meanwhile")
    func boundedTracking() {
        let limiter = RateLimiter(perSecond: 1, burst: 1)
        let start = ContinuousClock.now
        let half = RateLimiter.maxTracked / 2
        #expect(limiter.acquire("sender", now: start) == nil)
        #expect(limiter.acquire("sender", now: start) == 1, "the burst is used up")
        for n in 0..<half { _ = limiter.acquire("spray-\(n)", now: start) }
        // Half a second later the bound is passed: a sweep, which finds nothing refilled yet.
        for n in half...(2 * half + 1) { _ = limiter.acquire("spray-\(n)", now: start + .milliseconds(500)) }
        #expect(limiter.tracked == 2 * half + 3)
        #expect(limiter.acquire("sender", now: start + .milliseconds(600)) != nil, "still limited")
        // The first half has refilled, but the last sweep was less than a second ago: nothing is forgotten.
        _ = limiter.acquire("late", now: start + .milliseconds(1_200))
        #expect(limiter.tracked == 2 * half + 4)
        // A second after that sweep, every refilled bucket goes; a new sender starts with a full bucket.
        #expect(limiter.acquire("later", now: start + .milliseconds(1_600)) == nil)
        #expect(limiter.tracked < 10)
    }
}
