import EventLog
import Foundation
import Testing
import TestSupport

/// `replay migrate` between an LMDB log and a JetStream stream on a real `nats-server`.
@Suite("replay migrate", .serialized)
struct MigrateTests {
    func replay(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            executable: productsDirectory + "/replay", arguments: arguments, mergeStandardError: true)
        var output = ""
        while let line = await child.readLine(timeout: .seconds(60)) { output += line + "\n" }
        return (child.waitForExit(), output)
    }

    @Test(
        "an LMDB log copied into a stream and back keeps every position and hash; a second copy into the same stream is refused"
    )
    func roundTrip() async throws {
        let cluster = try await NATSCluster.launch(size: 1)
        defer { cluster.stop() }
        try await withTemporaryDirectory("migrate") { directory in
            let log = try LMDBEventLog(directory: directory + "/a/log", logger: quietLogger)
            for batch in 0..<3 {
                _ = try await log.append(
                    (0..<400).map { n in
                        NewEvent(
                            type: "webhook.received", source: "test", idempotencyKey: "k\(batch)-\(n)", metadata: [:],
                            payload: Array(#"{"n":\#(n)}"#.utf8))
                    })
            }
            let head = try log.head()
            await log.close()
            let nats = ["--urls", cluster.urls[0], "--stream", "MIGRATE_TEST", "--replicas", "1"]
            let to = try await replay(["migrate", "--to-jetstream", "--data-dir", directory + "/a"] + nats)
            #expect(to.status == 0, "\(to.output)")
            #expect(to.output.contains("copied 1200 records"))
            let again = try await replay(["migrate", "--to-jetstream", "--data-dir", directory + "/a"] + nats)
            #expect(again.status != 0 && again.output.contains("not empty"), "\(again.output)")
            let back = try await replay(["migrate", "--from-jetstream", "--data-dir", directory + "/b"] + nats)
            #expect(back.status == 0, "\(back.output)")
            let receipt = "\(head.position):\(head.hash.hex)"
            #expect(back.output.contains(receipt), "the copy's head is the original's: \(back.output)")
            let verify = try await replay(["verify", "--data-dir", directory + "/b", "--expect", receipt])
            #expect(verify.status == 0, "\(verify.output)")
        }
    }
}
