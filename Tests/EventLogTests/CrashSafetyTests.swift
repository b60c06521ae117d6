import EventLog
import Foundation
import Testing
import TestSupport

@Suite("Crash safety")
struct CrashSafetyTests {
    @Test("SIGKILL at a random moment loses no acknowledged append and leaves the chain intact", arguments: 1...4)
    func killedWriter(round: Int) async throws {
        try await withTemporaryDirectory("torture") { directory in
            var acknowledged = Set<UInt64>()
            // Three lives of the same log: each killed at a different random moment.
            for _ in 0..<3 {
                let child = try ChildProcess(
                    executable: productsDirectory + "/LogTorture", arguments: [directory, "8"])
                #expect(await child.readLine() == "ready")
                let target = Int.random(in: 20...600)
                var seen = 0
                while seen < target, let line = await child.readLine() {
                    if line.hasPrefix("ack "), let position = UInt64(line.dropFirst(4)) {
                        acknowledged.insert(position)
                        seen += 1
                    }
                }
                child.send(SIGKILL)
                // Positions already on the pipe were acknowledged too: read them up to the end of output.
                while let line = await child.readLine(timeout: .seconds(5)) {
                    if line.hasPrefix("ack "), let position = UInt64(line.dropFirst(4)) {
                        acknowledged.insert(position)
                    }
                }
                _ = child.waitForExit()
                #expect(child.wasSignalled)
                #expect(seen == target)

                let log = try LMDBEventLog(directory: directory, logger: quietLogger)
                let head = try log.head()
                #expect(try log.verify() == .intact(head: head))
                let missing = acknowledged.filter { $0 > head.position }
                #expect(
                    missing.isEmpty, "acknowledged positions missing after the crash: \(missing.sorted().prefix(5))")
                for position in acknowledged.shuffled().prefix(50) {
                    #expect(try log.event(at: position)?.type == "torture.appended")
                }
                await log.close()
            }
        }
    }
}
