import EventLog
import Synchronization
import Testing
import TestSupport

@Suite("Subscribe")
struct SubscriptionTests {
    @Test("a subscriber sees every position once, in order, across catch-up and live appends")
    func catchUpThenLive() async throws {
        try await withLog { log, _ in
            _ = try await log.append((1...300).map { sampleEvent($0) })
            let total: UInt64 = 2000
            try await withThrowingTaskGroup(of: [UInt64].self) { group in
                group.addTask {
                    var seen = [UInt64]()
                    for try await event in log.subscribe(from: 1) {
                        seen.append(event.position)
                        if event.position == total { break }
                    }
                    return seen
                }
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { writers in
                        for w in 0..<4 {
                            writers.addTask {
                                for n in 0..<425 { _ = try await log.append(sampleEvent(w * 1000 + n)) }
                            }
                        }
                        try await writers.waitForAll()
                    }
                    return []
                }
                var seen = [UInt64]()
                for try await result in group { seen += result }
                #expect(seen == Array(1...total))
            }
        }
    }

    @Test("a subscription from the middle starts there, and ends when the log closes")
    func fromMiddleUntilClose() async throws {
        try await withTemporaryDirectory { directory in
            let log = try LMDBEventLog(directory: directory, logger: quietLogger)
            _ = try await log.append((1...10).map { sampleEvent($0) })
            let seen = Mutex<[UInt64]>([])
            async let ended: Void = {
                for try await event in log.subscribe(from: 6) { seen.withLock { $0.append(event.position) } }
            }()
            _ = try await log.append(sampleEvent(11))
            #expect(await waitUntil { seen.withLock { $0.last } == 11 })
            await log.close()
            try await ended
            #expect(seen.withLock { $0 } == Array(6...11))
        }
    }

    @Test("cancelling the subscriber's task ends the sequence")
    func cancellation() async throws {
        try await withLog { log, _ in
            let task = Task {
                var count = 0
                for try await _ in log.subscribe(from: 1) { count += 1 }
                return count
            }
            _ = try await log.append(sampleEvent(1))
            task.cancel()
            let count = try await task.value
            #expect(count <= 1)
        }
    }

    @Test(
        "waiting for events returns at once when there are more, on the next append when there are not, and false once closed"
    )
    func waitForEvents() async throws {
        try await withTemporaryDirectory { directory in
            let log = try LMDBEventLog(directory: directory, logger: quietLogger)
            _ = try await log.append((1...3).map { sampleEvent($0) })
            #expect(try await log.waitForEvents(after: 2))
            async let woken = log.waitForEvents(after: 3)
            _ = try await log.append(sampleEvent(4))
            #expect(try await woken)
            async let closed = log.waitForEvents(after: 4)
            await log.close()
            #expect(try await closed == false)
            #expect(try await log.waitForEvents(after: 1) == false)
        }
    }

    @Test("a cancelled wait for events returns false")
    func waitForEventsCancelled() async throws {
        try await withLog { log, _ in
            let task = Task { try await log.waitForEvents(after: 0) }
            task.cancel()
            let woken = try await task.value
            #expect(woken == false)
        }
    }
}
