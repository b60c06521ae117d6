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
            let changes = try store.env.read { txn in
                try state.reading(txn) {
                    try body(state); return try state.changes()
                }
            }
            try store.env.write { txn in
                for change in changes {
                    if let value = change.value {
                        try change.database.put(value, for: change.key, in: txn)
                    } else {
                        _ = try change.database.delete(change.key, in: txn)
                    }
                }
            }
            return Dictionary(
                uniqueKeysWithValues: changes.map { ($0.key, $0.value.map { String(decoding: $0, as: UTF8.self) }) })
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
            for n in 0..<5 {
                try state.update("k\(n)", in: "t", initial: Narrow(name: "", count: -100)) { $0.count += 10 }
            }
        }
        #expect(
            changes
                == Dictionary(
                    uniqueKeysWithValues: (0..<5).map { ("k\($0)", #"{"count":\#($0 + 10),"name":"n\#($0)"}"#) }))
    }

    /// Whether `key` is in the cache: outside a batch, a read the cache cannot answer throws. A record found counts
    /// as found for the next trim.
    func isCached(_ key: String, _ state: ProjectionState) -> Bool {
        (try? state.get(Narrow.self, key, in: "t")) != nil
    }

    /// A fixture whose store holds `count` records, `k0` and on, and whose cache then found `found` in a batch (k2
    /// changed in place, the others read), then was trimmed.
    func trimmed(capacity: Int, count: Int, found: [Int]) throws -> Fixture {
        let fixture = try Fixture(capacity: capacity)
        try fixture.batch { state in
            for n in 0..<count { try state.put(Narrow(name: "n\(n)", count: n), "k\(n)", in: "t") }
        }
        try fixture.batch { state in
            for n in found where n != 2 { _ = try state.get(Narrow.self, "k\(n)", in: "t") }
            if found.contains(2) {
                try state.update("k2", in: "t", initial: Narrow(name: "", count: 0)) { $0.count += 1 }
            }
        }
        fixture.state.trimCache()
        return fixture
    }

    @Test("a trim keeps the records found in the cache since the last trim, and drops the others")
    func trim() throws {
        let fixture = try trimmed(capacity: 10, count: 6, found: [1, 2])
        #expect((0..<6).map { isCached("k\($0)", fixture.state) } == [false, true, true, false, false, false])
        // The look above found k1 and k2 again, so the next trim keeps them; nothing finds them before the one after.
        fixture.state.trimCache()
        fixture.state.trimCache()
        #expect(!isCached("k1", fixture.state) && !isCached("k2", fixture.state))
        // Read again from the store, with what was stored.
        let reread = try fixture.store.env.read { txn in
            try fixture.state.reading(txn) { try fixture.state.get(Narrow.self, "k2", in: "t") }
        }
        #expect(reread == Narrow(name: "n2", count: 3))
    }

    @Test("a trim drops every record when the ones found since the last trim would fill half the cache")
    func trimAll() throws {
        let fixture = try trimmed(capacity: 4, count: 4, found: [0, 1, 3])
        #expect((0..<4).allSatisfy { !isCached("k\($0)", fixture.state) })
    }
}
