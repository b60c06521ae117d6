import EventLog
import Foundation
import Logging
import Metrics
import Synchronization

/// The event log on a NATS JetStream stream, with the LMDB log's guarantees, so that nothing above `EventStore`
/// changes (docs/scale-out.md):
///
/// - **An ack means a quorum stored it.** An append returns only after JetStream acknowledged the message holding
///   its records, which it does once a quorum of the stream's replicas stored it.
/// - **Gapless positions, the same chain and record format.** Each message is one group commit: records in the
///   stored format of docs/log-format.md, chained from this node's head. It is published with
///   `Nats-Expected-Last-Sequence` set to the last message this node has applied, so it lands only if nobody
///   appended in between; when another node did (JetStream refuses with JSStreamWrongLastSequenceErr), this node applies what it
///   missed, checks the keys again, chains anew and publishes again.
/// - **Idempotency keys deduplicate permanently, across nodes**: keys are checked against every record of the
///   stream (this node's replica, caught up to the stream before each publish), not JetStream's duplicate window.
///
/// Each node keeps a replica of the stream in an LMDB log of its own (`mirror`): reads, subscriptions, the keys
/// index and the head come from it, and it records which message it applied last (checkpoint `jetstream`). The
/// replica is rebuilt from the stream if lost. Appends on one node are serialised; JetStream calls block, so they
/// run on this store's own thread.
package final class JetStreamEventStore: EventStore, @unchecked Sendable {
    package typealias Subscription = LogSubscription

    package let mirror: LMDBEventLog
    let connection: JetStreamConnection
    private let pool = ThreadPool(name: "jetstream")
    private let turn = AppendTurn()
    private let logger: Logger
    /// Publishes refused because another node appended first, since the start.
    private let refusedPublishes = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    /// Why the last append failed, until one succeeds again.
    private let lastFailure = Mutex<String?>(nil)
    private let publishDuration: Metrics.Timer
    private let refusedCounter: Counter

    /// The checkpoint of the replica: the last stream message applied.
    package static let appliedCheckpoint = "jetstream"

    /// Connects, creates the stream if needed, opens the replica in `directory` and catches it up.
    package init(
        configuration: JetStreamConfiguration, directory: String, logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) async throws {
        self.logger = logger
        publishDuration = Metrics.Timer(label: "switchyard_jetstream_publish_duration", factory: metrics)
        refusedCounter = Counter(label: "switchyard_jetstream_refused_publishes_total", factory: metrics)
        // The replica is not synced on each commit: the stream is the source of truth, and a replica that lost its
        // last commits to a system crash (LMDB keeps it consistent) applies them again from its checkpoint.
        var replica = EventLogConfiguration()
        replica.environment.durable = false
        mirror = try LMDBEventLog(directory: directory, configuration: replica, logger: logger, metrics: metrics)
        let pool = self.pool
        do {
            connection = try await pool.run { try JetStreamConnection(configuration) }
            let connection = self.connection
            try await pool.run { try connection.ensureStream() }
        } catch {
            await mirror.close()
            pool.stop()
            throw error
        }
        try await turn.run { try await self.catchUp() }
    }

    /// How many publishes another node's append refused since the start (each was retried).
    package var refusedPublishCount: Int { refusedPublishes.load(ordering: .relaxed) }

    /// Applies every stream message this node has not applied yet; returns the stream's last sequence.
    @discardableResult
    private func catchUp() async throws -> UInt64 {
        let connection = self.connection
        let last = try await pool.run { try connection.lastSequence() }
        var applied = try mirror.checkpoint(named: Self.appliedCheckpoint) ?? 0
        while applied < last {
            let sequence = applied + 1
            let body = try await pool.run { try connection.message(at: sequence) }
            let (records, checkpoints) = try GroupFrame.decode(body)
            try await apply(records, checkpoints: checkpoints, sequence: sequence)
            applied = sequence
        }
        return last
    }

    /// Stores one stream message in the replica: first each checkpoint it carries (a transaction each), then its
    /// records with `sequence` as applied (one transaction). A crash between them applies the message again from the
    /// previous `sequence`: the checkpoints are written again with the same values, and the records once.
    private func apply(_ records: [Event], checkpoints: [CheckpointUpdate], sequence: UInt64) async throws {
        for checkpoint in checkpoints { try await mirror.restore([], checkpoint: checkpoint) }
        try await mirror.restore(
            records, checkpoint: CheckpointUpdate(name: Self.appliedCheckpoint, position: sequence))
    }

    /// Applies messages other nodes appended; for a node that only reads (or between its own appends).
    package func refresh() async throws {
        try await turn.run { try await self.catchUp() }
    }

    /// One caller's batch waiting for a group commit, and what became of it.
    private final class Ticket: @unchecked Sendable {
        let events: [NewEvent]
        let checkpoint: CheckpointUpdate?
        var result: Result<[AppendOutcome], any Error>?
        init(_ events: [NewEvent], _ checkpoint: CheckpointUpdate?) {
            (self.events, self.checkpoint) = (events, checkpoint)
        }
    }

    /// Batches queued for the next group commit.
    private let queued = Mutex<[Ticket]>([])

    /// Appends `events`, all or none, in a group commit with every other batch queued meanwhile: whoever takes the
    /// turn commits everything queued in one stream message, so concurrent callers share a publish.
    package func append(_ events: [NewEvent], checkpoint: CheckpointUpdate?) async throws -> [AppendOutcome] {
        guard !closed.load(ordering: .relaxed) else { throw EventLogError(.closed, "the JetStream log is closed") }
        for event in events { try mirror.configuration.limits.validate(event) }
        if let checkpoint { try GroupCommit.validateCheckpointName(checkpoint.name) }
        let ticket = Ticket(events, checkpoint)
        queued.withLock { $0.append(ticket) }
        try await turn.run {
            let group = self.queued.withLock { queue in
                defer { queue.removeAll() }
                return queue
            }
            guard !group.isEmpty else { return }
            do {
                let outcomes = try await self.commit(group)
                for (ticket, outcome) in zip(group, outcomes) { ticket.result = .success(outcome) }
                self.lastFailure.withLock { $0 = nil }
            } catch {
                // The stream did not answer (no quorum, no server): nothing was acknowledged; the callers may retry.
                let message = (error as? NATSError)?.message ?? "\(error)"
                if error is NATSError { self.lastFailure.withLock { $0 = message } }
                let failure =
                    error is NATSError
                    ? EventLogError(.storageFailure, "the JetStream log cannot take writes: \(message)") : error
                for ticket in group { ticket.result = .failure(failure) }
            }
        }
        // Our batch was in the group of whoever held the turn when it was queued, or in ours.
        guard let result = ticket.result else {
            throw EventLogError(.storageFailure, "a group commit ended without this batch")
        }
        return try result.get()
    }

    /// Commits `group` as one message; returns each batch's outcomes. Publishes optimistically after the last message
    /// this node applied; when another node appended first, catches up, checks the keys again and re-chains.
    private func commit(_ group: [Ticket]) async throws -> [[AppendOutcome]] {
        var refused = false
        while true {
            if refused { try await catchUp() }
            let applied = try mirror.checkpoint(named: Self.appliedCheckpoint) ?? 0
            let head = try mirror.head()
            let last = head.position > 0 ? try mirror.event(at: head.position) : nil
            var commit = GroupCommit(head: head, lastRecordedAt: last?.recordedAt, now: Timestamp.now())
            var outcomes = [[AppendOutcome]]()
            for ticket in group {
                outcomes.append(
                    try commit.add(ticket.events) { key in
                        guard let original = try mirror.position(forKey: key) else { return nil }
                        return (original, try mirror.event(at: original)?.hash ?? .zero)
                    })
            }
            let stored = commit.appended.map(\.bytes)
            let records = commit.appended.map { $0.record(recordedAt: commit.recordedAt) }
            let checkpoints = group.compactMap(\.checkpoint)
            if records.isEmpty && checkpoints.isEmpty { return outcomes }
            let body = GroupFrame.encode(stored, checkpoints: checkpoints)
            let connection = self.connection
            let sequence: UInt64
            let started = ContinuousClock.now
            do {
                sequence = try await pool.run { try connection.publish(body, expectedLastSequence: applied) }
                publishDuration.record(duration: ContinuousClock.now - started)
            } catch let error as NATSError where error.isWrongLastSequence {
                refusedPublishes.add(1, ordering: .relaxed)
                refusedCounter.increment()
                refused = true
                continue
            }
            // The stream holds this group at `sequence`: nobody appended between `applied` and it.
            try await apply(records, checkpoints: checkpoints, sequence: sequence)
            return outcomes
        }
    }

    /// Copies records of another log (an LMDB log being migrated) into the stream as they are, positions, times and
    /// hashes included, in one message; they must continue this log's chain (checked here, and again by the replica
    /// when it stores them). For `replay migrate`; refused if another node appends meanwhile.
    package func copy(_ records: [Event]) async throws {
        guard !records.isEmpty else { return }
        try await turn.run {
            let applied = try await self.catchUp()
            var head = try self.mirror.head()
            var stored = [[UInt8]]()
            for record in records {
                guard record.position == head.position + 1, record.previousHash == head.hash else {
                    throw EventLogError(
                        .invalidEvent,
                        "position \(record.position) does not continue the stream's chain at \(head.position)")
                }
                let encoded = RecordCodec.encode(
                    NewEvent(record), position: record.position, recordedAt: record.recordedAt, previousHash: head.hash)
                guard encoded.hash == record.hash else {
                    throw EventLogError(.invalidEvent, "position \(record.position): its fields do not give its hash")
                }
                stored.append(encoded.bytes)
                head = LogHead(position: record.position, hash: record.hash)
            }
            let body = GroupFrame.encode(stored)
            let connection = self.connection
            let sequence = try await self.pool.run { try connection.publish(body, expectedLastSequence: applied) }
            try await self.apply(records, checkpoints: [], sequence: sequence)
        }
    }

    /// The stream as this node sees it, for `/health`.
    package struct ClusterStatus: Sendable {
        package let stream: String
        package let replicas: Int
        /// The stream's leader; empty while it has none (no quorum).
        package let leader: String
        package let lastSequence: UInt64
        package let appliedSequence: UInt64
        /// Stream messages not yet in this node's replica.
        package var lag: UInt64 { lastSequence - min(lastSequence, appliedSequence) }
    }

    package func clusterStatus() async throws -> ClusterStatus {
        let connection = self.connection
        let status = try await pool.run { try connection.streamStatus() }
        return ClusterStatus(
            stream: connection.configuration.stream, replicas: status.replicas, leader: status.leader,
            lastSequence: status.lastSequence,
            appliedSequence: try mirror.checkpoint(named: Self.appliedCheckpoint) ?? 0
        )
    }

    package func event(at position: UInt64) async throws -> Event? { try mirror.event(at: position) }
    package func events(from position: UInt64, limit: Int) async throws -> [Event] {
        try mirror.events(from: position, limit: limit)
    }
    package func head() async throws -> LogHead { try mirror.head() }
    package func subscribe(from position: UInt64) -> LogSubscription { mirror.subscribe(from: position) }
    package func waitForEvents(after position: UInt64) async throws -> Bool {
        try await mirror.waitForEvents(after: position)
    }
    package func checkpoint(named name: String) async throws -> UInt64? { try mirror.checkpoint(named: name) }
    /// Open, connected, and its last append (if any failed) has succeeded since.
    package var isWritable: Bool {
        !closed.load(ordering: .relaxed) && connection.isConnected && mirror.isWritable
            && lastFailure.withLock { $0 == nil }
    }
    package func storageUsage() async throws -> StorageUsage { try mirror.storageUsage() }

    package func close() async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        await turn.run {}
        let connection = self.connection
        _ = try? await pool.run { connection.close() }
        pool.stop()
        await mirror.close()
    }
}

/// Runs bodies one at a time, in order of arrival, across awaits (an actor alone would interleave them).
actor AppendTurn {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<R: Sendable>(_ body: @Sendable () async throws -> R) async rethrows -> R {
        if busy { await withCheckedContinuation { waiting.append($0) } } else { busy = true }
        defer { if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() } }
        return try await body()
    }
}
