internal import CLMDB

extension Database {
    /// Visits entries in key order, starting at the first key at or after `start` (the first key when `nil` or empty),
    /// until `body` returns `false`. The bytes are valid only during each call.
    public func scan(
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

    /// The entry with the greatest key, or `nil` when the database is empty.
    public func last(in txn: some Transaction) throws -> (key: Key, value: Value)? {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(txn.handle.pointer, dbi, &cursor), "mdb_cursor_open \(name)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        guard try lmdbCheck(mdb_cursor_get(cursor, &k, &v, MDB_LAST), "mdb_cursor_get \(name)") else { return nil }
        return (try Key(storedBytes: k.bytes), try Value(storedBytes: v.bytes))
    }
}
