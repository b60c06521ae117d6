import EventLog
import Foundation

/// The tables of one projection, as a projection's `apply` sees them. Values are stored as JSON with sorted
/// keys, so that a rebuild gives byte-identical state.
///
/// Reads go through a cache of decoded values that outlives a batch (bounded by ``capacity`` records and by
/// ``byteCapacity`` bytes of their stored JSON, so that records that grow with history, such as a lead's hook
/// actions, cannot make memory grow with the log), backed by a read
/// snapshot of the views environment; writes stay in the cache until ``changes()`` encodes them for the
/// writer. So folding and encoding run on the runner's worker threads, in parallel with the other projections,
/// and the views writer thread only stores bytes. A record updated by many events (a day's ledger, an hour's
/// counts) is decoded once and encoded once per batch.
public final class ProjectionState {
    private struct Entry {
        var value: Any?
        /// Encodes the value when it changed since the last ``changes()``; `nil` when it is as stored.
        var encode: (() throws -> [UInt8])?
        /// The size of the value's stored JSON, as last read or written.
        var bytes = 0
    }

    let databases: [String: Database<String, [UInt8]>]
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()
    private var snapshot: ReadTransaction?
    private var cache: [String: [String: Entry]] = [:]
    private var cached = 0
    private var cachedBytes = 0
    /// The keys changed since the last ``changes()``, by table.
    private var dirty: [String: [String]] = [:]
    /// How many decoded records the cache keeps between batches; beyond it, clean records are dropped.
    let capacity: Int
    /// How many bytes of stored JSON the cached records may come to between batches; beyond it, they are dropped.
    let byteCapacity: Int

    init(databases: [String: Database<String, [UInt8]>], capacity: Int, byteCapacity: Int = 32 << 20) {
        self.databases = databases
        self.capacity = capacity
        self.byteCapacity = byteCapacity
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// Runs `body` with `txn` as the snapshot that cache misses read from.
    func reading<R>(_ txn: ReadTransaction, _ body: () throws -> R) rethrows -> R {
        snapshot = txn
        defer { snapshot = nil }
        return try body()
    }

    private func database(_ table: String) throws -> Database<String, [UInt8]> {
        guard let database = databases[table] else {
            throw ProjectionError("no table named \(table); declare it in the projection's tables")
        }
        return database
    }

    private func store(_ entry: Entry, _ key: String, in table: String) {
        var entry = entry
        if entry.bytes == 0, let known = cache[table]?[key]?.bytes { entry.bytes = known }
        let previous = cache[table, default: [:]].updateValue(entry, forKey: key)
        if previous == nil { cached += 1 }
        cachedBytes += entry.bytes - (previous?.bytes ?? 0)
        if entry.encode != nil, previous?.encode == nil { dirty[table, default: []].append(key) }
    }

    /// The value at `key` in `table`, or `nil`.
    public func get<T: Decodable>(_ type: T.Type, _ key: String, in table: String) throws -> T? {
        if let entry = cache[table]?[key], entry.value == nil || entry.value is T {
            return entry.value as? T
        }
        guard let snapshot else { throw ProjectionError("a read of \(table) outside a batch") }
        var bytes = 0
        let value = try database(table).withValue(for: key, in: snapshot) { stored in
            bytes = stored.count
            return try StateJSON.decode(T.self, from: stored, fallback: decoder)
        }
        store(Entry(value: value, encode: nil, bytes: bytes), key, in: table)
        return value
    }

    /// Stores `value` at `key` in `table`.
    public func put<T: Encodable>(_ value: T, _ key: String, in table: String) throws {
        _ = try database(table)
        let encoder = self.encoder
        store(Entry(value: value, encode: { try StateJSON.encode(value, fallback: encoder) }), key, in: table)
    }

    /// Removes `key` from `table`.
    public func delete(_ key: String, in table: String) throws {
        _ = try database(table)
        store(Entry(value: nil, encode: { [] }), key, in: table)
    }

    /// Reads, changes and stores the value at `key`, starting from `initial` when absent.
    public func update<T: Codable>(_ key: String, in table: String, initial: @autoclosure () -> T, _ change: (inout T) throws -> Void) throws {
        var value = try get(T.self, key, in: table) ?? initial()
        try change(&value)
        try put(value, key, in: table)
    }

    /// Encodes what changed since the last call, in table and key order, and marks it stored. A `nil` value is
    /// a deletion. If storing them fails, drop this state: its cache would be ahead of the stored one.
    func changes() throws -> [Change] {
        var changes = [Change]()
        for (table, keys) in dirty.sorted(by: { $0.key < $1.key }) {
            let database = try database(table)
            for key in keys.sorted() {
                guard let entry = cache[table]?[key], let encode = entry.encode else { continue }
                let value = entry.value == nil ? nil : try encode()
                changes.append(Change(database: database, key: key, value: value))
                cache[table]![key]!.encode = nil
                cache[table]![key]!.bytes = value?.count ?? 0
                cachedBytes += (value?.count ?? 0) - entry.bytes
            }
        }
        dirty.removeAll(keepingCapacity: true)
        if cached > capacity || cachedBytes > byteCapacity {
            cache.removeAll(keepingCapacity: true)
            cached = 0
            cachedBytes = 0
        }
        return changes
    }

    /// One record to store or delete.
    struct Change: Sendable {
        let database: Database<String, [UInt8]>
        let key: String
        let value: [UInt8]?
    }
}

/// A projection's own error: bad state or a bad event.
public struct ProjectionError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
