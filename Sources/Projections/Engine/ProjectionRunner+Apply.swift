import EventLog
import Foundation

/// The event a projection could not take, and why.
struct ApplyFailure: Error {
    let index: Int
    let position: UInt64
    let reason: String
}

/// Events read from the log, with what one projection decoded of each: ``Projection/decodeAll(_:upcasters:)`` of
/// consecutive parts of them, in order.
struct DecodedBatch: Sendable {
    let events: [Event]
    let parts: [any Sendable]
}

extension ProjectionRunner {
    /// Reads up to a batch of events from `position` (through the window the projections share) and decodes them for
    /// `projection`, in parallel on `workers`.
    func load(
        from position: UInt64, for projection: AnyProjection, as role: Role, on workers: ThreadPool
    ) async throws -> DecodedBatch {
        let events = try await window.events(from: position, limit: batchSize)
        return DecodedBatch(
            events: events,
            parts: try await decode(events, with: projection, priority: priority(role, at: position), on: workers))
    }

    /// The order in which the workers take a projection's jobs: the projection furthest behind first, so that the
    /// projections move through the log together (reading it once, through the window) and the slowest one does
    /// not finish alone on one core. In the gateway, a build of a new version beside the live state yields to
    /// every live projection, so that the live state stays current while it builds.
    func priority(_ role: Role, at position: UInt64) -> UInt64 {
        if mode == .follow, case .build = role { return 1 << 63 | position }
        return position
    }

    /// Folds `decoded` into `state` in log order on one of `workers`, and returns the changes to store, or where it
    /// stopped: the event that could not be decoded or applied. After a failure, `state` holds a part of the batch:
    /// drop it.
    func foldBatch(
        _ decoded: DecodedBatch, into state: ProjectionState, _ projection: AnyProjection, as role: Role,
        on workers: ThreadPool
    ) async throws -> Result<[ProjectionState.Change], ApplyFailure> {
        do {
            return .success(
                try await fold(decoded, count: decoded.events.count, into: state, projection, as: role, on: workers))
        } catch let failure as ApplyFailure {
            return .failure(failure)
        }
    }

    /// After `failure`, stores the events of `decoded` before it (folded into a fresh `state`) with their checkpoint.
    func storeBefore(
        _ failure: ApplyFailure, of decoded: DecodedBatch, into state: ProjectionState, _ projection: AnyProjection,
        as role: Role,
        on workers: ThreadPool
    ) async throws {
        guard failure.index > 0 else { return }
        let changes = try await fold(decoded, count: failure.index, into: state, projection, as: role, on: workers)
        try await commit(changes, through: decoded.events[failure.index - 1].position, projection, as: role)
    }

    /// Folds the first `count` events of `decoded` into `state` on one of `workers`, at the projection's priority.
    private func fold(
        _ decoded: DecodedBatch, count: Int, into state: ProjectionState, _ projection: AnyProjection, as role: Role,
        on workers: ThreadPool
    ) async throws -> [ProjectionState.Change] {
        let (batch, parts) = (decoded.events, decoded.parts)
        // The state is this task's alone: it is handed to a worker thread and back while this task waits.
        let owned = OwnedState(state)
        return try await workers.run(priority: priority(role, at: batch[0].position)) {
            try self.fold(batch, parts, count: count, into: owned.state, projection)
        }
    }

    /// Applies the first `count` events of `batch` to `state`, reading what it lacks from a snapshot of the views.
    private func fold(
        _ batch: [Event], _ parts: [any Sendable], count: Int, into state: ProjectionState, _ projection: AnyProjection
    ) throws -> [ProjectionState.Change] {
        try store.env.read { txn in
            try state.reading(txn) {
                try batch.withUnsafeBufferPointer { events in try projection.applyAll(parts, events, count, state) }
                return try state.changes()
            }
        }
    }

    /// Stores `changes` and moves the checkpoint to `position`, in one transaction on the views writer (shared
    /// with the other projections' batches waiting then), if the
    /// slot is still this task's: the live one when following, one this runner claims when building (the claim
    /// is renewed). Otherwise throws ``SlotMoved`` and writes nothing.
    func commit(
        _ changes: [ProjectionState.Change], through position: UInt64, _ projection: AnyProjection, as role: Role
    ) async throws {
        let store = self.store
        let owner = self.owner
        let name = projection.name
        // Checked here, not on the views writer: a key LMDB refuses would otherwise abort the whole group.
        try UnstorableKey.check(changes)
        try await store.writeGrouped { txn in
            let slot: ProjectionSlot
            switch role {
            case .follow(let followed):
                guard try store.liveSlot(name, in: txn) == followed else { throw SlotMoved() }
                slot = followed
            case .build(let built):
                guard let claim = try store.buildClaim(name, in: txn), claim.slot == built, claim.owner == owner else {
                    throw SlotMoved()
                }
                try store.meta.put(BuildClaim(slot: built, owner: owner).stored, for: "build:\(name)", in: txn)
                slot = built
            }
            for change in changes { try change.store(in: txn) }
            try store.meta.put(position.storedBytes, for: slot.checkpointKey, in: txn)
        }
        if case .follow = role { store.checkpointWatch(name).advance(to: position) }
    }

    private func decode(
        _ batch: [Event], with projection: AnyProjection, priority: UInt64, on workers: ThreadPool
    ) async throws -> [any Sendable] {
        guard !batch.isEmpty else { return [] }
        let parts = max(1, min(workers.count, batch.count / 64))
        let upcasters = self.upcasters
        let chunk = (batch.count + parts - 1) / parts
        return try await withThrowingTaskGroup(of: (Int, any Sendable).self) { group in
            for start in stride(from: 0, to: batch.count, by: chunk) {
                let slice = batch[start..<min(start + chunk, batch.count)]
                group.addTask(operation: {
                    // A decode copies an event where it reads fields around calls the compiler cannot see into; the
                    // event keeps its strings, metadata and payload in one box, so such a copy retains one object.
                    let decoded = try await workers.run(priority: priority) {
                        slice.withUnsafeBufferPointer { events in projection.decodeAll(events, upcasters) }
                    }
                    return (start, decoded)
                })
            }
            var decoded = [(start: Int, part: any Sendable)]()
            for try await part in group { decoded.append(part) }
            return decoded.sorted { $0.start < $1.start }.map(\.part)
        }
    }
}

/// A projection's state on its way to a worker thread and back, while its task waits: never shared.
private struct OwnedState: @unchecked Sendable {
    let state: ProjectionState
    init(_ state: ProjectionState) { self.state = state }
}
