import EventLog
import Foundation

/// The tables of one projection, as a projection's `apply` sees them. Values are stored as JSON with sorted
/// keys, so that a rebuild gives byte-identical state.
///
/// Reads go through a cache of decoded values that outlives a batch (bounded by ``capacity`` records and by
/// ``byteCapacity`` bytes of their stored JSON, so that records that grow with history, such as a lead's hook
/// actions, cannot make memory grow with the log; once stored, the runner trims it when it is beyond either: the
/// records found in the cache since the last trim stay, such as a day's totals, and the others go), backed by a read
/// snapshot of the views environment; writes stay in the cache until ``changes()`` encodes them for the
/// writer. So folding and encoding run on the runner's worker threads, in parallel with the other projections,
/// and the views writer thread only stores bytes. A record updated by many events (a day's ledger, an hour's
/// counts) is decoded once and encoded once per batch.
package final class ProjectionState {
    /// One cached record: whether it changed since the last ``changes()`` (and is listed in `dirty`), and the size
    /// of its stored JSON as last read or written.
    class CachedRecord {
        var dirty = false
        var bytes = 0
        /// Whether the record was found in the cache since the cache was last trimmed: it stays through the next trim.
        var referenced = false
        /// Whether the record is absent: never stored, or deleted.
        var isAbsent: Bool { true }
        /// The value's stored form; `nil` for an absent record, which is a deletion when it is dirty.
        func encoded(with encoder: JSONEncoder) throws -> [UInt8]? { nil }
    }

    /// A record of type `T`, read and changed in place (``update(_:in:initial:_:)``): no copy for each change.
    final class CachedValue<T>: CachedRecord {
        var value: T?
        /// How to store this record (`nil` when absent): set by the first ``put(_:_:in:)`` or
        /// ``update(_:in:initial:_:)``, which know `T` is `Encodable` (a record only read never needs it). It takes
        /// the record, not its value, so that the value is read where it lies, not copied.
        var encode: ((CachedValue<T>, JSONEncoder) throws -> [UInt8]?)?
        init(_ value: T?) { self.value = value }
        override var isAbsent: Bool { value == nil }
        override func encoded(with encoder: JSONEncoder) throws -> [UInt8]? {
            if let encode { return try encode(self, encoder) }
            if isAbsent { return nil }
            throw ProjectionError("a record of type \(T.self) was changed without being stored")
        }
    }

    /// How to store a `T`, for ``CachedValue/encode``: by its own writer when it is ``StateJSONWritable``, else by
    /// the reference encoder it is given (see ``StateJSON``).
    private static func encoding<T: Encodable>(_ type: T.Type) -> (CachedValue<T>, JSONEncoder) throws -> [UInt8]? {
        if let writable = T.self as? any StateJSONWritable.Type { return writable.stateEncoder(as: T.self) }
        return { record, encoder in try record.value.map { Array(try encoder.encode($0)) } }
    }

    let databases: [String: Database<String, [UInt8]>]
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()
    private var snapshot: ReadTransaction?
    /// One table's cached records, and the keys changed in it since the last ``changes()``.
    private final class Table {
        let name: String
        let database: Database<String, [UInt8]>
        var records: [String: CachedRecord] = [:]
        var dirty: [String] = []
        init(name: String, database: Database<String, [UInt8]>) { (self.name, self.database) = (name, database) }
    }

    /// The tables used so far, found by comparing names: a projection has a handful, and comparing short names
    /// costs less than hashing them at each read.
    private var tables: [Table] = []
    private var cached = 0
    private var cachedBytes = 0
    /// How many writes (`put`, `update`, `delete`) the state has taken: the runner compares it around an `apply` that
    /// rejects its event, to prove the rejection changed nothing.
    private(set) var writes = 0
    /// How many decoded records the cache keeps between batches; beyond it, clean records are dropped.
    let capacity: Int
    /// How many bytes of stored JSON the cached records may come to between batches; beyond it, they are dropped.
    let byteCapacity: Int

    init(databases: [String: Database<String, [UInt8]>], capacity: Int, byteCapacity: Int = 32 << 20) {
        self.databases = databases
        self.capacity = capacity
        self.byteCapacity = byteCapacity
        encoder = StateJSON.referenceEncoder()
    }

    /// Runs `body` with `txn` as the snapshot that cache misses read from.
    func reading<R>(_ txn: ReadTransaction, _ body: () throws -> R) rethrows -> R {
        snapshot = txn
        defer { snapshot = nil }
        return try body()
    }

    private func table(_ name: String) throws -> Table {
        for table in tables where table.name == name { return table }
        guard let database = databases[name] else {
            throw ProjectionError("no table named \(name); declare it in the projection's tables")
        }
        let table = Table(name: name, database: database)
        tables.append(table)
        return table
    }

    /// Caches `record` at `key`, in place of any other; it stays listed as changed if the one it
    /// replaces was.
    private func cache(_ record: CachedRecord, _ key: String, in table: Table) {
        let previous = table.records.updateValue(record, forKey: key)
        if let previous {
            if record.bytes == 0 { record.bytes = previous.bytes }
            record.dirty = record.dirty || previous.dirty
        } else {
            cached += 1
        }
        cachedBytes += record.bytes - (previous?.bytes ?? 0)
    }

    private func markChanged(_ record: CachedRecord, _ key: String, in table: Table) {
        guard !record.dirty else { return }
        record.dirty = true
        table.dirty.append(key)
    }

    /// The cached record of type `T` at `key`, read from the snapshot (or from a cached record of another type) on
    /// a miss.
    private func record<T: Decodable>(_ type: T.Type, _ key: String, in table: Table) throws -> CachedValue<T> {
        let cachedRecord = table.records[key]
        if let typed = cachedRecord as? CachedValue<T> {
            typed.referenced = true
            return typed
        }
        let record: CachedValue<T>
        if let cachedRecord, cachedRecord.isAbsent {
            record = CachedValue(nil)
        } else if let cachedRecord, cachedRecord.dirty {
            record = CachedValue(try Self.decode(T.self, from: cachedRecord, decoder))
        } else {
            guard let snapshot else { throw ProjectionError("a read of \(table.name) outside a batch") }
            var bytes = 0
            let value = try table.database.withValue(for: key, in: snapshot) { stored in
                bytes = stored.count
                return try StateJSON.decode(T.self, from: stored, with: decoder)
            }
            record = CachedValue(value)
            record.bytes = bytes
        }
        cache(record, key, in: table)
        return record
    }

    /// `record`'s value read as a `T`, from what it would store.
    private static func decode<T: Decodable>(
        _ type: T.Type, from record: CachedRecord, _ decoder: JSONDecoder
    ) throws -> T? {
        try record.encoded(with: StateJSON.referenceEncoder()).map { stored in
            try stored.withUnsafeBytes { try StateJSON.decode(T.self, from: $0, with: decoder) }
        }
    }

    /// The most bytes a key may have: what LMDB stores.
    package static let maxKeyBytes = 511

    /// Throws ``EventRejected`` for a key that storage would refuse (empty, or over ``maxKeyBytes``). Keys are built
    /// from what senders send (an id, a currency): such a key is the event's fault, so it costs the event, never the
    /// projection. `put`, `update` and `delete` check their key before they change anything; a projection that writes
    /// several records checks them all before its first write.
    package static func checkKey(_ key: String, in table: String) throws(EventRejected) {
        let bytes = key.utf8.count
        guard bytes > 0 else { throw EventRejected("an empty key for table \(table): the event names an empty id") }
        guard bytes <= maxKeyBytes else {
            throw EventRejected(
                "a key of \(bytes) bytes for table \(table): at most \(maxKeyBytes) bytes can be stored")
        }
    }

    /// The value at `key` in `table`, or `nil` (always for a key that storage would refuse: none is stored).
    package func get<T: Decodable>(_ type: T.Type, _ key: String, in table: String) throws -> T? {
        guard !key.isEmpty, key.utf8.count <= Self.maxKeyBytes else { return nil }
        let table = try self.table(table)
        if let cachedRecord = table.records[key] {
            if let typed = cachedRecord as? CachedValue<T> {
                typed.referenced = true
                return typed.value
            }
            if cachedRecord.isAbsent { return nil }
            // Changed in this batch under another type: read as `T` from what it would store, leaving it as it is.
            if cachedRecord.dirty { return try Self.decode(T.self, from: cachedRecord, decoder) }
        }
        return try record(T.self, key, in: table).value
    }

    /// Stores `value` at `key` in `table`.
    package func put<T: Encodable>(_ value: T, _ key: String, in table: String) throws {
        try Self.checkKey(key, in: table)
        writes &+= 1
        let table = try self.table(table)
        if let typed = table.records[key] as? CachedValue<T> {
            typed.referenced = true
            typed.value = value
            if typed.encode == nil { typed.encode = Self.encoding(T.self) }
            markChanged(typed, key, in: table)
            return
        }
        let record = CachedValue(value)
        record.encode = Self.encoding(T.self)
        cache(record, key, in: table)
        markChanged(record, key, in: table)
    }

    /// Removes `key` from `table`.
    package func delete(_ key: String, in table: String) throws {
        try Self.checkKey(key, in: table)
        writes &+= 1
        let table = try self.table(table)
        if let record = table.records[key], record.isAbsent {
            record.referenced = true
            markChanged(record, key, in: table)
            return
        }
        let record = CachedRecord()
        cache(record, key, in: table)
        markChanged(record, key, in: table)
    }

    /// Reads, changes and stores the value at `key`, starting from `initial` when absent. The cached value is
    /// changed in place.
    package func update<T: Codable>(
        _ key: String, in table: String, initial: @autoclosure () -> T, _ change: (inout T) throws -> Void
    ) throws {
        try Self.checkKey(key, in: table)
        writes &+= 1
        let table = try self.table(table)
        let record = try record(T.self, key, in: table)
        if record.encode == nil { record.encode = Self.encoding(T.self) }
        if record.value == nil { record.value = initial() }
        try change(&record.value!)
        markChanged(record, key, in: table)
    }

    /// Encodes what changed since the last call, in table and key order, and marks it stored. A `nil` value is
    /// a deletion. If storing them fails, drop this state: its cache would be ahead of the stored one.
    func changes() throws -> [Change] {
        var changes = [Change]()
        for table in tables.sorted(by: { $0.name < $1.name }) where !table.dirty.isEmpty {
            for key in table.dirty.sorted() {
                guard let record = table.records[key], record.dirty else { continue }
                let value = try record.encoded(with: encoder)
                changes.append(Change(database: table.database, key: key, value: value))
                record.dirty = false
                cachedBytes += (value?.count ?? 0) - record.bytes
                record.bytes = value?.count ?? 0
            }
            table.dirty.removeAll(keepingCapacity: true)
        }
        return changes
    }

    /// Whether the cache holds more records or bytes than its bounds allow; then ``trimCache()`` once the changes
    /// are stored.
    var isOverCapacity: Bool { cached > capacity || cachedBytes > byteCapacity }

    /// Trims the cache: keeps the records found in it since the last trim (a day's totals, a payment in the middle of
    /// its life) and drops the others (a list entry written once and never read again). If the kept ones alone
    /// would fill more than half the bounds, drops every record. Call it only when all changes are stored, since a
    /// record read again comes from the views.
    func trimCache() {
        var kept = 0
        var keptBytes = 0
        for table in tables {
            // Each table's dictionary keeps its room, so that it does not grow again from nothing.
            var survivors = table.records
            survivors.removeAll(keepingCapacity: true)
            for (key, record) in table.records where record.referenced {
                record.referenced = false
                survivors[key] = record
                kept += 1
                keptBytes += record.bytes
            }
            table.records = survivors
        }
        if kept > capacity / 2 || keptBytes > byteCapacity / 2 {
            for table in tables { table.records.removeAll(keepingCapacity: true) }
            (kept, keptBytes) = (0, 0)
        }
        cached = kept
        cachedBytes = keptBytes
    }

    /// One record to store or delete.
    struct Change: Sendable {
        let database: Database<String, [UInt8]>
        let key: String
        let value: [UInt8]?

        /// Writes the change (a `nil` value deletes the key) in `txn`.
        func store(in txn: WriteTransaction) throws {
            if let value { try database.put(value, for: key, in: txn) } else { _ = try database.delete(key, in: txn) }
        }
    }
}
