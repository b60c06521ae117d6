import EventLog
import Foundation
@testable import Projections
import TestSupport

/// One projection's state in a views store of its own, folded event by event at chosen times: pure values in,
/// state out, without a log or a runner.
final class ProjectionStateHarness {
    let directory = NSTemporaryDirectory() + "fold-\(getpid())-\(UUID().uuidString)"
    let store: ProjectionStore
    private var slot: ProjectionSlot?
    private var state: ProjectionState?
    private var position: UInt64 = 0

    init() throws {
        store = try ProjectionStore(directory: directory, logger: quietLogger)
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Applies `input` as the event of `source` recorded at `at`, and stores the result.
    func apply<P: Projection>(_ projection: P, _ input: P.Input, source: String, at: Timestamp) throws {
        if slot == nil {
            let slot = ProjectionSlot(name: projection.name, version: projection.version, generation: 0)
            let databases = try store.createTables(slot, tables: projection.tables)
            _ = try store.env.write { txn in
                try store.meta.put(Array(slot.id.utf8), for: "live:\(projection.name)", in: txn)
            }
            self.slot = slot
            state = ProjectionState(databases: databases, capacity: 10)
        }
        position += 1
        let event = Event(
            position: position, recordedAt: at, type: "test", source: source, idempotencyKey: nil, metadata: [:],
            payload: [],
            previousHash: .zero, hash: .zero
        )
        let changes = try store.env.read { txn in
            try state!.reading(txn) {
                try projection.apply(input, event: EventInfo(event), to: state!)
                return try state!.changes()
            }
        }
        try store.env.write { txn in for change in changes { try change.store(in: txn) } }
    }

    /// How many records `table` holds.
    func count(_ table: String) throws -> Int {
        try read { reader in
            var count = 0
            try reader.scan(table) { _, _ in
                count += 1; return true
            }
            return count
        }
    }

    /// Reads the state.
    func read<R>(_ body: (ProjectionReader) throws -> R) throws -> R {
        guard let slot, let result = try store.read(slot.name, body) else {
            throw ProjectionError("nothing applied yet")
        }
        return result
    }
}
