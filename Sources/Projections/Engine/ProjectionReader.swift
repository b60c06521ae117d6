import Crypto
import EventLog
import Foundation
import Logging
import Synchronization

/// A projection's live tables inside one read snapshot.
package struct ProjectionReader {
    let txn: ReadTransaction
    let databases: [String: Database<String, [UInt8]>]
    /// The last position applied to this state.
    package let checkpoint: UInt64
    /// The version being read.
    package let version: Int

    /// The value at `key` in `table`, or `nil`.
    package func get<T: Decodable>(_ type: T.Type, _ key: String, in table: String) throws -> T? {
        guard let database = databases[table] else { return nil }
        return try database.withValue(for: key, in: txn) { try StateJSON.decode(T.self, from: $0, with: JSONDecoder()) }
    }

    /// The stored JSON at `key` in `table`, byte for byte, or `nil`.
    package func stored(_ key: String, in table: String) throws -> [UInt8]? {
        guard let database = databases[table] else { return nil }
        return try database.withValue(for: key, in: txn) { Array($0) }
    }

    /// How many entries `table` holds (0 for a table this state does not have).
    package func count(_ table: String) throws -> Int {
        try databases[table]?.count(in: txn) ?? 0
    }

    /// The last `limit` entries of `table` (those with the greatest keys), newest first.
    package func last<T: Decodable>(_ type: T.Type, in table: String, limit: Int) throws -> [(key: String, value: T)] {
        guard let database = databases[table], limit > 0 else { return [] }
        var result = [(key: String, value: T)]()
        let decoder = JSONDecoder()
        try database.scanBackward(in: txn) { key, value in
            result.append((String(decoding: key, as: UTF8.self), try decoder.decode(T.self, from: Data(value))))
            return result.count < limit
        }
        return result
    }

    /// Every entry of `table` in key order, as raw stored bytes (JSON), until `body` returns `false`.
    package func scan(_ table: String, _ body: (String, UnsafeRawBufferPointer) throws -> Bool) throws {
        try databases[table]?.scan(in: txn) { key, value in try body(String(decoding: key, as: UTF8.self), value) }
    }

    /// Up to `limit` entries of `table` whose keys start with `prefix`, from the first key after `after`.
    package func list<T: Decodable>(
        _ type: T.Type, in table: String, prefix: String = "", after: String? = nil, limit: Int
    ) throws -> [(key: String, value: T)] {
        guard let database = databases[table] else { return [] }
        var result = [(key: String, value: T)]()
        let decoder = JSONDecoder()
        try database.scan(from: after.map { $0 + "\u{0}" } ?? prefix, in: txn) { key, value in
            let key = String(decoding: key, as: UTF8.self)
            guard key.hasPrefix(prefix), result.count < limit else { return false }
            result.append((key, try decoder.decode(T.self, from: Data(value))))
            return true
        }
        return result
    }

    /// SHA-256 over every table in name and key order (each table's name, then each key and value with its
    /// length): equal digests mean equal state.
    package func digest() throws -> String {
        var hasher = SHA256()
        for table in databases.keys.sorted() {
            hasher.update(data: Array(table.utf8) + [0])
            try databases[table]!.scan(in: txn) { key, value in
                withUnsafeBytes(of: UInt32(key.count).bigEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(bufferPointer: key)
                withUnsafeBytes(of: UInt32(value.count).bigEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(bufferPointer: value)
                return true
            }
        }
        return Hex.encode(hasher.finalize())
    }
}
