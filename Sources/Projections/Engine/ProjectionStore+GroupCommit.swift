import EventLog
import Synchronization

/// A change whose key LMDB cannot store (empty, or longer than 511 bytes); found before the batch joins a group.
struct UnstorableKey: Error, CustomStringConvertible {
    let table: String
    let bytes: Int
    var description: String { "a key of \(bytes) bytes in table \(table) cannot be stored (1 to 511 bytes)" }

    /// Throws for the first change of `changes` with a key LMDB would refuse.
    static func check(_ changes: [ProjectionState.Change]) throws {
        if let bad = changes.first(where: { $0.key.utf8.count == 0 || $0.key.utf8.count > 511 }) {
            throw UnstorableKey(table: bad.database.name, bytes: bad.key.utf8.count)
        }
    }
}

/// Projections' batches that wait for the views writer, committed together.
final class ViewsGroup: Sendable {
    typealias Job = (
        body: @Sendable (WriteTransaction) throws -> Void, continuation: CheckedContinuation<Void, any Error>
    )
    let queue = Mutex<[Job]>([])
}

extension ProjectionStore {
    /// Runs `body` in a write transaction on the views writer, together with every other projection's batch that
    /// is waiting (group commit): one sync for them all. `body` may throw ``SlotMoved`` before it writes
    /// anything, which fails it alone; any other error aborts the whole group and fails every
    /// batch in it.
    func writeGrouped(_ body: @escaping @Sendable (WriteTransaction) throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let first = group.queue.withLock { queue in
                queue.append((body, continuation))
                return queue.count == 1
            }
            // The first batch of a group asks the writer for a commit; later ones join it until it starts.
            if first, !worker.submit({ self.commitGroup() }) {
                for job in group.queue.withLock({ queue in
                    defer { queue = [] }; return queue
                }) {
                    job.continuation.resume(throwing: EventLogError(.closed, "the views store is closed"))
                }
            }
        }
    }

    /// On the writer thread: takes every waiting batch and commits them in one transaction.
    private func commitGroup() {
        let jobs = group.queue.withLock { queue in
            defer { queue = [] }; return queue
        }
        guard !jobs.isEmpty else { return }
        var results = [Result<Void, any Error>]()
        do {
            try env.write { txn in
                for job in jobs {
                    do {
                        try job.body(txn)
                        results.append(.success(()))
                    } catch let moved as SlotMoved {
                        results.append(.failure(moved))
                    }
                }
            }
            for (job, result) in zip(jobs, results) { job.continuation.resume(with: result) }
        } catch {
            for job in jobs { job.continuation.resume(throwing: error) }
        }
    }
}
