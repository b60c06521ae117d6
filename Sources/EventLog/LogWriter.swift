import Foundation
import Logging
import Metrics
import Synchronization

/// The one thread that writes the log.
///
/// Callers enqueue their batches; the thread drains everything waiting into one write transaction, commits it
/// with fsync, and only then resumes the callers (group commit). While one commit runs, the next group gathers.
final class LogWriter: @unchecked Sendable {
    struct Pending {
        let events: [NewEvent]
        let checkpoint: CheckpointUpdate?
        /// Records copied from another log, appended with their own positions, times and hashes.
        var restored: [Event] = []
        let continuation: CheckedContinuation<[AppendOutcome], any Error>
        var payloadBytes: Int {
            events.reduce(0) { $0 + $1.payload.count } + restored.reduce(0) { $0 + $1.payload.count }
        }
        var count: Int { events.count + restored.count }
    }

    /// Writes one group in one transaction and returns each request's outcomes, or throws for all of them.
    typealias Commit = ([Pending]) throws -> [[AppendOutcome]]

    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queueStart = 0
    private var accepting = true
    private var finished: [CheckedContinuation<Void, Never>] = []
    private var running = false
    private let maxEvents: Int
    private let maxBytes: Int
    private let commit: Commit
    private let logger: Logger
    private let batchEvents: Recorder
    private let commitDuration: Metrics.Timer
    private let failure = Mutex<EventLogError?>(nil)

    /// The error of the last commit, when the last commit failed; `nil` once one succeeds.
    var lastFailure: EventLogError? { failure.withLock { $0 } }

    init(maxEvents: Int, maxBytes: Int, logger: Logger, metrics: any MetricsFactory, commit: @escaping Commit) {
        batchEvents = Recorder(label: "switchyard_log_group_commit_events", factory: metrics)
        commitDuration = Metrics.Timer(label: "switchyard_log_commit_duration_seconds", factory: metrics)
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.logger = logger
        self.commit = commit
    }

    func start() {
        running = true
        let thread = Thread { [self] in
            ThreadPool.nameCurrentThread("log-writer")
            run()
        }
        thread.start()
    }

    /// Queues a request; returns `false` when the writer no longer accepts work.
    func submit(_ pending: Pending) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard accepting else { return false }
        queue.append(pending)
        condition.signal()
        return true
    }

    /// Stops accepting, lets the thread commit what is queued, and returns when it has exited.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            accepting = false
            if running {
                finished.append(continuation)
                condition.signal()
                condition.unlock()
            } else {
                condition.unlock()
                continuation.resume()
            }
        }
    }

    private func run() {
        while let group = nextGroup() {
            let started = DispatchTime.now().uptimeNanoseconds
            let result = Result { try commit(group) }
            commitDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            switch result {
            case .success(let outcomes):
                batchEvents.record(group.reduce(0) { $0 + $1.count })
                failure.withLock { if $0 != nil { $0 = nil } }
                for (pending, outcome) in zip(group, outcomes) { pending.continuation.resume(returning: outcome) }
            case .failure(let error):
                let error = EventLogError.storage(error, while: "committing \(group.count) appends")
                failure.withLock { $0 = error }
                logger.error("log commit failed", metadata: ["error": "\(error)", "requests": "\(group.count)"])
                for pending in group { pending.continuation.resume(throwing: error) }
            }
        }
        condition.lock()
        running = false
        let waiters = finished
        finished = []
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// Blocks until work is queued and takes a group of it; `nil` once shut down and drained.
    private func nextGroup() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while queueStart == queue.count {
            if !accepting {
                queue = []
                queueStart = 0
                return nil
            }
            condition.wait()
        }
        var events = 0
        var bytes = 0
        var end = queueStart
        while end < queue.count {
            let next = queue[end]
            if end > queueStart && (events + next.count > maxEvents || bytes + next.payloadBytes > maxBytes) { break }
            events += next.count
            bytes += next.payloadBytes
            end += 1
        }
        let group = Array(queue[queueStart..<end])
        queueStart = end
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        }
        return group
    }
}
