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
        while position <= to {
            let batch = try log.events(from: position, limit: 4096)
            guard let tail = batch.last else { break }
            var chunk = Data()
            for event in batch where event.position <= to {
                guard source.map({ $0 == event.source }) ?? true, type.map({ $0 == event.type }) ?? true else {
                    continue
                }
                chunk += try event.jsonLine()
                chunk.append(UInt8(ascii: "\n"))
            }
            try output(chunk)
            position = tail.position + 1
        }
        await log.close()
    }
}
