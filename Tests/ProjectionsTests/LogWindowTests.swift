import EventLog
import Synchronization
import Testing
@testable import Projections

/// The real log, counting the reads that reach it.
private final class CountingLog: EventStore {
    let log: LMDBEventLog
    let reads = Mutex(0)

    init(log: LMDBEventLog) { self.log = log }

    func append(_ events: [NewEvent], checkpoint: CheckpointUpdate?) async throws -> [AppendOutcome] {
        try await log.append(events, checkpoint: checkpoint)
    }
    func event(at position: UInt64) async throws -> Event? { try log.event(at: position) }
    func events(from position: UInt64, limit: Int) async throws -> [Event] {
        reads.withLock { $0 += 1 }
        return try log.events(from: position, limit: limit)
    }
    func head() async throws -> LogHead { try log.head() }
    func subscribe(from position: UInt64) -> LMDBEventLog.Subscription { log.subscribe(from: position) }
    func checkpoint(named name: String) async throws -> UInt64? { try log.checkpoint(named: name) }
    var isWritable: Bool { log.isWritable }
    func storageUsage() async throws -> StorageUsage { try log.storageUsage() }
    func close() async { await log.close() }
}

@Suite("The log window the projections share")
struct LogWindowTests {
    /// Runs `body` with a log of `count` events and a window of `capacity` over it that counts its reads.
    private func withWindow(
        events count: Int, capacity: Int, _ body: (Harness, CountingLog, LogWindow<CountingLog>) async throws -> Void
    ) async throws {
        try await Harness.with { harness in
            for index in 0..<count {
                try await harness.receive("test", payload: json(#"{"n":\#(index)}"#), key: "window:\(index)")
            }
            let counting = CountingLog(log: harness.log)
            try await body(harness, counting, LogWindow(log: counting, capacity: capacity))
        }
    }

    @Test("every read gives the log's own events in order, from the window, by extending it, or past it")
    func readsMatchTheLog() async throws {
        try await withWindow(events: 100, capacity: 16) { harness, counting, window in
            // Extend from empty, serve inside, extend at the end, jump ahead (a new window), read from before it
            // (past it, to the log), extend to the head, and read at the head.
            let reads: [(UInt64, Int)] = [
                (1, 10), (1, 5), (5, 10), (11, 10), (60, 5), (12, 3), (65, 100), (90, 2), (101, 10),
            ]
            for (position, limit) in reads {
                let direct = try harness.log.events(from: position, limit: limit)
                let shared = try await window.events(from: position, limit: limit)
                #expect(!shared.isEmpty || direct.isEmpty, "from \(position)")
                #expect(shared.count <= direct.count, "from \(position)")
                #expect(shared == Array(direct.prefix(shared.count)), "from \(position)")
            }
            // Served from the window without a read: (1, 5), (5, 10) and (90, 2).
            #expect(counting.reads.withLock { $0 } == reads.count - 3)
        }
    }

    @Test("projections that want the same new events wait for one read of the log")
    func concurrentReadersShareOneRead() async throws {
        try await withWindow(events: 50, capacity: 1000) { harness, counting, window in
            let results = try await withThrowingTaskGroup(of: [Event].self) { group in
                for _ in 0..<8 { group.addTask { try await window.events(from: 1, limit: 100) } }
                return try await group.reduce(into: [[Event]]()) { $0.append($1) }
            }
            let direct = try harness.log.events(from: 1, limit: 100)
            #expect(results.count == 8)
            #expect(results.allSatisfy { $0 == direct })
            #expect(counting.reads.withLock { $0 } == 1)
        }
    }

    @Test("the window drops its older events beyond its capacity, and reads of them go to the log")
    func boundedByCapacity() async throws {
        try await withWindow(events: 40, capacity: 10) { harness, counting, window in
            var position: UInt64 = 1
            while true {
                let events = try await window.events(from: position, limit: 8)
                guard let last = events.last else { break }
                position = last.position + 1
            }
            let before = counting.reads.withLock { $0 }
            #expect(try await window.events(from: 1, limit: 4).map(\.position) == [1, 2, 3, 4])
            #expect(counting.reads.withLock { $0 } == before + 1)
            #expect(try await window.events(from: 38, limit: 4).map(\.position) == [38, 39, 40])
            #expect(counting.reads.withLock { $0 } == before + 1)
        }
    }

    @Test("readers in step share the array of the read that brought their events, instead of copying it")
    func readersInStepShareOneArray() async throws {
        try await withWindow(events: 30, capacity: 100) { _, counting, window in
            // The leading reader extends the window twice; the second read is not the window's first.
            _ = try await window.events(from: 1, limit: 10)
            let first = try await window.events(from: 11, limit: 10)
            let second = try await window.events(from: 11, limit: 10)
            #expect(counting.reads.withLock { $0 } == 2)
            #expect(first.map(\.position) == Array(11...20))
            #expect(
                first.withUnsafeBufferPointer { $0.baseAddress } == second.withUnsafeBufferPointer { $0.baseAddress })
            // A read that starts inside an earlier read is a copy of the events, with the same values.
            #expect(try await window.events(from: 3, limit: 4).map(\.position) == [3, 4, 5, 6])
        }
    }

    @Test("reads across several of the window's reads give the log's events, in order, up to the limit")
    func readsAcrossReads() async throws {
        try await withWindow(events: 120, capacity: 40) { harness, _, window in
            var generator = SplitMix(seed: 7)
            var next: UInt64 = 1
            for _ in 0..<300 {
                // Mostly extend with small reads (as projections following a busy log do), sometimes read back.
                let back = UInt64.random(in: 0...20, using: &generator)
                let position = Bool.random(using: &generator) ? next : (next > back ? next - back : 1)
                let limit = Int.random(in: 1...12, using: &generator)
                let shared = try await window.events(from: position, limit: limit)
                let direct = try harness.log.events(from: position, limit: limit)
                #expect(shared == Array(direct.prefix(shared.count)), "from \(position), limit \(limit)")
                #expect(!shared.isEmpty || direct.isEmpty, "from \(position), limit \(limit)")
                if position == next, let last = shared.last { next = last.position + 1 }
                if next > 120 { next = 1 }
            }
        }
    }
}
