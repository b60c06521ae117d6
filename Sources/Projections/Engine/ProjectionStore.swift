import Crypto
import EventLog
import Foundation
import Logging
import Synchronization

/// The views environment `<data>/views/`: every projection's tables and checkpoints.
///
/// A projection's state lives in a ``ProjectionSlot``: tables `<slot>/<table>`, and in the `meta` database
/// `checkpoint:<slot>` (the last applied position, committed with the state) and `tables:<slot>` (its table
/// names). `live:<name>` names the slot readers see; `build:<name>` the slot being built beside it and who
/// builds it. Switching is one transaction that moves `live:<name>`, so several processes (the gateway, the
/// replay tool) can build and read the same views. Writes run on one dedicated thread.
package final class ProjectionStore: Sendable {
    let env: Environment
    let meta: Database<String, [UInt8]>
    let worker: ThreadPool
    /// Batches waiting to be committed together (``writeGrouped(_:)``).
    let group = ViewsGroup()
    private let handles = Mutex<[String: Database<String, [UInt8]>]>([:])
    private let watches = Mutex<[String: PositionWatch]>([:])

    /// Opens (creating) the views environment in `directory`.
    package init(directory: String, logger: Logger) throws {
        var configuration = Environment.Configuration()
        configuration.maxDatabases = 1024
        // Views are rebuilt from the log: a system crash may undo the last batch (state and checkpoint together),
        // which the runner then applies again.
        configuration.metaSync = false
        let env = try Environment(path: directory, configuration: configuration, logger: logger)
        self.env = env
        meta = try env.database("meta")
        worker = ThreadPool(name: "views-writer")
    }

    /// Stops the writer thread and closes the environment; wakes every task waiting on a checkpoint.
    package func close() {
        for watch in watches.withLock({ Array($0.values) }) { watch.close() }
        worker.stop()
        env.close()
    }

    /// The version readers see for `name`, or `nil` before its first build.
    package func liveVersion(_ name: String) throws -> Int? {
        try env.read { txn in try liveSlot(name, in: txn)?.version }
    }

    /// The last position applied to the live state of `name`, or `nil` before its first build.
    package func liveCheckpoint(_ name: String) throws -> UInt64? {
        try env.read { txn in try liveSlot(name, in: txn).map { try checkpoint($0, in: txn) } }
    }

    /// The live checkpoint of projection `name` as this process's runner commits it: waiting on it wakes a task as
    /// soon as the projection moves, without polling. Commits by another process (a `replay rebuild`) do not move
    /// it, so a waiter must still read the stored checkpoint (``liveCheckpoint(_:)``) now and then.
    package func checkpointWatch(_ name: String) -> PositionWatch {
        watches.withLock { watches in
            if let watch = watches[name] { return watch }
            let watch = PositionWatch(head: 0)
            watches[name] = watch
            return watch
        }
    }

    /// Waits until the live state of `name` has applied `position`: woken by this process's commits (see
    /// ``checkpointWatch(_:)``), and reading the stored checkpoint at least every 100 ms for another process's. Returns
    /// whether it did within `timeout` (`nil`: wait as long as it takes, until the task is cancelled).
    package func awaitCheckpoint(_ name: String, _ position: UInt64, timeout: Duration? = nil) async throws -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let watch = checkpointWatch(name)
        let step = Duration.milliseconds(100)
        while true {
            if let checkpoint = try liveCheckpoint(name), checkpoint >= position { return true }
            let now = ContinuousClock.now
            if let deadline, now >= deadline { return false }
            try Task.checkCancellation()
            let wait = deadline.map { min(step, $0 - now) } ?? step
            // The watch may be past `position` while the stored state is not (a slot switched by another process).
            if watch.head >= position || watch.isClosed {
                try await Task.sleep(for: wait)
            } else {
                _ = await watch.wait(forPosition: position, timeout: wait)
            }
        }
    }

    /// How many events projection `name` has skipped under the failure policy, and the newest `recent` of them,
    /// newest first; none when it has no live state yet.
    package func rejections(_ name: String, recent: Int) throws -> (count: Int, recent: [RejectedEvent]) {
        try read(name) { reader in
            (
                try reader.count(RejectedEvent.table),
                try reader.last(RejectedEvent.self, in: RejectedEvent.table, limit: recent).map(\.value)
            )
        } ?? (0, [])
    }

    /// Reads the live state of projection `name`; `nil` when it has no live state yet.
    package func read<R>(_ name: String, _ body: (ProjectionReader) throws -> R) throws -> R? {
        var opened = false
        while true {
            let attempt: R?? = try env.read { txn in
                guard let slot = try liveSlot(name, in: txn) else { return .some(nil) }
                // A slot another process made: its handles are opened outside this snapshot, then it is read again.
                guard let databases = try cachedTables(slot, in: txn, partial: opened) else { return nil }
                return .some(
                    try body(
                        ProjectionReader(
                            txn: txn, databases: databases, checkpoint: try checkpoint(slot, in: txn),
                            version: slot.version)))
            }
            if let attempt { return attempt }
            try openExistingTables(name)
            opened = true
        }
    }

    /// SHA-256 over the live state of `name` in table and key order: equal digests mean equal state.
    package func digest(_ name: String) throws -> String? {
        try read(name) { try $0.digest() }
    }
}

extension ProjectionStore {
    func liveSlot(_ name: String, in txn: some Transaction) throws -> ProjectionSlot? {
        try meta.withValue(for: "live:\(name)", in: txn) { ProjectionSlot(id: String(decoding: $0, as: UTF8.self)) }
            ?? nil
    }

    func buildClaim(_ name: String, in txn: some Transaction) throws -> BuildClaim? {
        try meta.withValue(for: "build:\(name)", in: txn) { BuildClaim(stored: $0) } ?? nil
    }

    func checkpoint(_ slot: ProjectionSlot, in txn: some Transaction) throws -> UInt64 {
        try meta.withValue(for: slot.checkpointKey, in: txn) { try UInt64(storedBytes: $0) } ?? 0
    }

    func tableNames(_ slot: ProjectionSlot, in txn: some Transaction) throws -> [String]? {
        try meta.withValue(for: slot.tablesKey, in: txn) {
            String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    /// The slot's tables by name, if this process has all their handles (or, when `partial`, those it has).
    private func cachedTables(
        _ slot: ProjectionSlot, in txn: ReadTransaction, partial: Bool
    ) throws -> [String: Database<String, [UInt8]>]? {
        guard let names = try tableNames(slot, in: txn) else { return [:] }
        return handles.withLock { handles in
            var result = [String: Database<String, [UInt8]>]()
            for table in names {
                guard let database = handles[slot.table(table)] else {
                    if partial { continue } else { return nil }
                }
                result[table] = database
            }
            return result
        }
    }

    /// Opens the handles of the live slot of `name`, which another process may have created.
    private func openExistingTables(_ name: String) throws {
        if let slot = try env.read({ txn in try liveSlot(name, in: txn) }) { try openTables(slot) }
    }

    /// Opens the handles of the tables that `slot` has, which another process may have created.
    func openTables(_ slot: ProjectionSlot) throws {
        guard let names = try env.read({ txn in try tableNames(slot, in: txn) }) else { return }
        let opened: [Database<String, [UInt8]>?] = try env.databases(names.map(slot.table), create: false)
        handles.withLock { handles in
            for database in opened.compactMap({ $0 }) { handles[database.name] = database }
        }
    }

    /// Creates (or opens) the tables of `slot` in their own write transaction, and records their names. Runs on
    /// the views writer.
    func createTables(_ slot: ProjectionSlot, tables: [String]) throws -> [String: Database<String, [UInt8]>] {
        let cached = handles.withLock { handles in tables.compactMap { handles[slot.table($0)] } }
        if cached.count == tables.count {
            return Dictionary(uniqueKeysWithValues: zip(tables, cached))
        }
        let databases: [Database<String, [UInt8]>] = try env.databases(tables.map(slot.table), create: true).map { $0! }
        _ = try env.write { txn in
            try meta.put(Array(tables.joined(separator: "\n").utf8), for: slot.tablesKey, in: txn)
        }
        handles.withLock { handles in
            for database in databases { handles[database.name] = database }
        }
        return Dictionary(uniqueKeysWithValues: zip(tables, databases))
    }

    /// Empties a slot's tables and forgets its checkpoint; the databases stay, to be filled again later.
    func clear(_ slot: ProjectionSlot, in txn: WriteTransaction) throws {
        if let names = try tableNames(slot, in: txn) {
            let databases = handles.withLock { handles in names.compactMap { handles[slot.table($0)] } }
            for database in databases { try database.clear(in: txn) }
        }
        _ = try meta.delete(slot.checkpointKey, in: txn)
    }
}
