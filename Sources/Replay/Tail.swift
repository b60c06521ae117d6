import ArgumentParser
import EventLog
import Foundation

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
