import ArgumentParser
import EventLog
import Foundation

/// `replay export`: NDJSON, one event a line.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write events as NDJSON: position, time, type, source, key, metadata, payload, hashes."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "First position.") var from: UInt64 = 1
    @Option(help: "Last position.") var to: UInt64 = .max
    @Option(help: "Only this source.") var source: String?
    @Option(help: "Only this type.") var type: String?

    func run() async throws {
        let log = try data.openLog()
        var position = max(from, 1)
        let output = FileHandle.standardOutput
        while position <= to {
            let batch = try log.events(from: position, limit: 4096)
            guard let tail = batch.last else { break }
            var chunk = Data()
            for event in batch where event.position <= to {
                guard source.map({ $0 == event.source }) ?? true, type.map({ $0 == event.type }) ?? true else { continue }
                chunk += try ExportLine.encode(event)
                chunk.append(UInt8(ascii: "\n"))
            }
            output.write(chunk)
            position = tail.position + 1
        }
        await log.close()
    }
}

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
            throw ValidationError("\(data.logDirectory) already holds a log; import builds a new one into an empty data directory")
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
            let record = try ExportLine.decode(Array(line), number: number)
            guard record.recomputedHash() == record.hash else {
                throw ValidationError("line \(number): position \(record.position) does not give its stored hash; the export was altered")
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
        try printJSON(["imported": records.count, "head": head.position, "head_hash": head.hash.hex, "data_dir": data.dataDir])
    }
}

/// One event as a line of `replay export`: a JSON object with position, recorded_at, type, source, key,
/// metadata, hash and previous_hash, and the payload.
///
/// A payload that is JSON is `payload`. When it is on one line it is written as it is, byte for byte, as the
/// last member, so that an import gets back the exact bytes the sender signed. Any other payload (JSON over
/// several lines, as Stripe sends it, or not JSON at all) also comes as `payload_base64`, its exact bytes.
enum ExportLine {
    static func encode(_ event: Event) throws -> Data {
        var header: [String: Any] = [
            "position": event.position, "recorded_at": event.recordedAt.iso8601, "type": event.type, "source": event.source,
            "key": event.idempotencyKey as Any? ?? NSNull(), "metadata": event.metadata, "hash": event.hash.hex,
            "previous_hash": event.previousHash.hex,
        ]
        let json = event.payload.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(event.payload), options: [.fragmentsAllowed])
        let verbatim = json != nil && !event.payload.contains(0x0A) && !event.payload.contains(0x0D)
        if !verbatim {
            header["payload_base64"] = Data(event.payload).base64EncodedString()
            if let json { header["payload"] = json }
        }
        var line = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        if verbatim {
            line.removeLast()
            line += Data(#","payload":"#.utf8) + Data(event.payload) + Data("}".utf8)
        }
        return line
    }

    static func decode(_ line: [UInt8], number: Int) throws -> Event {
        func bad(_ what: String) -> ValidationError { ValidationError("line \(number): \(what)") }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let position = (object["position"] as? NSNumber)?.uint64Value, position > 0 else { throw bad("no position") }
        guard let time = object["recorded_at"] as? String, let recordedAt = Timestamp(iso8601: time) else { throw bad("no recorded_at") }
        guard let type = object["type"] as? String, let source = object["source"] as? String else { throw bad("no type or source") }
        guard let metadata = object["metadata"] as? [String: String] else { throw bad("no metadata object of strings") }
        guard let hash = (object["hash"] as? String).flatMap(EventHash.init(hex:)),
              let previous = (object["previous_hash"] as? String).flatMap(EventHash.init(hex:)) else {
            throw bad("no hash or previous_hash of 64 hexadecimal digits")
        }
        var event = Event(
            position: position, recordedAt: recordedAt, type: type, source: source, idempotencyKey: object["key"] as? String,
            metadata: metadata, payload: [], previousHash: previous, hash: hash
        )
        if let base64 = object["payload_base64"] as? String {
            guard let bytes = Data(base64Encoded: base64) else { throw bad("payload_base64 is not base64") }
            event.payload = Array(bytes)
            return event
        }
        guard object["payload"] != nil, line.last == UInt8(ascii: "}") else { throw bad("no payload or payload_base64") }
        // The payload is the last member: of the places where a member named payload may start, the right one
        // is the one whose bytes give the event's hash.
        let marker = Array(#""payload":"#.utf8)
        var start = line.count - marker.count
        while start > 0 {
            if line[start] == marker[0], line[start..<(start + marker.count)].elementsEqual(marker) {
                event.payload = Array(line[(start + marker.count)..<(line.count - 1)])
                if event.recomputedHash() == hash { return event }
            }
            start -= 1
        }
        throw bad("position \(position) does not give its stored hash; the export was altered")
    }
}
