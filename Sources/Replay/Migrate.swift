import ArgumentParser
import EventLog
import Foundation
import JetStreamLog

/// `replay migrate`: copies an LMDB log into an empty JetStream stream (`--to-jetstream`), or a stream into a new
/// LMDB log (`--from-jetstream`), record for record (positions, times and hashes kept), verifying the chain on both
/// sides. Stop the gateways first.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Copy an LMDB log into an empty JetStream stream, or a stream into a new LMDB log, verifying both chains."
    )

    @OptionGroup var data: DataOptions
    @Flag(help: "Copy the LMDB log of --data-dir into the stream (which must be empty).") var toJetstream = false
    @Flag(help: "Copy the stream into a new LMDB log in --data-dir (which must hold none).") var fromJetstream = false
    @Option(help: "NATS server URLs, comma-separated (or SWITCHYARD_JETSTREAM_URLS).")
    var urls: String = ProcessInfo.processInfo.environment["SWITCHYARD_JETSTREAM_URLS"] ?? "nats://127.0.0.1:4222"
    @Option(help: "The stream (or SWITCHYARD_JETSTREAM_STREAM).")
    var stream: String = ProcessInfo.processInfo.environment["SWITCHYARD_JETSTREAM_STREAM"] ?? "SWITCHYARD_LOG"
    @Option(help: "Replicas of a stream created by --to-jetstream.") var replicas: Int = 3
    @Option(help: "Records per stream message.") var batch: Int = 500

    func validate() throws {
        guard toJetstream != fromJetstream else {
            throw ValidationError("give exactly one of --to-jetstream and --from-jetstream")
        }
        guard (1...5).contains(replicas) else { throw ValidationError("--replicas is 1 to 5") }
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch is 1 to 10000") }
    }

    var jetStream: JetStreamConfiguration {
        var configuration = JetStreamConfiguration()
        configuration.urls = urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        configuration.stream = stream
        configuration.replicas = replicas
        configuration.token = ProcessInfo.processInfo.environment["SWITCHYARD_JETSTREAM_TOKEN"]
        configuration.credentialsFile = ProcessInfo.processInfo.environment["SWITCHYARD_JETSTREAM_CREDENTIALS"]
        return configuration
    }

    func run() async throws {
        if toJetstream { try await toStream() } else { try await fromStream() }
    }

    private func toStream() async throws {
        let log = try data.openLog()
        let source = try log.verify()
        guard case .intact(let head) = source else {
            await log.close()
            throw ValidationError("the LMDB log does not verify (\(source)); nothing copied")
        }
        let scratch = NSTemporaryDirectory() + "replay-migrate-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let store = try await JetStreamEventStore(configuration: jetStream, directory: scratch, logger: quiet)
        guard try await store.head().position == 0 else {
            await store.close()
            await log.close()
            throw ValidationError("stream \(stream) is not empty; migrate copies into an empty stream")
        }
        var next: UInt64 = 1
        while next <= head.position {
            let records = try log.events(from: next, limit: batch)
            try await store.copy(records)
            next += UInt64(records.count)
        }
        await log.close()
        try await finish(store.mirror, expected: head, "stream \(stream)")
        await store.close()
    }

    private func fromStream() async throws {
        guard
            !FileManager.default.fileExists(atPath: (data.logDirectory as NSString).appendingPathComponent("data.mdb"))
        else {
            throw ValidationError(
                "\(data.logDirectory) already holds a log; --from-jetstream builds a new one into an empty data directory"
            )
        }
        let store = try await JetStreamEventStore(configuration: jetStream, directory: data.logDirectory, logger: quiet)
        let head = try await store.head()
        try await finish(store.mirror, expected: head, data.logDirectory)
        await store.close()
    }

    /// Verifies the copy and prints its head as a receipt.
    private func finish(_ copy: LMDBEventLog, expected: LogHead, _ name: String) async throws {
        let report = try copy.verify()
        guard case .intact(let head) = report, head == expected else {
            throw ValidationError("the copy in \(name) does not verify as the original: \(report)")
        }
        print("copied \(head.position) records into \(name); head \(head.position):\(head.hash.hex)")
    }
}
