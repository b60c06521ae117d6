import EventLog
import Foundation
import Testing
import TestSupport

@Suite("Bad input, growth and damage")
struct FaultTests {
    @Test("bad events are refused with clear typed errors, and nothing of the batch is written")
    func badInput() async throws {
        try await withLog { log, _ in
            let cases: [(NewEvent, String)] = [
                (NewEvent(type: "", source: "test"), "type is empty"),
                (NewEvent(type: "t", source: ""), "source is empty"),
                (
                    NewEvent(type: "t", source: "s", idempotencyKey: String(repeating: "k", count: 600)),
                    "idempotency key is 600 bytes"
                ),
                (NewEvent(type: "t", source: "s", idempotencyKey: ""), "idempotency key is empty"),
            ]
            for (event, message) in cases {
                let error = await #expect(throws: EventLogError.self) { try await log.append([sampleEvent(1), event]) }
                #expect(error?.code == .invalidEvent)
                #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
            }
            let head = try log.head()
            #expect(head.position == 0)
        }
    }

    @Test("a closed log refuses appends and reads with the closed error")
    func closedLog() async throws {
        try await withTemporaryDirectory { directory in
            let log = try LMDBEventLog(directory: directory, logger: quietLogger)
            _ = try await log.append(sampleEvent(1))
            await log.close()
            let appendError = await #expect(throws: EventLogError.self) { try await log.append(sampleEvent(2)) }
            #expect(appendError?.code == .closed)
            let readError = #expect(throws: EventLogError.self) { try log.event(at: 1) }
            #expect(readError?.code == .closed)
        }
    }

    @Test("the map grows from a small size through many appends, unseen by callers")
    func mapGrowth() async throws {
        var configuration = EventLogConfiguration()
        configuration.environment.mapSize = 1 << 20
        try await withLog(configuration: configuration) { log, _ in
            let initial = try log.usage().mapSizeBytes
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for n in 0..<100 { _ = try await log.append(sampleEvent(task * 1000 + n, payloadSize: 8192)) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try log.head().position == 800)
            #expect(try log.usage().mapSizeBytes > initial)
            #expect(try log.verify().isIntact)
        }
    }

    @Test("a flipped byte in a copy of the data file makes verify name that position")
    func flippedByte() async throws {
        try await withLog { log, directory in
            for n in 1...20 {
                let marker = n == 13 ? "MARKER-THIRTEEN" : "payload-\(n)"
                _ = try await log.append(NewEvent(type: "t", source: "s", payload: Array(marker.utf8)))
            }
            let backup = directory + "-copy"
            defer { try? FileManager.default.removeItem(atPath: backup) }
            #expect(try await log.backup(to: backup).isIntact)
            var data = try Data(contentsOf: URL(fileURLWithPath: backup + "/data.mdb"))
            let marker = Data("MARKER-THIRTEEN".utf8)
            let range = try #require(data.range(of: marker))
            data[range.lowerBound + 3] ^= 0x20
            try data.write(to: URL(fileURLWithPath: backup + "/data.mdb"))
            let damaged = try LMDBEventLog(directory: backup, logger: quietLogger)
            let report = try damaged.verify()
            await damaged.close()
            guard case .broken(let position, let reason) = report else {
                Issue.record("verify did not notice the flipped byte")
                return
            }
            #expect(position == 13)
            #expect(reason.contains("hash"))
        }
    }

    @Test("a backup is compacted, opens, verifies, and has the same head")
    func backup() async throws {
        try await withLog { log, directory in
            _ = try await log.append((1...50).map { sampleEvent($0, key: "b\($0)") })
            let copy = directory + "-backup"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            let report = try await log.backup(to: copy)
            #expect(report == .intact(head: try log.head()))
            let error = await #expect(throws: EventLogError.self) { try await log.backup(to: copy) }
            #expect(error?.message.contains("not empty") == true)
        }
    }
}
