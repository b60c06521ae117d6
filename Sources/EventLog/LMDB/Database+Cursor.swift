internal import CLMDB

extension Database {
    /// Visits entries in key order, starting at the first key at or after `start` (the first key when `nil` or empty),
    /// until `body` returns `false`. The bytes are valid only during each call.
    package func scan(
        from start: Key? = nil,
        in txn: some Transaction,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(txn.handle.pointer, dbi, &cursor), "mdb_cursor_open \(name)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var found: Bool
        if let start, start.withStoredBytes({ !$0.isEmpty }) {
            found = try start.withStoredBytes { bytes in
                k = MDB_val(bytes: bytes)
                return try lmdbCheck(mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE), "mdb_cursor_get \(name)")
            }
        } else {
            found = try lmdbCheck(mdb_cursor_get(cursor, &k, &v, MDB_FIRST), "mdb_cursor_get \(name)")
        }
        while found {
            guard try body(k.bytes, v.bytes) else { return }
            found = try lmdbCheck(mdb_cursor_get(cursor, &k, &v, MDB_NEXT), "mdb_cursor_get \(name)")
        }
    }

    /// Visits entries in descending key order, from the last key, until `body` returns `false`. The bytes are valid
    /// only during each call.
    package func scanBackward(
        in txn: some Transaction,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try withCursor(in: txn) { step in
            var found = try step(MDB_LAST)
            while let (key, value) = found {
                guard try body(key, value) else { return }
                found = try step(MDB_PREV)
            }
        }
    }

    /// The entry with the greatest key, or `nil` when the database is empty.
    package func last(in txn: some Transaction) throws -> (key: Key, value: Value)? {
        try withCursor(in: txn) { step in
            guard let (key, value) = try step(MDB_LAST) else { return nil }
            return (try Key(storedBytes: key), try Value(storedBytes: value))
        }
    }

    /// Runs `body` with a cursor over this database, as a function that moves it (`MDB_LAST`, `MDB_PREV`, …) and
    /// gives the entry it lands on, or `nil` past the end; the bytes are valid until the next move.
    private func withCursor<R>(
        in txn: some Transaction,
        _ body: (_ step: (MDB_cursor_op) throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)?) throws -> R
    ) throws -> R {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(txn.handle.pointer, dbi, &cursor), "mdb_cursor_open \(name)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        return try body { operation in
            try lmdbCheck(mdb_cursor_get(cursor, &k, &v, operation), "mdb_cursor_get \(name)")
                ? (k.bytes, v.bytes) : nil
        }
    }
}
