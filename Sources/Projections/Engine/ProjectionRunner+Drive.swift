import EventLog
import Logging

extension ProjectionRunner {
    /// While catching up, how many batches' changes at most go in one store.
    static var storeEvery: Int { 8 }
    /// While catching up, how many bytes of keys and values at most wait for one store.
    static var storeBytes: Int { 8 << 20 }

    /// Whether a projection's task is done, or must plan again because its slot moved.
    enum DriveOutcome { case finished, moved }

    /// Applies the log to the assignment's slot: catches up, then follows the log (`follow`), or switches readers
    /// to the slot once caught up (`build`).
    ///
    /// A batch is stored while the next one is folded: one store at most is on its way to the views writer. The
    /// next batch reads every record the stored one changed from the cache, which keeps them until that batch is
    /// stored; so its snapshot of the views may or may not hold the batch before it, with the same result. While
    /// catching up (full batches), the changes of up to ``storeEvery`` batches (and ``storeBytes`` bytes) go in one
    /// store: each commit copies every B-tree page it touches, and a batch of keys spread over a large table touches
    /// most of its pages, so fewer, larger commits write far less.
    func drive(
        _ projection: AnyProjection, _ assignment: Assignment, on workers: ThreadPool
    ) async throws -> DriveOutcome {
        let building: ProjectionSlot? = if case .build(let slot) = assignment.role { slot } else { nil }
        let slot: ProjectionSlot =
            switch assignment.role {
            case .follow(let slot), .build(let slot): slot
            }
        let live = assignment.liveVersion
        let running: ProjectionStatus.State = building == nil ? .live : .building
        set(projection, slot: slot, live: live, checkpoint: assignment.checkpoint, state: running)
        if let building {
            logger.notice(
                "building the projection beside the live state",
                metadata: [
                    "projection": "\(projection.name)", "slot": "\(building)", "from": "\(assignment.checkpoint)",
                    "live_version": "\(live)",
                ])
        }
        do {
            let outcome = try await withThrowingTaskGroup(of: UInt64.self) { storing -> DriveOutcome? in
                var state = ProjectionState(databases: assignment.databases, capacity: cacheCapacity)
                var machine = DriveStateMachine(
                    checkpoint: assignment.checkpoint, batchSize: batchSize, storeEvery: Self.storeEvery,
                    storeBytes: Self.storeBytes
                )
                var prefetched: DecodedBatch?
                /// Waits until the store on its way (if any) is done, and reports its checkpoint.
                func settle() async throws {
                    guard machine.storeInFlight, let stored = try await storing.next() else { return }
                    machine.stored(through: stored)
                    set(projection, slot: slot, live: live, checkpoint: machine.checkpoint, state: running)
                }
                /// Sends the waiting changes on their way to the writer, once the store before them is done.
                func startStore() async throws {
                    guard machine.hasWaiting else { return }
                    try await settle()
                    guard let (changes, through) = machine.startStore() else { return }
                    let role = assignment.role
                    storing.addTask {
                        try await self.commit(changes, through: through, projection, as: role)
                        return through
                    }
                }
                /// Stores every folded change and waits for it.
                func flush() async throws {
                    try await startStore()
                    try await settle()
                }
                while !Task.isCancelled {
                    let batch: DecodedBatch
                    if let next = prefetched {
                        batch = next
                        prefetched = nil
                    } else {
                        batch = try await load(
                            from: machine.folded + 1, for: projection, as: assignment.role, on: workers)
                    }
                    guard let last = batch.events.last?.position else {
                        try await flush()
                        if let building {
                            try await switchLive(projection, to: building)
                            store.checkpointWatch(projection.name).advance(to: machine.checkpoint)
                            set(
                                projection, slot: slot, live: projection.version, checkpoint: machine.checkpoint,
                                state: .live)
                            return mode == .rebuild ? .finished : .moved
                        }
                        guard try await log.waitForEvents(after: machine.checkpoint) else { return .finished }
                        continue
                    }
                    // The cache may drop records only once the batch that changed them is stored.
                    if state.isOverCapacity {
                        try await flush()
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
                    // Batches are stored in log order, one store at a time.
                    switch result {
                    case .success(let changes):
                        let storable = (try? UnstorableKey.check(changes)) != nil
                        if machine.beforeTaking(storable: storable) == .storeWaitingFirst { try await flush() }
                        if machine.took(changes, through: last, events: batch.events.count, storable: storable) {
                            try await startStore()
                        }
                    case .failure(let failure):
                        try await flush()
                        state = ProjectionState(
                            databases: state.databases, capacity: state.capacity, byteCapacity: state.byteCapacity)
                        try await storeBefore(
                            failure, of: batch, into: state, projection, as: assignment.role, on: workers)
                        set(
                            projection, slot: slot, live: live, checkpoint: failure.position - 1,
                            state: .failed(position: failure.position, reason: failure.reason))
                        logger.error(
                            "projection stopped at an event it cannot apply",
                            metadata: [
                                "projection": "\(projection.name)", "position": "\(failure.position)",
                                "reason": "\(failure.reason)",
                            ])
                        return .finished
                    }
                }
                try await flush()
                return nil
            }
            if let outcome { return outcome }
        } catch is SlotMoved {
            logger.notice(
                "another process switched the projection or took its build; planning again",
                metadata: ["projection": "\(projection.name)"])
            return .moved
        } catch is CancellationError {
            if mode == .rebuild, let building { try? await release(projection, building) }
            throw CancellationError()
        }
        if mode == .rebuild, let building { try? await release(projection, building) }
        return .finished
    }
}
