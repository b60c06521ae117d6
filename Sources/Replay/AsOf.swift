import ArgumentParser
import EventLog
import Foundation
import Projections

/// `replay as-of`: the state of one projection right after a position or a time, as NDJSON
/// (`{"table","key","value"}` per record) or one key.
struct AsOf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "as-of", abstract: "Show a projection's state as of a position or a time.")

    @OptionGroup var data: DataOptions
    @Option(help: "The last position to include.") var position: UInt64?
    @Option(help: "An ISO 8601 time: every event recorded at or before it is included.") var time: String?
    @Option(help: "The projection, such as payments.") var projection: String
    @Option(help: "Only this key.") var key: String?

    func validate() throws {
        guard (position == nil) != (time == nil) else {
            throw ValidationError("give exactly one of --position and --time")
        }
    }

    func run() async throws {
        guard let chosen = BuiltInProjections.all.first(where: { $0.name == projection }) else {
            throw ValidationError(
                "no projection named \(projection); known: \(BuiltInProjections.all.map(\.name).joined(separator: ", "))"
            )
        }
        let log = try data.openLog()
        let end: UInt64
        if let position {
            end = position
        } else {
            end = try await log.lastPosition(recordedAtOrBefore: try parseTime(time!))
        }
        let scratch = NSTemporaryDirectory() + "replay-asof-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try await Rebuild.build(log: LogPrefix(log, end: end), into: scratch, projections: [chosen], logger: quiet)
        await log.close()
        let store = try ProjectionStore(directory: scratch, logger: quiet)
        defer { store.close() }
        var found = false
        _ = try store.read(chosen.name) { reader in
            for table in chosen.tables {
                try reader.scan(table) { entryKey, value in
                    guard key.map({ $0 == entryKey }) ?? true else { return true }
                    found = true
                    let json =
                        (try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed])) ?? NSNull()
                    try printJSON(["position": end, "table": table, "key": entryKey, "value": json])
                    return true
                }
            }
        }
        if key != nil && !found { throw ValidationError("no key \(key!) in \(projection) as of position \(end)") }
    }

    private func parseTime(_ text: String) throws -> Timestamp {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions =
            text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        guard let date = formatter.date(from: text) else {
            throw ValidationError("--time must be ISO 8601, such as 2026-11-23T17:00:00Z")
        }
        // Times past what 64-bit nanoseconds can hold (after 2262) mean "everything".
        let seconds = date.timeIntervalSince1970
        guard abs(seconds) < 9_000_000_000 else { return Timestamp(nanosecondsSinceEpoch: seconds > 0 ? .max : .min) }
        return Timestamp(nanosecondsSinceEpoch: Int64(seconds * 1_000_000) * 1000)
    }
}
