import EventLog
import Foundation

/// The event a projection could not take, and why.
struct ApplyFailure: Error {
    let index: Int
    let position: UInt64
    let reason: String
}

/// Events read from the log, with what one projection decoded of each.
struct DecodedBatch: Sendable {
    let events: [Event]
    let inputs: [Result<(any Sendable)?, any Error>]
}

extension ProjectionRunner {
    /// Reads up to a batch of events from `position` and decodes them for `projection`, in parallel.
    func load(from position: UInt64, for projection: AnyProjection) async throws -> DecodedBatch {
        let events = try await log.events(from: position, limit: batchSize)
        return DecodedBatch(events: events, inputs: await decode(events, with: projection))
    }

    /// Folds `batch` into `state` in log order on this task, then stores the changes and the checkpoint in one
    /// transaction on the views writer. Returns the failure if an event could not be
    /// decoded or applied; the events before it are committed, and `state` starts afresh.
    func apply(_ decoded: DecodedBatch, to projection: AnyProjection, state: inout ProjectionState) async throws -> ApplyFailure? {
        let (batch, inputs) = (decoded.events, decoded.inputs)
        do {
            let changes = try fold(batch, inputs, count: batch.count, into: state, projection)
            try await commit(changes, through: batch[batch.count - 1].position, projection)
            return nil
        } catch let failure as ApplyFailure {
            state = ProjectionState(databases: state.databases, capacity: state.capacity)
            if failure.index > 0 {
                let changes = try fold(batch, inputs, count: failure.index, into: state, projection)
                try await commit(changes, through: batch[failure.index - 1].position, projection)
            }
            return failure
        }
    }

    /// Applies the first `count` events of `batch` to `state`, reading what it lacks from a snapshot of the views.
    private func fold(
        _ batch: [Event], _ inputs: [Result<(any Sendable)?, any Error>], count: Int, into state: ProjectionState,
        _ projection: AnyProjection
    ) throws -> [ProjectionState.Change] {
        try store.env.read { txn in
            try state.reading(txn) {
                for index in 0..<count {
                    let event = batch[index]
                    do {
                        guard let input = try inputs[index].get() else { continue }
                        try projection.apply(input, EventInfo(event), state)
                    } catch {
                        throw ApplyFailure(index: index, position: event.position, reason: "\(error)")
                    }
                }
                return try state.changes()
            }
        }
    }

    /// Stores `changes` and moves the checkpoint to `position`, in one transaction on the views writer.
    private func commit(_ changes: [ProjectionState.Change], through position: UInt64, _ projection: AnyProjection) async throws {
        let store = self.store
        let checkpoint = "checkpoint:\(projection.name)@\(projection.version)"
        try await store.worker.run {
            try store.env.write { txn in
                for change in changes {
                    if let value = change.value {
                        try change.database.put(value, for: change.key, in: txn)
                    } else {
                        _ = try change.database.delete(change.key, in: txn)
                    }
                }
                try store.meta.put(position.storedBytes, for: checkpoint, in: txn)
            }
        }
    }

    private func decode(_ batch: [Event], with projection: AnyProjection) async -> [Result<(any Sendable)?, any Error>] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, batch.count / 64))
        let upcasters = self.upcasters
        guard workers > 1 else { return batch.map { event in Result { try projection.decode(upcasters.apply(event)) } } }
        let chunk = (batch.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Result<(any Sendable)?, any Error>]).self) { group in
            for start in stride(from: 0, to: batch.count, by: chunk) {
                let slice = batch[start..<min(start + chunk, batch.count)]
                group.addTask(operation: { (start, slice.map { event in Result { try projection.decode(upcasters.apply(event)) } }) })
            }
            var results = [Result<(any Sendable)?, any Error>](repeating: .success(nil), count: batch.count)
            for await (start, decoded) in group {
                for (offset, result) in decoded.enumerated() { results[start + offset] = result }
            }
            return results
        }
    }

    /// Makes `projection.version` the one readers see and empties the old version's tables, in one transaction.
    func switchLive(_ projection: AnyProjection, from old: Int) async throws {
        let store = self.store
        try await store.worker.run {
            try store.env.write { txn in
                try store.meta.put(UInt64(projection.version).storedBytes, for: "live:\(projection.name)", in: txn)
                for database in try store.databases(projection, version: old, in: txn).values { try database.clear(in: txn) }
                try store.meta.delete("checkpoint:\(projection.name)@\(old)", in: txn)
            }
        }
        logger.notice("switched to the new projection version", metadata: [
            "projection": "\(projection.name)", "version": "\(projection.version)", "previous_version": "\(old)",
        ])
    }
}
