import EventLog
import Foundation
import Projections
import Testing
import TestSupport

/// Runs the `replay` executable and returns its exit status, standard output lines, and both streams together.
func replay(_ arguments: [String]) throws -> (status: Int32, lines: [String]) {
    let child = try ChildProcess(executable: productsDirectory + "/replay", arguments: arguments)
    var lines = [String]()
    while let line = child.readLine(timeout: .seconds(120)) { lines.append(line) }
    return (child.waitForExit(), lines)
}

func object(_ line: String?) -> [String: Any]? {
    line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

@Suite("The replay tool", .serialized)
struct ReplayToolTests {
    @Test("verify accepts a sound data directory and catches a stale projection and a flipped byte")
    func verify() async throws {
        try await withTemporaryDirectory("replay") { directory in
            try await CatchUpCrashTests.seed(directory, count: 300)
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            _ = try await Rebuild.build(log: log, into: directory + "/views", projections: BuiltInProjections.all, logger: quietLogger)
            await log.close()

            let sound = try replay(["verify", "--data-dir", directory])
            #expect(sound.status == 0, "\(sound.lines)")
            let report = try #require(object(sound.lines.last))
            #expect((report["chain"] as? [String: Any])?["ok"] as? Bool == true)
            #expect((report["chain"] as? [String: Any])?["head"] as? Int == 300)
            let projections = try #require(report["projections"] as? [String: [String: Any]])
            #expect(projections.count == 5)
            #expect(projections.values.allSatisfy { $0["equal"] as? Bool == true })

            // The live views now miss an event: verify says which projections differ.
            let reopened = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            _ = try await reopened.append(NewEvent(type: "webhook.received", source: "c2s", payload: try fixture("c2s/on_close_lead.json")))
            await reopened.close()
            let stale = try replay(["verify", "--data-dir", directory])
            #expect(stale.status == 1)
            let staleProjections = try #require(object(stale.lines.last)?["projections"] as? [String: [String: Any]])
            #expect(staleProjections["leads"]?["equal"] as? Bool == false)
            #expect(staleProjections["payments"]?["equal"] as? Bool == true)

            // A backup verifies; a flipped byte in a copy is named by position.
            let backup = directory + "-backup"
            defer { try? FileManager.default.removeItem(atPath: backup) }
            let copied = try replay(["backup", "--data-dir", directory, backup])
            #expect(copied.status == 0, "\(copied.lines)")
            #expect(object(copied.lines.last)?["head"] as? Int == 301)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: backup + "/log/data.mdb"))
            let marker = Data("on_close_lead".utf8)
            let range = try #require(bytes.range(of: marker))
            bytes[range.lowerBound] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: backup + "/log/data.mdb"))
            let broken = try replay(["verify", "--data-dir", backup])
            #expect(broken.status == 1)
            let chain = object(broken.lines.last)?["chain"] as? [String: Any]
            #expect(chain?["ok"] as? Bool == false)
            #expect(chain?["position"] as? Int == 301)
        }
    }

    @Test("stats counts by source and type; export writes one JSON line per event with its hashes")
    func statsAndExport() async throws {
        try await withTemporaryDirectory("replay-export") { directory in
            try await CatchUpCrashTests.seed(directory, count: 40)
            let stats = try replay(["stats", "--data-dir", directory])
            #expect(stats.status == 0)
            let report = try #require(object(stats.lines.last))
            #expect(report["head"] as? Int == 40)
            #expect(report["by_source"] as? [String: Int] == ["stripe": 20, "c2s": 10, "intercom": 10])
            #expect((report["head_hash"] as? String)?.count == 64)

            let export = try replay(["export", "--data-dir", directory, "--source", "c2s", "--from", "5"])
            #expect(export.status == 0)
            let lines = export.lines.compactMap(object)
            #expect(lines.count == 9)
            #expect(lines.allSatisfy { $0["source"] as? String == "c2s" && ($0["hash"] as? String)?.count == 64 })
            #expect((lines.first?["payload"] as? [String: Any])?["hook_action"] as? String == "on_create_lead")

            let missing = try replay(["stats", "--data-dir", directory + "/nowhere"])
            #expect(missing.status != 0)
        }
    }
}
