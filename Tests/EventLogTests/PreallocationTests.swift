import EventLog
import Foundation
import Testing
import TestSupport

private func fileSize(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
}

@Suite("Preallocation")
struct PreallocationTests {
    @Test("the log writes zeros ahead of its last page, and a reopened log reads and appends as before")
    func zerosAhead() async throws {
        let step = EventLogConfiguration().environment.preallocationStep
        #expect(step == 8 << 20)
        try await withTemporaryDirectory("prealloc") { directory in
            let path = directory + "/log"
            let log = try LMDBEventLog(directory: path, logger: quietLogger)
            for n in 1...50 { _ = try await log.append(sampleEvent(n, key: "k\(n)", payloadSize: 3000)) }
            let used = try log.usage().usedBytes
            let size = try fileSize(path + "/data.mdb")
            #expect(size >= used + step / 2, "file \(size) bytes, \(used) in use")
            // The bytes beyond the last page in use are zeros.
            let handle = try #require(FileHandle(forReadingAtPath: path + "/data.mdb"))
            try handle.seek(toOffset: UInt64(used))
            let tail = try #require(try handle.read(upToCount: 1 << 20))
            try handle.close()
            #expect(tail.count == 1 << 20 && tail.allSatisfy { $0 == 0 })
            await log.close()

            let reopened = try LMDBEventLog(directory: path, logger: quietLogger)
            #expect(try reopened.head().position == 50)
            #expect(try reopened.verify().isIntact)
            #expect(try await reopened.append(sampleEvent(51, key: "k51")) == .appended(51))
            #expect(try await reopened.append(sampleEvent(1, key: "k1")) == .duplicate(of: 1))
            #expect(try reopened.event(at: 51)?.metadata["n"] == "51")
            await reopened.close()
        }
    }

    @Test("zeros stop at the map's end, and the file keeps ahead as the map grows")
    func boundedByTheMap() async throws {
        var configuration = EventLogConfiguration()
        configuration.environment.mapSize = 2 << 20
        try await withLog(configuration: configuration) { log, path in
            _ = try await log.append(sampleEvent(1, key: "first"))
            #expect(try fileSize(path + "/data.mdb") == 2 << 20, "zeros up to the 2 MiB map, not a whole step")
            // About 6 MiB of events: the map grows, and the zeros follow it.
            for n in 2...1500 { _ = try await log.append(sampleEvent(n, payloadSize: 4000)) }
            let usage = try log.usage()
            let size = try fileSize(path + "/data.mdb")
            #expect(usage.mapSizeBytes > 2 << 20)
            #expect(size > usage.usedBytes && size <= usage.mapSizeBytes, "file \(size), used \(usage.usedBytes), map \(usage.mapSizeBytes)")
            #expect(try log.verify().isIntact)
        }
    }

    @Test("an environment without a step grows its file page by page")
    func off() async throws {
        var configuration = EventLogConfiguration()
        configuration.environment.preallocationStep = 0
        try await withLog(configuration: configuration) { log, path in
            for n in 1...20 { _ = try await log.append(sampleEvent(n)) }
            #expect(try fileSize(path + "/data.mdb") == log.usage().usedBytes)
        }
    }
}
