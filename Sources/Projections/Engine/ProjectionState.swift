import EventLog
import Foundation

/// The tables of one projection inside one write transaction. Values are stored as JSON with sorted keys,
/// so that a rebuild gives byte-identical state.
public struct ProjectionState {
    let txn: WriteTransaction
    let databases: [String: Database<String, [UInt8]>]
    let encoder: JSONEncoder
    let decoder: JSONDecoder

    private func database(_ table: String) throws -> Database<String, [UInt8]> {
        guard let database = databases[table] else {
            throw ProjectionError("no table named \(table); declare it in the projection's tables")
        }
        return database
    }

    /// The value at `key` in `table`, or `nil`.
    public func get<T: Decodable>(_ type: T.Type, _ key: String, in table: String) throws -> T? {
        guard let bytes = try database(table).get(key, in: txn) else { return nil }
        return try decoder.decode(T.self, from: Data(bytes))
    }

    /// Stores `value` at `key` in `table`.
    public func put<T: Encodable>(_ value: T, _ key: String, in table: String) throws {
        try database(table).put(Array(try encoder.encode(value)), for: key, in: txn)
    }

    /// Removes `key` from `table`.
    public func delete(_ key: String, in table: String) throws {
        try database(table).delete(key, in: txn)
    }

    /// Reads, changes and stores the value at `key`, starting from `initial` when absent.
    public func update<T: Codable>(_ key: String, in table: String, initial: @autoclosure () -> T, _ change: (inout T) throws -> Void) throws {
        var value = try get(T.self, key, in: table) ?? initial()
        try change(&value)
        try put(value, key, in: table)
    }

    /// Visits entries of `table` whose keys start with `prefix`, in key order, until `body` returns `false`.
    public func scan(_ table: String, prefix: String, _ body: (String, [UInt8]) throws -> Bool) throws {
        try database(table).scan(from: prefix, in: txn) { key, value in
            let key = String(decoding: key, as: UTF8.self)
            guard key.hasPrefix(prefix) else { return false }
            return try body(key, Array(value))
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
