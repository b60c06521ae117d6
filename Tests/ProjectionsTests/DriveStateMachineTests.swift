import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// The drive loop's bookkeeping, without a log or a store: when a store starts, what it carries, and where the
/// checkpoint stands.
@Suite("The drive loop's state machine")
struct DriveStateMachineTests {
    /// A change of `bytes` bytes of value in a database the machine never touches.
    static func changes(
        _ count: Int, bytes: Int = 10, in database: Database<String, [UInt8]>
    ) -> [ProjectionState.Change] {
        (0..<count).map {
            ProjectionState.Change(database: database, key: "k\($0)", value: Array(repeating: 0, count: bytes))
        }
    }

    func withDatabase(_ body: (Database<String, [UInt8]>) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "drive-machine-\(UUID().uuidString)"
        let env = try Environment(path: directory, logger: quietLogger)
        defer {
            env.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
        try body(try env.database("t"))
    }

    @Test("full batches wait together until storeEvery of them; a short batch (caught up) is stored at once")
    func storeEvery() throws {
        try withDatabase { database in
            var machine = DriveStateMachine(checkpoint: 10, batchSize: 4, storeEvery: 3, storeBytes: .max)
            let starts1 = machine.took(Self.changes(2, in: database), through: 14, events: 4, storable: true)
            #expect(!starts1)
            let starts2 = machine.took(Self.changes(2, in: database), through: 18, events: 4, storable: true)
            #expect(!starts2)
            let starts3 = machine.took(Self.changes(2, in: database), through: 22, events: 4, storable: true)
            #expect(starts3, "the third full batch")
            #expect(machine.folded == 22)
            #expect(machine.checkpoint == 10, "nothing is stored yet")
            let store = machine.startStore()!
            #expect(store.through == 22)
            #expect(store.changes.count == 6)
            #expect(machine.storeInFlight && !machine.hasWaiting)
            let starts4 = machine.took(Self.changes(1, in: database), through: 24, events: 2, storable: true)
            #expect(starts4, "a short batch")
            machine.stored(through: 22)
            #expect(machine.checkpoint == 22 && !machine.storeInFlight)
            let next = machine.startStore()
            #expect(next?.through == 24)
            machine.stored(through: 24)
            #expect(machine.checkpoint == 24)
            let none = machine.startStore()
            #expect(none == nil, "nothing waits")
        }
    }

    @Test("enough bytes waiting start a store before storeEvery batches")
    func storeBytes() throws {
        try withDatabase { database in
            var machine = DriveStateMachine(checkpoint: 0, batchSize: 4, storeEvery: 100, storeBytes: 1000)
            let starts5 = machine.took(Self.changes(2, bytes: 300, in: database), through: 4, events: 4, storable: true)
            #expect(!starts5)
            let starts6 = machine.took(Self.changes(2, bytes: 300, in: database), through: 8, events: 4, storable: true)
            #expect(starts6)
        }
    }

    @Test("a batch with a key LMDB refuses: what waits is stored first, then the batch alone")
    func unstorable() throws {
        try withDatabase { database in
            var machine = DriveStateMachine(checkpoint: 0, batchSize: 4, storeEvery: 8, storeBytes: .max)
            _ = machine.took(Self.changes(1, in: database), through: 4, events: 4, storable: true)
            #expect(machine.beforeTaking(storable: false) == .storeWaitingFirst)
            #expect(machine.beforeTaking(storable: true) == .take)
            let first = machine.startStore()
            #expect(first?.through == 4)
            machine.stored(through: 4)
            let starts7 = machine.took(Self.changes(1, in: database), through: 8, events: 4, storable: false)
            #expect(starts7, "stored alone, at once")
            let alone = machine.startStore()
            #expect(alone?.changes.count == 1)
        }
    }
}
