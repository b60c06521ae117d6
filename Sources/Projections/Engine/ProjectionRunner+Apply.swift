import EventLog
import Foundation

/// The event a projection could not take, and why.
struct ApplyFailure: Error {
    let index: Int
    let position: UInt64
    let reason: String
}

extension ProjectionRunner {
    /// Decodes `batch` in parallel, then applies it in order with the checkpoint in one transaction.
    /// Returns the failure if an event could not be decoded or applied; the events before it are committed.
    func apply(_ batch: [Event], to projection: AnyProjection) async throws -> ApplyFailure? {
        let inputs = await decode(batch, with: projection)
        let store = self.store
        let version = projection.version
        let commit: @Sendable (Int) throws -> Void = { count in
            try store.env.write { txn in
                let state = ProjectionState(
                    txn: txn, databases: try store.databases(projection, version: version, in: txn),
                    encoder: Self.encoder(), decoder: JSONDecoder()
                )
                for index in 0..<count {
                    let event = batch[index]
                    do {
                        guard let input = try inputs[index].get() else { continue }
                        try projection.apply(input, EventInfo(event), state)
                    } catch {
                        throw ApplyFailure(index: index, position: event.position, reason: "\(error)")
                    }
                }
                try state.flush()
                try store.meta.put(batch[count - 1].position.storedBytes, for: "checkpoint:\(projection.name)@\(version)", in: txn)
            }
        }
        do {
            try await store.worker.run { try commit(batch.count) }
            return nil
        } catch let failure as ApplyFailure {
            if failure.index > 0 { try await store.worker.run { try commit(failure.index) } }
            return failure
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

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
