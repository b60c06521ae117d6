import ArgumentParser
import EventLog
import Foundation

/// `replay stats`: events by source and type, first and last time, head and its hash, file sizes.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Count events by source and type; show the head and file sizes.")

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
            ((try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent("data.mdb")))?[.size] as? Int) ?? 0
        }
        try printJSON([
            "head": head.position, "head_hash": head.hash.hex, "by_source": bySource, "by_type": byType,
            "first_recorded_at": first?.iso8601 as Any? ?? NSNull(), "last_recorded_at": last?.iso8601 as Any? ?? NSNull(),
            "log_bytes": size(data.logDirectory), "views_bytes": size(data.viewsDirectory),
        ])
    }
}

/// `replay tail`: follows the log as NDJSON in the form of `replay export`, also while another process (the gateway) appends to it.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Follow the log live as NDJSON.")

    @OptionGroup var data: DataOptions
    @Option(help: "First position (default: the next one to be appended).") var from: UInt64?

    func run() async throws {
        let log = try data.openLog()
        var next = try from ?? (log.head().position + 1)
        // Appends by another process wake no one here, so the tail looks again every 100 ms when it is idle.
        while !Task.isCancelled {
            let batch = try log.events(from: next, limit: 1024)
            for event in batch { try output(try event.jsonLine() + Data("\n".utf8)) }
            if let last = batch.last {
                next = last.position + 1
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        await log.close()
    }
}

/// `replay backup DEST`: a hot, compacted copy of the log that `replay verify --data-dir DEST` accepts.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a hot, compacted, verified copy of the log to DEST/log.")

    @OptionGroup var data: DataOptions
    @Argument(help: "The new data directory.") var destination: String

    func run() async throws {
        let log = try data.openLog()
        let report = try await log.backup(to: (destination as NSString).appendingPathComponent("log"))
        await log.close()
        switch report {
        case .intact(let head):
            try printJSON(["ok": true, "head": head.position, "head_hash": head.hash.hex, "destination": destination])
        case .broken(let position, let reason):
            try printJSON(["ok": false, "position": position, "reason": reason])
            throw ExitCode(1)
        }
    }
}
