import EventLog
import Foundation

/// The tables of one projection inside one write transaction. Values are stored as JSON with sorted keys,
/// so that a rebuild gives byte-identical state.
///
/// Reads and writes go through a cache for the whole batch: a record updated by many events of a batch (a
/// day's ledger, an hour's counts) is decoded once and encoded once, when the batch commits.
public final class ProjectionState {
    private struct Entry {
        var value: Any?
        /// Encodes the value when it changed in this batch; `nil` when it is as stored.
        var encode: (() throws -> Data)?
    }

    let txn: WriteTransaction
    let databases: [String: Database<String, [UInt8]>]
    let encoder: JSONEncoder
    let decoder: JSONDecoder
    private var cache: [String: [String: Entry]] = [:]

    init(txn: WriteTransaction, databases: [String: Database<String, [UInt8]>], encoder: JSONEncoder, decoder: JSONDecoder) {
        self.txn = txn
        self.databases = databases
        self.encoder = encoder
        self.decoder = decoder
    }

    private func database(_ table: String) throws -> Database<String, [UInt8]> {
        guard let database = databases[table] else {
            throw ProjectionError("no table named \(table); declare it in the projection's tables")
        }
        return database
    }

    /// The value at `key` in `table`, or `nil`.
    public func get<T: Decodable>(_ type: T.Type, _ key: String, in table: String) throws -> T? {
        if let entry = cache[table]?[key], entry.value == nil || entry.value is T {
            return entry.value as? T
        }
        let value = try database(table).withValue(for: key, in: txn) { try decoder.decode(T.self, from: Data($0)) }
        cache[table, default: [:]][key] = Entry(value: value, encode: nil)
        return value
    }

    /// Stores `value` at `key` in `table`.
    public func put<T: Encodable>(_ value: T, _ key: String, in table: String) throws {
        _ = try database(table)
        let encoder = self.encoder
        cache[table, default: [:]][key] = Entry(value: value, encode: { try encoder.encode(value) })
    }

    /// Removes `key` from `table`.
    public func delete(_ key: String, in table: String) throws {
        _ = try database(table)
        cache[table, default: [:]][key] = Entry(value: nil, encode: { Data() })
    }

    /// Reads, changes and stores the value at `key`, starting from `initial` when absent.
    public func update<T: Codable>(_ key: String, in table: String, initial: @autoclosure () -> T, _ change: (inout T) throws -> Void) throws {
        var value = try get(T.self, key, in: table) ?? initial()
        try change(&value)
        try put(value, key, in: table)
    }

    /// Visits entries of `table` whose keys start with `prefix`, in key order, until `body` returns `false`.
    public func scan(_ table: String, prefix: String, _ body: (String, [UInt8]) throws -> Bool) throws {
        try flush()
        try database(table).scan(from: prefix, in: txn) { key, value in
            let key = String(decoding: key, as: UTF8.self)
            guard key.hasPrefix(prefix) else { return false }
            return try body(key, Array(value))
        }
    }

    /// Writes what changed in this batch, in key order.
    func flush() throws {
        for table in cache.keys.sorted() {
            let database = try database(table)
            for (key, entry) in cache[table]!.sorted(by: { $0.key < $1.key }) {
                guard let encode = entry.encode else { continue }
                if entry.value == nil {
                    try database.delete(key, in: txn)
                } else {
                    try database.put(Array(try encode()), for: key, in: txn)
                }
                cache[table]![key]!.encode = nil
            }
        }
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
