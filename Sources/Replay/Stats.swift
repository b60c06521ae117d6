import ArgumentParser
import EventLog
import Foundation

/// `replay stats`: events by source and type, first and last time, head and its hash, file sizes.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count events by source and type; show the head and file sizes.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let log = try data.openLog()
        var bySource = [String: Int]()
        var byType = [String: Int]()
        var first: Timestamp?
        var last: Timestamp?
        var position: UInt64 = 1
        while true {
            let batch = try log.events(from: position, limit: 4096)
            guard let tail = batch.last else { break }
            for event in batch {
                bySource[event.source, default: 0] += 1
                byType[event.type, default: 0] += 1
                first = first ?? event.recordedAt
                last = event.recordedAt
            }
            position = tail.position + 1
        }
        let head = try log.head()
        await log.close()
        func size(_ directory: String) -> Int {
            ((try? FileManager.default.attributesOfItem(
                atPath: (directory as NSString).appendingPathComponent("data.mdb")))?[.size] as? Int) ?? 0
        }
        try printJSON([
            "head": head.position, "head_hash": head.hash.hex, "by_source": bySource, "by_type": byType,
            "first_recorded_at": first?.iso8601 as Any? ?? NSNull(),
            "last_recorded_at": last?.iso8601 as Any? ?? NSNull(),
            "log_bytes": size(data.logDirectory), "views_bytes": size(data.viewsDirectory),
        ])
    }
}
