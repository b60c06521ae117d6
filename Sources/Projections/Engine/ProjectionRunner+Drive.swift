import EventLog

extension ProjectionRunner {
    /// Whether a projection's task is done, or must plan again because its slot moved.
    enum DriveOutcome { case finished, moved }

    /// Applies the log to the assignment's slot: catches up, then follows the log (`follow`), or switches readers
    /// to the slot once caught up (`build`).
    ///
    /// A batch is stored while the next one is folded: one batch at most is on its way to the views writer. The
    /// next batch reads every record the stored one changed from the cache, which keeps them until that batch is
    /// stored; so its snapshot of the views may or may not hold the batch before it, with the same result.
    func drive(_ projection: AnyProjection, _ assignment: Assignment, on workers: ThreadPool) async throws -> DriveOutcome {
        let building: ProjectionSlot? = if case .build(let slot) = assignment.role { slot } else { nil }
        let slot: ProjectionSlot = switch assignment.role {
        case .follow(let slot), .build(let slot): slot
        }
        let live = assignment.liveVersion
        let running: ProjectionStatus.State = building == nil ? .live : .building
        set(projection, slot: slot, live: live, checkpoint: assignment.checkpoint, state: running)
        if let building {
            logger.notice("building the projection beside the live state", metadata: [
                "projection": "\(projection.name)", "slot": "\(building)", "from": "\(assignment.checkpoint)", "live_version": "\(live)",
            ])
        }
        do {
            let outcome = try await withThrowingTaskGroup(of: UInt64.self) { storing -> DriveOutcome? in
                var state = ProjectionState(databases: assignment.databases, capacity: cacheCapacity)
                // The last position stored with its checkpoint, and the last folded (stored, or on its way).
                var checkpoint = assignment.checkpoint
                var folded = checkpoint
                var inFlight = false
                var prefetched: DecodedBatch?
                /// Waits until the batch on its way (if any) is stored, and reports its checkpoint.
                func settle() async throws {
                    guard inFlight, let stored = try await storing.next() else { return }
                    inFlight = false
                    checkpoint = stored
                    set(projection, slot: slot, live: live, checkpoint: checkpoint, state: running)
                }
                while !Task.isCancelled {
                    let batch: DecodedBatch
                    if let next = prefetched {
                        batch = next
                        prefetched = nil
                    } else {
                        batch = try await load(from: folded + 1, for: projection, as: assignment.role, on: workers)
                    }
                    guard let last = batch.events.last?.position else {
                        try await settle()
                        if let building {
                            try await switchLive(projection, to: building)
                            store.checkpointWatch(projection.name).advance(to: checkpoint)
                            set(projection, slot: slot, live: projection.version, checkpoint: checkpoint, state: .live)
                            return mode == .rebuild ? .finished : .moved
                        }
                        guard try await log.waitForEvents(after: checkpoint) else { return .finished }
                        continue
                    }
                    // The cache may drop records only once the batch that changed them is stored.
                    if state.isOverCapacity {
                        try await settle()
                        state.trimCache()
                    }
                    let result: Result<[ProjectionState.Change], ApplyFailure>
                    if batch.events.count == batchSize {
                        // Catching up: read and decode the next batch while this one is folded.
                        async let next = load(from: last + 1, for: projection, as: assignment.role, on: workers)
                        result = try await foldBatch(batch, into: state, projection, as: assignment.role, on: workers)
                        if case .success = result { prefetched = try await next }
                    } else {
                        result = try await foldBatch(batch, into: state, projection, as: assignment.role, on: workers)
                    }
                    // Batches are stored in log order, one at a time.
                    try await settle()
                    switch result {
                    case .success(let changes):
                        let role = assignment.role
                        storing.addTask {
                            try await self.commit(changes, through: last, projection, as: role)
                            return last
                        }
                        inFlight = true
                        folded = last
                    case .failure(let failure):
                        state = ProjectionState(databases: state.databases, capacity: state.capacity, byteCapacity: state.byteCapacity)
                        try await storeBefore(failure, of: batch, into: state, projection, as: assignment.role, on: workers)
                        set(projection, slot: slot, live: live, checkpoint: failure.position - 1, state: .failed(position: failure.position, reason: failure.reason))
                        logger.error("projection stopped at an event it cannot apply", metadata: [
                            "projection": "\(projection.name)", "position": "\(failure.position)", "reason": "\(failure.reason)",
                        ])
                        return .finished
                    }
                }
                try await settle()
                return nil
            }
            if let outcome { return outcome }
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
}
