internal import CLMDB
import Glibc

/// An error returned by LMDB, with the operation that failed.
package struct LMDBError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The LMDB or `errno` return code.
    package let code: Int32
    /// What was being done, such as `mdb_txn_commit`.
    package let operation: String
    /// LMDB's own description of `code`.
    package var message: String { String(cString: mdb_strerror(code)) }

    /// The map is full; the environment must grow before the write is tried again.
    package var isMapFull: Bool { code == MDB_MAP_FULL }
    /// The disk has no space left, or the write failed at the device.
    package var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT || code == EIO || code == EFBIG }
    /// The database file is damaged.
    package var isCorrupted: Bool {
        code == MDB_CORRUPTED || code == MDB_PAGE_NOTFOUND || code == MDB_PANIC || code == MDB_INVALID
    }

    package var description: String { "\(operation): \(message) (\(code))" }
}

/// The one place where an LMDB return code becomes a Swift error.
///
/// `MDB_SUCCESS` returns `true`; `MDB_NOTFOUND` returns `false` so that callers can map it to `nil`;
/// every other code throws ``LMDBError``.
@discardableResult
@inline(__always)
func lmdbCheck(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) -> Bool {
    if rc == MDB_SUCCESS { return true }
    if rc == MDB_NOTFOUND { return false }
    throw LMDBError(code: rc, operation: operation())
}
