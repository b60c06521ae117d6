internal import CLMDB
import Foundation

/// A named database inside an ``Environment``, with typed keys and values.
///
/// Keys sort by their stored bytes. Handles stay valid for the life of the environment.
package struct Database<Key: ByteCodable, Value: ByteCodable>: Sendable {
    let dbi: MDB_dbi
    /// The database's name.
    package let name: String
}

/// How ``Database/put(_:for:in:mode:)`` treats an existing key.
package enum PutMode: Sendable {
    /// Replace any existing value.
    case upsert
    /// Keep an existing value and report that the key was taken.
    case noOverwrite
    /// The key sorts after every key in the database (`MDB_APPEND`); fastest for sequential keys.
    case append
}

extension Environment {
    /// Opens the named database, creating it when absent, in a write transaction of its own.
    package func database<Key, Value>(
        _ name: String, as: (Key.Type, Value.Type) = (Key.self, Value.self)
    ) throws -> Database<Key, Value> {
        try databases([name], create: true)[0]!
    }

    /// Opens the named databases in a transaction of their own: a write transaction that creates the absent ones
    /// when `create` is set, else a read-only one (no writer needed, so a reader can open what another process
    /// created), with `nil` for an absent one. The handles stay valid for the life of the environment.
    ///
    /// LMDB lets one transaction at a time in a process open handles, from its start to its end; two at once
    /// could hand out the same handle for two names. So these transactions take turns, and no other
    /// transaction opens handles.
    package func databases<Key, Value>(
        _ names: [String], create: Bool, as: (Key.Type, Value.Type) = (Key.self, Value.self)
    ) throws -> [Database<Key, Value>?] {
        try handleLock.withLock {
            if create {
                return try write { txn in try names.map { try openDatabase($0, flags: UInt32(MDB_CREATE), txn: txn) } }
            }
            return try readCommitted { txn in try names.map { try openDatabase($0, flags: 0, txn: txn) } }
        }
    }

    private func openDatabase<Key, Value>(
        _ name: String, flags: UInt32, txn: some Transaction
    ) throws -> Database<Key, Value>? {
        var dbi: MDB_dbi = 0
        guard try lmdbCheck(mdb_dbi_open(txn.handle.pointer, name, flags, &dbi), "mdb_dbi_open \(name)") else {
            return nil
        }
        return Database(dbi: dbi, name: name)
    }
}

extension Database {
    /// The value stored for `key`, or `nil`.
    package func get(_ key: Key, in txn: some Transaction) throws -> Value? {
        try withValue(for: key, in: txn) { try Value(storedBytes: $0) }
    }

    /// Calls `body` with the stored bytes of `key`'s value, without copying them; `nil` if the key is absent.
    package func withValue<R>(
        for key: Key, in txn: some Transaction, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        var data = MDB_val()
        let found = try key.withStoredBytes { keyBytes in
            var k = MDB_val(bytes: keyBytes)
            return try lmdbCheck(mdb_get(txn.handle.pointer, dbi, &k, &data), "mdb_get \(name)")
        }
        guard found else { return nil }
        return try body(data.bytes)
    }

    /// Stores `value` for `key`. Returns `false` only in ``PutMode/noOverwrite`` mode, when the key already exists.
    @discardableResult
    package func put(_ value: Value, for key: Key, in txn: WriteTransaction, mode: PutMode = .upsert) throws -> Bool {
        let flags: UInt32 =
            switch mode {
            case .upsert: 0
            case .noOverwrite: UInt32(MDB_NOOVERWRITE)
            case .append: UInt32(MDB_APPEND)
            }
        return try key.withStoredBytes { keyBytes in
            try value.withStoredBytes { valueBytes in
                var k = MDB_val(bytes: keyBytes)
                var v = MDB_val(bytes: valueBytes)
                let rc = mdb_put(txn.handle.pointer, dbi, &k, &v, flags)
                if rc == MDB_KEYEXIST && mode == .noOverwrite { return false }
                try lmdbCheck(rc, "mdb_put \(name)")
                return true
            }
        }
    }

    /// Removes `key`; `false` if it was absent.
    @discardableResult
    package func delete(_ key: Key, in txn: WriteTransaction) throws -> Bool {
        try key.withStoredBytes { keyBytes in
            var k = MDB_val(bytes: keyBytes)
            return try lmdbCheck(mdb_del(txn.handle.pointer, dbi, &k, nil), "mdb_del \(name)")
        }
    }

    /// Removes every entry, keeping the database.
    package func clear(in txn: WriteTransaction) throws {
        try lmdbCheck(mdb_drop(txn.handle.pointer, dbi, 0), "mdb_drop \(name)")
    }

    /// How many entries the database holds, as `txn` sees it (from LMDB's statistics: no scan).
    package func count(in txn: some Transaction) throws -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(txn.handle.pointer, dbi, &stat), "mdb_stat \(name)")
        return stat.ms_entries
    }

}

extension MDB_val {
    init(bytes: UnsafeRawBufferPointer) {
        self.init(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
    }

    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }
}
