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
    /// Whether a projection's task is done, or must plan again because its slot moved.
    enum DriveOutcome { case finished, moved }

    /// Applies the log to the assignment's slot: catches up, then follows the log (`follow`), or switches readers
    /// to the slot once caught up (`build`).
    func drive(_ projection: AnyProjection, _ assignment: Assignment, on workers: ThreadPool) async throws -> DriveOutcome {
        var checkpoint = assignment.checkpoint
        var state = ProjectionState(databases: assignment.databases, capacity: cacheCapacity)
        let building: ProjectionSlot? = if case .build(let slot) = assignment.role { slot } else { nil }
        let slot: ProjectionSlot = switch assignment.role {
        case .follow(let slot), .build(let slot): slot
        }
        let live = assignment.liveVersion
        set(projection, slot: slot, live: live, checkpoint: checkpoint, state: building == nil ? .live : .building)
        if let building {
            logger.notice("building the projection beside the live state", metadata: [
                "projection": "\(projection.name)", "slot": "\(building)", "from": "\(checkpoint)", "live_version": "\(live)",
            ])
        }
        var prefetched: DecodedBatch?
        do {
            while !Task.isCancelled {
                let batch: DecodedBatch
                if let next = prefetched {
                    batch = next
                    prefetched = nil
                } else {
                    batch = try await load(from: checkpoint + 1, for: projection, as: assignment.role, on: workers)
                }
                guard let last = batch.events.last?.position else {
                    if let building {
                        try await switchLive(projection, to: building)
                        store.checkpointWatch(projection.name).advance(to: checkpoint)
                        set(projection, slot: slot, live: projection.version, checkpoint: checkpoint, state: .live)
                        return mode == .rebuild ? .finished : .moved
                    }
                    guard try await log.waitForEvents(after: checkpoint) else { return .finished }
                    continue
                }
                let failure: ApplyFailure?
                if batch.events.count == batchSize {
                    // Catching up: read and decode the next batch while this one is folded and committed.
                    async let next = load(from: last + 1, for: projection, as: assignment.role, on: workers)
                    failure = try await apply(batch, to: projection, as: assignment.role, state: &state, on: workers)
                    prefetched = failure == nil ? try await next : nil
                } else {
                    failure = try await apply(batch, to: projection, as: assignment.role, state: &state, on: workers)
                }
                if let failure {
                    set(projection, slot: slot, live: live, checkpoint: failure.position - 1, state: .failed(position: failure.position, reason: failure.reason))
                    logger.error("projection stopped at an event it cannot apply", metadata: [
                        "projection": "\(projection.name)", "position": "\(failure.position)", "reason": "\(failure.reason)",
                    ])
                    return .finished
                }
                checkpoint = last
                set(projection, slot: slot, live: live, checkpoint: checkpoint, state: building == nil ? .live : .building)
            }
        } catch is SlotMoved {
            logger.notice("another process switched the projection or took its build; planning again", metadata: ["projection": "\(projection.name)"])
            return .moved
        } catch is CancellationError {
            if mode == .rebuild, let building { try? await release(projection, building) }
            throw CancellationError()
        }
        if mode == .rebuild, let building { try? await release(projection, building) }
        return .finished
    }

    /// Reads up to a batch of events from `position` (through the window the projections share) and decodes them for
    /// `projection`, in parallel on `workers`.
    func load(from position: UInt64, for projection: AnyProjection, as role: Role, on workers: ThreadPool) async throws -> DecodedBatch {
        let events = try await window.events(from: position, limit: batchSize)
        return DecodedBatch(events: events, inputs: try await decode(events, with: projection, priority: priority(role, at: position), on: workers))
    }

    /// The order in which the workers take a projection's jobs: the projection furthest behind first, so that the
    /// projections move through the log together (reading it once, through the window) and the slowest one does
    /// not finish alone on one core. In the gateway, a build of a new version beside the live state yields to
    /// every live projection, so that the live state stays current while it builds.
    func priority(_ role: Role, at position: UInt64) -> UInt64 {
        if mode == .follow, case .build = role { return 1 << 63 | position }
        return position
    }

    /// Folds `batch` into `state` in log order on one of `workers`, then stores the changes and the checkpoint in one
    /// transaction on the views writer. Returns the failure if an event could not be
    /// decoded or applied; the events before it are committed, and `state` starts afresh.
    func apply(
        _ decoded: DecodedBatch, to projection: AnyProjection, as role: Role, state: inout ProjectionState, on workers: ThreadPool
    ) async throws -> ApplyFailure? {
        let (batch, inputs) = (decoded.events, decoded.inputs)
        // The state is this task's alone: it is handed to a worker thread and back while this task waits.
        let owned = OwnedState(state)
        do {
            let priority = priority(role, at: batch[0].position)
            let changes = try await workers.run(priority: priority) { try self.fold(batch, inputs, count: batch.count, into: owned.state, projection) }
            try await commit(changes, through: batch[batch.count - 1].position, projection, as: role)
            return nil
        } catch let failure as ApplyFailure {
            state = ProjectionState(databases: state.databases, capacity: state.capacity, byteCapacity: state.byteCapacity)
            if failure.index > 0 {
                let retry = OwnedState(state)
                let changes = try await workers.run(priority: priority(role, at: batch[0].position)) {
                    try self.fold(batch, inputs, count: failure.index, into: retry.state, projection)
                }
                try await commit(changes, through: batch[failure.index - 1].position, projection, as: role)
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
                try batch.withUnsafeBufferPointer { events in
                    for index in 0..<count {
                        do {
                            guard let input = try inputs[index].get() else { continue }
                            try projection.apply(input, EventInfo(events[index]), state)
                        } catch {
                            throw ApplyFailure(index: index, position: events[index].position, reason: "\(error)")
                        }
                    }
                }
                return try state.changes()
            }
        }
    }

    /// Stores `changes` and moves the checkpoint to `position`, in one transaction on the views writer (shared
    /// with the other projections' batches waiting then), if the
    /// slot is still this task's: the live one when following, one this runner claims when building (the claim
    /// is renewed). Otherwise throws ``SlotMoved`` and writes nothing.
    private func commit(_ changes: [ProjectionState.Change], through position: UInt64, _ projection: AnyProjection, as role: Role) async throws {
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
                guard let claim = try store.buildClaim(name, in: txn), claim.slot == built, claim.owner == owner else { throw SlotMoved() }
                try store.meta.put(BuildClaim(slot: built, owner: owner).stored, for: "build:\(name)", in: txn)
                slot = built
            }
            for change in changes {
                if let value = change.value {
                    try change.database.put(value, for: change.key, in: txn)
                } else {
                    _ = try change.database.delete(change.key, in: txn)
                }
            }
            try store.meta.put(position.storedBytes, for: slot.checkpointKey, in: txn)
        }
        if case .follow = role { store.checkpointWatch(name).advance(to: position) }
    }

    private func decode(
        _ batch: [Event], with projection: AnyProjection, priority: UInt64, on workers: ThreadPool
    ) async throws -> [Result<(any Sendable)?, any Error>] {
        guard !batch.isEmpty else { return [] }
        let parts = max(1, min(workers.count, batch.count / 64))
        let upcasters = self.upcasters
        let chunk = (batch.count + parts - 1) / parts
        return try await withThrowingTaskGroup(of: (Int, [Result<(any Sendable)?, any Error>]).self) { group in
            for start in stride(from: 0, to: batch.count, by: chunk) {
                let slice = batch[start..<min(start + chunk, batch.count)]
                group.addTask(operation: {
                    // Through the buffer, so that each event is lent to the projection, not copied (a copy retains each field).
                    let decoded = try await workers.run(priority: priority) {
                        slice.withUnsafeBufferPointer { events in
                            events.indices.map { index in Result { try upcasters.with(events[index], projection.decode) } }
                        }
                    }
                    return (start, decoded)
                })
            }
            var results = [Result<(any Sendable)?, any Error>](repeating: .success(nil), count: batch.count)
            for try await (start, decoded) in group {
                for (offset, result) in decoded.enumerated() { results[start + offset] = result }
            }
            return results
        }
    }
}

/// A projection's state on its way to a worker thread and back, while its task waits: never shared.
private struct OwnedState: @unchecked Sendable {
    let state: ProjectionState
    init(_ state: ProjectionState) { self.state = state }
}
