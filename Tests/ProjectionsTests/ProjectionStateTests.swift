import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// The projection state's cache: records changed in place, read back under another type, deleted, and dropped
/// once over capacity, always storing what a fresh read would give.
@Suite("Projection state")
struct ProjectionStateTests {
    struct Wide: Codable, Equatable { var name: String; var count: Int; var tags: [String] }
    struct Narrow: Codable, Equatable { var name: String; var count: Int }

    /// Runs `body` with a state over table `t` of a fresh views store, then stores its changes; returns them as text.
    final class Fixture {
        let directory = NSTemporaryDirectory() + "state-\(getpid())-\(UUID().uuidString)"
        let store: ProjectionStore
        let state: ProjectionState

        init(capacity: Int) throws {
            store = try ProjectionStore(directory: directory, logger: quietLogger)
            let slot = ProjectionSlot(name: "test", version: 1, generation: 0)
            state = ProjectionState(databases: try store.createTables(slot, tables: ["t"]), capacity: capacity)
        }

        @discardableResult
        func batch(_ body: (ProjectionState) throws -> Void) throws -> [String: String?] {
            let changes = try store.env.read { txn in try state.reading(txn) { try body(state); return try state.changes() } }
            try store.env.write { txn in
                for change in changes {
                    if let value = change.value { try change.database.put(value, for: change.key, in: txn) } else { _ = try change.database.delete(change.key, in: txn) }
                }
            }
            return Dictionary(uniqueKeysWithValues: changes.map { ($0.key, $0.value.map { String(decoding: $0, as: UTF8.self) }) })
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test("update changes the cached record in place; a record changed under one type reads under another")
    func inPlaceAndRetyped() throws {
        let fixture = try Fixture(capacity: 100)
        let first = try fixture.batch { state in
            try state.update("a", in: "t", initial: Narrow(name: "a", count: 0)) { $0.count += 1 }
            try state.update("a", in: "t", initial: Narrow(name: "x", count: 100)) { $0.count += 1 }
            try state.put(Wide(name: "w", count: 1, tags: ["p"]), "w", in: "t")
            // Read under another type while changed in this batch: what it would store, and it is still stored.
            #expect(try state.get(Narrow.self, "w", in: "t") == Narrow(name: "w", count: 1))
            #expect(try state.get(Narrow.self, "missing", in: "t") == nil)
        }
        #expect(first == ["a": #"{"count":2,"name":"a"}"#, "w": #"{"count":1,"name":"w","tags":["p"]}"#])
        let second = try fixture.batch { state in
            // Changed under another type: what it stores is the new type's.
            try state.update("w", in: "t", initial: Narrow(name: "", count: 0)) { $0.count = 5 }
            try state.delete("a", in: "t")
            #expect(try state.get(Narrow.self, "a", in: "t") == nil)
        }
        #expect(second == ["a": String?.none, "w": #"{"count":5,"name":"w"}"#])
    }

    @Test("over capacity, the cache is dropped and records are read again from the store")
    func capacity() throws {
        let fixture = try Fixture(capacity: 3)
        try fixture.batch { state in
            for n in 0..<5 { try state.put(Narrow(name: "n\(n)", count: n), "k\(n)", in: "t") }
        }
        let changes = try fixture.batch { state in
            for n in 0..<5 { try state.update("k\(n)", in: "t", initial: Narrow(name: "", count: -100)) { $0.count += 10 } }
        }
        #expect(changes == Dictionary(uniqueKeysWithValues: (0..<5).map { ("k\($0)", #"{"count":\#($0 + 10),"name":"n\#($0)"}"#) }))
    }
}
