import Logging
import Metrics

/// The event log on LMDB: an append-only, hash-chained sequence of records in the environment `<data>/log/`.
///
/// Named databases: `events` (big-endian position → record), `keys` (idempotency key → position) and `meta`
/// (format version, head, checkpoints). All writes go through one writer thread that group-commits them.
package final class LMDBEventLog: EventStore, @unchecked Sendable {
    /// The format version this code reads and writes.
    package static let formatVersion: UInt8 = RecordCodec.version

    /// The environment's directory.
    package let directory: String
    let env: Environment
    let events: Database<UInt64, [UInt8]>
    let keys: Database<String, UInt64>
    let meta: Database<String, [UInt8]>
    let watch: PositionWatch
    package let configuration: EventLogConfiguration
    let logger: Logger
    var writer: LogWriter!

    /// Opens the log in `directory`, creating it when absent, and starts its writer thread.
    ///
    /// Unless `checkingHead` is `false` (for `replay verify`, which reports it), the log must agree with itself:
    /// `meta head` names the last record of `events` with its hash, and nothing lies past it; otherwise the open
    /// fails with ``EventLogError/Code/inconsistent``, naming both positions, and nothing is repaired. Group-commit
    /// sizes and commit durations are reported to `metrics`. Call ``close()`` when done.
    package init(
        directory: String, configuration: EventLogConfiguration = .init(), logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory, checkingHead: Bool = true
    ) throws {
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        do {
            let env = try Environment(path: directory, configuration: configuration.environment, logger: logger)
            self.env = env
            (events, keys, meta) = try (env.database("events"), env.database("keys"), env.database("meta"))
            try Self.checkFormat(meta: meta, env: env)
        } catch {
            throw EventLogError.storage(error, while: "opening the log at \(directory)")
        }
        let head = try Self.readHead(events: events, env: env)
        if checkingHead, let disagreement = try Self.headDisagreement(events: events, meta: meta, env: env) {
            env.close()
            throw EventLogError(.inconsistent, disagreement.message)
        }
        watch = PositionWatch(head: head.position)
        writer = LogWriter(
            maxEvents: configuration.maxEventsPerCommit, maxBytes: configuration.maxBytesPerCommit, logger: logger,
            metrics: metrics
        ) { [unowned self] group in try self.commit(group) }
        writer.start()
        logger.info(
            "opened the event log",
            metadata: [
                "directory": "\(directory)", "head": "\(head.position)", "head_hash": "\(head.hash)",
            ])
    }

    private static func checkFormat(meta: Database<String, [UInt8]>, env: Environment) throws {
        try env.write { txn in
            if let stored = try meta.get("format", in: txn) {
                guard stored == [formatVersion] else {
                    throw EventLogError(
                        .unsupportedFormat, "the log has format \(stored), this build reads \(formatVersion)")
                }
            } else {
                try meta.put([formatVersion], for: "format", in: txn)
            }
        }
    }

    static func readHead(events: Database<UInt64, [UInt8]>, env: Environment) throws -> LogHead {
        do {
            return try env.read { txn in try headOf(events: events, in: txn) }
        } catch {
            throw EventLogError.storage(error, while: "reading the head")
        }
    }

    /// The head as stored: the last record's position and hash.
    /// The last record's head and recording time, or `nil` for an empty log.
    static func lastRecord(
        events: Database<UInt64, [UInt8]>, in txn: some Transaction
    ) throws -> (head: LogHead, recordedAt: Timestamp)? {
        guard let last = try events.last(in: txn) else { return nil }
        guard last.value.count >= RecordCodec.trailerSize + RecordCodec.timeOffset + 8 else {
            throw EventLogError(.corrupted, "the record at \(last.key) is too short")
        }
        return (
            LogHead(position: last.key, hash: EventHash(bytes: Array(last.value.suffix(RecordCodec.hashSize)))),
            RecordCodec.recordedAt(last.value)
        )
    }

    static func headOf(events: Database<UInt64, [UInt8]>, in txn: some Transaction) throws -> LogHead {
        guard let last = try events.last(in: txn) else { return .empty }
        guard last.value.count >= RecordCodec.trailerSize else {
            throw EventLogError(.corrupted, "the record at \(last.key) is too short")
        }
        return LogHead(position: last.key, hash: EventHash(bytes: Array(last.value.suffix(RecordCodec.hashSize))))
    }

    /// Where `meta head` and the last record of `events` disagree, if they do: the first position at which the log
    /// is not what its head says, and a one-line account naming both.
    static func headDisagreement(
        events: Database<UInt64, [UInt8]>, meta: Database<String, [UInt8]>, env: Environment
    ) throws -> (position: UInt64, message: String)? {
        try env.read { txn in
            let last = try headOf(events: events, in: txn)
            let stored = try meta.get("head", in: txn)
            guard let stored else {
                guard last.position > 0 else { return nil }
                return (
                    1,
                    "the log has records up to position \(last.position) but no meta head: it was not written by this log's appends"
                )
            }
            guard stored.count == 8 + RecordCodec.hashSize else {
                return (last.position + 1, "the meta head is \(stored.count) bytes, not \(8 + RecordCodec.hashSize)")
            }
            let position = stored.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let hash = EventHash(bytes: Array(stored.suffix(RecordCodec.hashSize)))
            if position == last.position && hash == last.hash { return nil }
            let message =
                "the meta head names position \(position) (hash \(hash.hex.prefix(16))…) but the last record is at position \(last.position) (hash \(last.hash.hex.prefix(16))…): records were removed from the end or the head was rewritten"
            return (position == last.position ? position : min(position, last.position) + 1, message)
        }
    }

    /// Stops accepting appends, commits those already queued, and closes the environment.
    package func close() async {
        await writer.shutdown()
        watch.close()
        env.close()
        logger.info("closed the event log", metadata: ["directory": "\(directory)"])
    }

    /// How much of the log's map is in use.
    package func usage() throws -> EnvironmentUsage {
        try guardOpen { try env.usage() }
    }

    /// The map's use, as ``EventStore`` reports it.
    package func storageUsage() throws -> StorageUsage {
        let usage = try usage()
        return StorageUsage(usedBytes: usage.usedBytes, capacityBytes: usage.mapSizeBytes)
    }

    /// Whether the log still takes appends.
    package var isOpen: Bool { !watch.isClosed }

    /// Whether the log is open and its last write did not fail.
    package var isWritable: Bool { isOpen && lastWriteFailure == nil }

    /// Why the last write failed (a full disk, say), when it did; `nil` once a write succeeds again.
    package var lastWriteFailure: EventLogError? { writer.lastFailure }

    func guardOpen<R>(_ body: () throws -> R) throws -> R {
        guard !watch.isClosed else { throw EventLogError(.closed, "the event log at \(directory) is closed") }
        do {
            return try body()
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError.storage(error, while: "reading the log")
        }
    }
}
