import EventLog
import Foundation
import Testing
import TestSupport

/// Mounts a tiny tmpfs (root only) for a real "no space left on device".
private func withSmallFilesystem(_ body: (String) async throws -> Void) async throws {
    try await withTemporaryDirectory("diskfull") { directory in
        let mount = try ChildProcess(
            executable: "/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=3m", "tmpfs", directory])
        guard mount.waitForExit() == 0 else { throw POSIXError(.EPERM) }
        defer { _ = try? ChildProcess(executable: "/bin/umount", arguments: [directory]).waitForExit() }
        try await body(directory)
    }
}

private let canMount = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")

@Suite("Disk full")
struct DiskFullTests {
    @Test(
        "a full disk fails the append with storage_full, writes nothing, and the next append after space returns works",
        .enabled(if: canMount, "needs root to mount a small tmpfs"))
    func diskFull() async throws {
        try await withSmallFilesystem { mountPoint in
            let filler = mountPoint + "/filler"
            try Data(count: 1 << 20).write(to: URL(fileURLWithPath: filler))
            var configuration = EventLogConfiguration()
            configuration.environment.mapSize = 64 << 20
            let log = try LMDBEventLog(
                directory: mountPoint + "/log", configuration: configuration, logger: quietLogger)
            var failure: EventLogError?
            var n = 0
            while failure == nil, n < 1000 {
                n += 1
                do {
                    _ = try await log.append(sampleEvent(n, key: "full-\(n)", payloadSize: 32 << 10))
                } catch let error as EventLogError {
                    failure = error
                }
            }
            #expect(failure?.code == .storageFull, "\(String(describing: failure))")
            let head = try log.head()
            #expect(head.position == UInt64(n - 1))
            #expect(try log.position(forKey: "full-\(n)") == nil)
            #expect(try log.verify() == .intact(head: head))

            try FileManager.default.removeItem(atPath: filler)
            #expect(
                try await log.append(sampleEvent(n, key: "full-\(n)", payloadSize: 1024)).position == head.position + 1)
            #expect(try log.verify().isIntact)
            await log.close()
        }
    }
}
