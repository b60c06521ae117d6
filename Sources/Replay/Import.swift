import ArgumentParser
import EventLog
import Foundation

/// `replay import FILE --data-dir NEW`: a new log from an export, refused unless its chain holds.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a new log from a full export (NDJSON); refuse one whose hash chain does not hold."
    )

    @OptionGroup var data: DataOptions
    @Argument(help: "The export to read (NDJSON from `replay export`), or - for standard input.") var file: String

    func run() async throws {
        let marker = (data.logDirectory as NSString).appendingPathComponent("data.mdb")
        guard !FileManager.default.fileExists(atPath: marker) else {
            throw ValidationError(
                "\(data.logDirectory) already holds a log; import builds a new one into an empty data directory")
        }
        guard let handle = file == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        // Check the whole file before anything is written, so a refused import leaves no log behind.
        var records = [Event]()
        var previous = LogHead.empty
        var number = 0
        for line in try handle.readToEnd().map(Array.init)?.split(separator: UInt8(ascii: "\n")) ?? [] {
            number += 1
            let record: Event
            do {
                // The line's payload must give the record's stored hash, or it was altered.
                record = try Event(jsonLine: Array(line))
            } catch let error as EventLogError {
                throw ValidationError("line \(number): \(error.message)")
            }
            guard record.position == previous.position + 1, record.previousHash == previous.hash else {
                throw ValidationError(
                    "line \(number): position \(record.position) does not continue the chain after position \(previous.position); "
                        + "import takes a whole export, from position 1, unfiltered"
                )
            }
            previous = LogHead(position: record.position, hash: record.hash)
            records.append(record)
        }
        guard !records.isEmpty else { throw ValidationError("\(file) holds no events") }
        let log = try LMDBEventLog(directory: data.logDirectory, logger: quiet)
        do {
            for start in stride(from: 0, to: records.count, by: 4096) {
                try await log.restore(Array(records[start..<min(start + 4096, records.count)]))
            }
        } catch {
            await log.close()
            try? FileManager.default.removeItem(atPath: data.logDirectory)
            throw error
        }
        let head = try log.head()
        await log.close()
        try printJSON([
            "imported": records.count, "head": head.position, "head_hash": head.hash.hex, "data_dir": data.dataDir,
        ])
    }
}
