import EventLog
import Foundation
import Testing
import TestSupport

@Suite("Append and read")
struct AppendTests {
    @Test("every field survives the round trip, including empty and 1 MiB payloads")
    func roundTrip() async throws {
        try await withLog { log, _ in
            let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let written = [
                NewEvent(
                    type: "webhook.received", source: "stripe", idempotencyKey: "stripe:evt_1",
                    metadata: ["content-type": "application/json", "stripe-signature": "t=1,v1=ab", "é": "ü"],
                    payload: Array(#"{"id":"evt_1"}"#.utf8)
                ),
                NewEvent(type: "empty", source: "test", payload: []),
                NewEvent(type: "large", source: "test", idempotencyKey: "large", payload: large),
            ]
            let before = Timestamp.now()
            let outcomes = try await log.append(written)
            #expect(outcomes.map(\.position) == [1, 2, 3] && !outcomes.contains { $0.isDuplicate })
            let read = try log.events(from: 1, limit: 10)
            #expect(read.count == 3)
            for (event, original) in zip(read, written) {
                #expect(event.type == original.type)
                #expect(event.source == original.source)
                #expect(event.idempotencyKey == original.idempotencyKey)
                #expect(event.metadata == original.metadata)
                #expect(event.payload == original.payload)
                #expect(event.recordedAt >= before && event.recordedAt <= Timestamp.now())
            }
            #expect(read[0].previousHash == .zero)
            #expect(read[1].previousHash == read[0].hash)
            #expect(read[2].previousHash == read[1].hash)
            #expect(try log.event(at: 2) == read[1])
            #expect(try log.event(at: 4) == nil)
            #expect(try log.head() == LogHead(position: 3, hash: read[2].hash))
        }
    }

    @Test("a taken idempotency key is a duplicate of the original, and nothing is appended")
    func duplicates() async throws {
        try await withLog { log, _ in
            let first = try await log.append(sampleEvent(1, key: "k1"))
            #expect(first.position == 1 && !first.isDuplicate)
            #expect(try await log.append(sampleEvent(2)).position == 2)
            #expect(
                try await log.append(sampleEvent(3, key: "k1")) == .duplicate(of: 1, hash: first.hash),
                "a duplicate answers the original's receipt")
            let batch = try await log.append([
                sampleEvent(4, key: "k2"), sampleEvent(5, key: "k2"), sampleEvent(6, key: "k1"),
            ])
            #expect(batch.map(\.position) == [3, 3, 1] && batch.map(\.isDuplicate) == [false, true, true])
            #expect(batch[1].hash == batch[0].hash && batch[2].hash == first.hash)
            #expect(try log.head().position == 3)
            #expect(try log.position(forKey: "k2") == 3)
        }
    }

    @Test("data survives closing and reopening, and the chain goes on from the stored head")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            let first = try LMDBEventLog(directory: directory, logger: quietLogger)
            _ = try await first.append((1...5).map { sampleEvent($0) })
            let head = try first.head()
            await first.close()
            let second = try LMDBEventLog(directory: directory, logger: quietLogger)
            #expect(try second.head() == head)
            #expect(try await second.append(sampleEvent(6)).position == 6)
            #expect(try second.event(at: 6)?.previousHash == head.hash)
            #expect(try second.verify().isIntact)
            await second.close()
        }
    }

    @Test("a checkpoint commits with its append")
    func checkpoints() async throws {
        try await withLog { log, _ in
            #expect(try log.checkpoint(named: "reactor.test") == nil)
            let outcomes = try await log.append(
                [sampleEvent(1)], checkpoint: CheckpointUpdate(name: "reactor.test", position: 7))
            #expect(outcomes.map(\.position) == [1])
            #expect(try log.checkpoint(named: "reactor.test") == 7)
            _ = try await log.append([], checkpoint: CheckpointUpdate(name: "reactor.test", position: 9))
            #expect(try log.checkpoint(named: "reactor.test") == 9)
            #expect(try log.head().position == 1)
        }
    }

    @Test("1,000 concurrent appenders: gapless positions, each event once, the chain verifies")
    func concurrentAppenders() async throws {
        try await withLog { log, _ in
            let positions = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for n in 0..<1000 {
                    group.addTask { try await log.append(sampleEvent(n, key: "c\(n)")).position }
                }
                return try await group.reduce(into: [UInt64]()) { $0.append($1) }
            }
            #expect(positions.sorted() == Array(1...1000))
            let events = try log.events(from: 1, limit: 2000)
            #expect(Set(events.compactMap(\.idempotencyKey)).count == 1000)
            #expect(try log.verify() == .intact(head: try log.head()))
        }
    }
}
