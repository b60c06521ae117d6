import EventLog
import Foundation
import Projections
import Testing
import TestSupport

/// Runs the `replay` executable and returns its exit status and its output lines (with standard error's when
/// `errors` is set).
func replay(_ arguments: [String], errors: Bool = false) async throws -> (status: Int32, lines: [String]) {
    let child = try ChildProcess(
        executable: productsDirectory + "/replay", arguments: arguments, mergeStandardError: errors)
    var lines = [String]()
    while let line = await child.readLine(timeout: .seconds(120)) { lines.append(line) }
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
            _ = try await Rebuild.build(
                log: log, into: directory + "/views", projections: BuiltInProjections.all, logger: quietLogger)
            await log.close()

            let sound = try await replay(["verify", "--data-dir", directory])
            #expect(sound.status == 0, "\(sound.lines)")
            let report = try #require(object(sound.lines.last))
            #expect((report["chain"] as? [String: Any])?["ok"] as? Bool == true)
            #expect((report["chain"] as? [String: Any])?["head"] as? Int == 300)
            let projections = try #require(report["projections"] as? [String: [String: Any]])
            #expect(projections.count == BuiltInProjections.all.count)
            #expect(projections.values.allSatisfy { $0["equal"] as? Bool == true })

            // An auditor's copy: rebuilt elsewhere, the same digests, the live views untouched.
            let copy = try await replay(["rebuild", "--data-dir", directory, "--into", directory + "/audit"])
            #expect(copy.status == 0, "\(copy.lines)")
            let digests = try #require(object(copy.lines.last)?["digests"] as? [String: String])
            #expect(digests == projections.mapValues { $0["live_digest"] as? String ?? "" })
            #expect(
                try await replay([
                    "rebuild", "--data-dir", directory, "--projection", "nope", "--into", directory + "/x",
                ]).status != 0)

            // The live views now miss an event: verify says which projections differ.
            let reopened = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            _ = try await reopened.append(
                NewEvent(type: "webhook.received", source: "c2s", payload: try fixture("c2s/on_close_lead.json")))
            await reopened.close()
            let stale = try await replay(["verify", "--data-dir", directory])
            #expect(stale.status == 3, "a projection differs: \(stale.lines)")
            #expect(
                (object(stale.lines.last)?["chain"] as? [String: Any])?["ok"] as? Bool == true,
                "the chain is reported on its own")
            let staleProjections = try #require(object(stale.lines.last)?["projections"] as? [String: [String: Any]])
            #expect(staleProjections["leads"]?["equal"] as? Bool == false)
            #expect(staleProjections["payments"]?["equal"] as? Bool == true)

            // A backup verifies; a flipped byte in a copy is named by position.
            let backup = directory + "-backup"
            defer { try? FileManager.default.removeItem(atPath: backup) }
            let copied = try await replay(["backup", "--data-dir", directory, backup])
            #expect(copied.status == 0, "\(copied.lines)")
            #expect(object(copied.lines.last)?["head"] as? Int == 301)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: backup + "/log/data.mdb"))
            let marker = Data("on_close_lead".utf8)
            let range = try #require(bytes.range(of: marker))
            bytes[range.lowerBound] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: backup + "/log/data.mdb"))
            let broken = try await replay(["verify", "--data-dir", backup])
            #expect(broken.status == 1, "the chain does not hold: \(broken.lines)")
            #expect((object(broken.lines.last)?["projections"] as? [String: Any])?["compared"] as? Bool == false)
            let chain = object(broken.lines.last)?["chain"] as? [String: Any]
            #expect(chain?["ok"] as? Bool == false)
            #expect(chain?["position"] as? Int == 301)
        }
    }

    @Test("stats counts by source and type; export writes one JSON line per event with its hashes")
    func statsAndExport() async throws {
        try await withTemporaryDirectory("replay-export") { directory in
            try await CatchUpCrashTests.seed(directory, count: 40)
            let stats = try await replay(["stats", "--data-dir", directory])
            #expect(stats.status == 0)
            let report = try #require(object(stats.lines.last))
            #expect(report["head"] as? Int == 40)
            #expect(report["by_source"] as? [String: Int] == ["stripe": 20, "c2s": 10, "intercom": 10])
            #expect((report["head_hash"] as? String)?.count == 64)

            let export = try await replay(["export", "--data-dir", directory, "--source", "c2s", "--from", "5"])
            #expect(export.status == 0)
            let lines = export.lines.compactMap(object)
            #expect(lines.count == 9)
            #expect(lines.allSatisfy { $0["source"] as? String == "c2s" && ($0["hash"] as? String)?.count == 64 })
            #expect((lines.first?["payload"] as? [String: Any])?["hook_action"] as? String == "on_create_lead")

            let missing = try await replay(["stats", "--data-dir", directory + "/nowhere"])
            #expect(missing.status != 0)
        }
    }

    @Test("as-of at several positions equals the projection built on a truncated copy of the log")
    func asOf() async throws {
        try await withTemporaryDirectory("replay-asof") { directory in
            try await CatchUpCrashTests.seed(directory, count: 120)
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            let events = try log.events(from: 1, limit: 200)
            await log.close()
            for position in [1, 7, 61, 120] {
                let shown = try await replay([
                    "as-of", "--data-dir", directory, "--projection", "payments", "--position", "\(position)",
                ])
                #expect(shown.status == 0)
                let lines = Set(
                    shown.lines.compactMap(object).map { line in
                        "\(line["table"]!)|\(line["key"]!)|\(String(decoding: try! JSONSerialization.data(withJSONObject: line["value"]!, options: [.sortedKeys]), as: UTF8.self))"
                    })

                // The expected state: the same events in a new log cut at `position`, projected from scratch.
                try await withTemporaryDirectory("truncated") { copy in
                    let truncated = try LMDBEventLog(directory: copy + "/log", logger: quietLogger)
                    _ = try await truncated.append(
                        events.prefix(position).map {
                            NewEvent(
                                type: $0.type, source: $0.source, idempotencyKey: $0.idempotencyKey,
                                metadata: $0.metadata, payload: $0.payload)
                        })
                    _ = try await Rebuild.build(
                        log: truncated, into: copy + "/views", projections: [PaymentsProjection()], logger: quietLogger)
                    await truncated.close()
                    let store = try ProjectionStore(directory: copy + "/views", logger: quietLogger)
                    var expected = Set<String>()
                    _ = try store.read("payments") { reader in
                        for table in PaymentsProjection().tables {
                            try reader.scan(table) { key, value in
                                let json = try JSONSerialization.jsonObject(with: Data(value))
                                expected.insert(
                                    "\(table)|\(key)|\(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))"
                                )
                                return true
                            }
                        }
                    }
                    store.close()
                    #expect(lines == expected, "as of position \(position)")
                    #expect(!expected.isEmpty)
                }
            }
            let one = try await replay([
                "as-of", "--data-dir", directory, "--projection", "payments", "--position", "120", "--key",
                "pi_3QxYpL2eZvKYlo2C1gH7kT2m",
            ])
            #expect(one.lines.compactMap(object).first?["key"] as? String == "pi_3QxYpL2eZvKYlo2C1gH7kT2m")
            let now = try await replay([
                "as-of", "--data-dir", directory, "--projection", "payments", "--time", "2999-01-01T00:00:00Z",
            ])
            #expect(now.lines.compactMap(object).first?["position"] as? Int == 120)
            #expect(try await replay(["as-of", "--data-dir", directory, "--projection", "payments"]).status != 0)
        }
    }

    @Test("tail follows appends made by another process, from a position, as NDJSON")
    func tail() async throws {
        try await withTemporaryDirectory("replay-tail") { directory in
            try await CatchUpCrashTests.seed(directory, count: 10)
            let child = try ChildProcess(
                executable: productsDirectory + "/replay", arguments: ["tail", "--data-dir", directory, "--from", "9"])
            defer { child.send(SIGKILL); _ = child.waitForExit() }
            #expect(object(await child.readLine())?["position"] as? Int == 9)
            #expect(object(await child.readLine())?["position"] as? Int == 10)
            let log = try LMDBEventLog(directory: directory + "/log", logger: quietLogger)
            _ = try await log.append(
                NewEvent(type: "test.live", source: "test", payload: Array(#"{"live":true}"#.utf8)))
            let line = try #require(object(await child.readLine()))
            #expect(line["position"] as? Int == 11)
            #expect(line["type"] as? String == "test.live")
            #expect((line["payload"] as? [String: Any])?["live"] as? Bool == true)
            await log.close()
        }
    }

    @Test("export to a full disk ends with exit 1 and a line that names the error, not a crash")
    func exportToFullDisk() async throws {
        try await withTemporaryDirectory("replay-full") { directory in
            try await CatchUpCrashTests.seed(directory, count: 50)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: productsDirectory + "/replay")
            process.arguments = ["export", "--data-dir", directory]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 1)
            #expect(message.contains("cannot write to standard output: No space left on device"), "\(message)")
        }
    }
}
