import EventLog
import Testing

@Suite("PositionWatch")
struct PositionWatchTests {
    @Test("a waiter wakes when the position is advanced to it, long before its timeout")
    func wakesOnAdvance() async throws {
        let watch = PositionWatch(head: 3)
        let clock = ContinuousClock()
        let start = clock.now
        async let reached = watch.wait(forPosition: 5, timeout: .seconds(30))
        watch.advance(to: 4)
        // Advanced past the wanted position only once the waiter may be parked; either way it must see 5.
        watch.advance(to: 5)
        #expect(await reached)
        #expect(clock.now - start < .seconds(30))
        #expect(watch.head == 5)
    }

    @Test("a wait that times out says the position was not reached; a lower advance is ignored")
    func timesOut() async throws {
        let watch = PositionWatch(head: 10)
        watch.advance(to: 7)
        #expect(watch.head == 10)
        #expect(await watch.wait(forPosition: 10, timeout: .milliseconds(1)))
        #expect(await !watch.wait(forPosition: 11, timeout: .milliseconds(20)))
    }

    @Test("closing wakes every waiter with false")
    func closeWakes() async throws {
        let watch = PositionWatch(head: 0)
        async let first = watch.wait(forPosition: 1)
        async let second = watch.wait(forPosition: 2, timeout: .seconds(30))
        watch.close()
        #expect(await !first)
        #expect(await !second)
        #expect(watch.isClosed)
    }
}
