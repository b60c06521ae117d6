internal import CLMDB
import Foundation
import Logging

/// An LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// Transactions are synchronous closures: ``read(_:)`` and ``write(_:)``. A write commits when its closure
/// returns and aborts when it throws. The environment is opened with `MDB_NOTLS`, so read transactions are not
/// tied to a thread. When a write finds the map full it grows the map and runs the closure again, so a write
/// closure must not have effects outside its transaction until it returns.
package final class Environment: @unchecked Sendable {
    /// How an environment is opened.
    package struct Configuration: Sendable {
        /// Initial size of the memory map in bytes; it grows when full. Default 64 MiB.
        package var mapSize: Int = 64 << 20
        /// Largest step by which a full map grows; below it, the map doubles. Default 1 GiB.
        package var maxGrowthStep: Int = 1 << 30
        /// How many named databases may be opened. Default 32.
        package var maxDatabases: UInt32 = 32
        /// How many concurrent readers, across processes. Default 126.
        package var maxReaders: UInt32 = 126
        /// Whether each commit is flushed to disk (`fsync`). Default `true`; `false` adds `MDB_NOSYNC`,
        /// which suits only disposable state.
        package var durable: Bool = true
        /// Whether the meta page is flushed at each commit too. Default `true`; `false` adds `MDB_NOMETASYNC`:
        /// one flush per commit instead of two, the database stays intact, and a system crash may undo the last
        /// commit. Suits state that is rebuilt from elsewhere.
        package var metaSync: Bool = true

        /// The defaults.
        package init() {}
    }

    let env: OpaquePointer
    let path: String
    let configuration: Configuration
    let lock = ReadWriteLock()
    /// LMDB lets one transaction at a time in a process open database handles, from its start to its end.
    let handleLock = NSLock()
    private let logger: Logger
    private var isClosed = false

    /// Opens (creating if needed) the environment in the directory `path`, and clears reader slots left by
    /// processes that died.
    package init(path: String, configuration: Configuration = .init(), logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: EINVAL, operation: "mdb_env_create") }
        do {
            try lmdbCheck(mdb_env_set_maxdbs(env, MDB_dbi(configuration.maxDatabases)), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_maxreaders(env, configuration.maxReaders), "mdb_env_set_maxreaders")
            try lmdbCheck(mdb_env_set_mapsize(env, configuration.mapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if !configuration.durable { flags |= UInt32(MDB_NOSYNC) }
            if !configuration.metaSync { flags |= UInt32(MDB_NOMETASYNC) }
            try lmdbCheck(mdb_env_open(env, path, flags, 0o644), "mdb_env_open \(path)")
            var dead: Int32 = 0
            try lmdbCheck(mdb_reader_check(env, &dead), "mdb_reader_check")
            if dead > 0 {
                logger.notice("cleared stale reader slots", metadata: ["path": "\(path)", "count": "\(dead)"])
            }
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.env = env
        self.path = path
        self.configuration = configuration
        self.logger = logger
    }

    deinit { close() }

    /// Closes the environment. No transaction may be open; later calls throw `EINVAL`.
    package func close() {
        lock.withExclusive {
            if !isClosed {
                isClosed = true
                mdb_env_close(env)
            }
        }
    }

    /// Runs `body` in a read-only snapshot.
    package func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        try readOnly(commit: false, body)
    }

    /// Runs `body` in a read-only transaction that is committed, not aborted, so that database handles it opens
    /// stay open.
    func readCommitted<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        try readOnly(commit: true, body)
    }

    private func readOnly<R>(commit: Bool, _ body: (ReadTransaction) throws -> R) throws -> R {
        while true {
            let attempt: R? = try lock.withShared {
                guard !isClosed else { throw LMDBError(code: EINVAL, operation: "read on a closed environment") }
                guard let txn = try begin(flags: UInt32(MDB_RDONLY)) else { return nil }
                let result: R
                do {
                    result = try body(ReadTransaction(handle: TransactionHandle(pointer: txn)))
                } catch {
                    mdb_txn_abort(txn)
                    throw error
                }
                if commit {
                    try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
                } else {
                    mdb_txn_abort(txn)
                }
                return .some(result)
            }
            if let attempt { return attempt }
            try adoptResizedMap()
        }
    }

    /// Runs `body` in a write transaction: commits when it returns, aborts when it throws.
    ///
    /// If the map fills up, the transaction is aborted, the map grows, and `body` runs again.
    package func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        while true {
            do {
                let attempt: R? = try lock.withShared {
                    guard !isClosed else { throw LMDBError(code: EINVAL, operation: "write on a closed environment") }
                    guard let txn = try begin(flags: 0) else { return nil }
                    let result: R
                    do {
                        result = try body(WriteTransaction(handle: TransactionHandle(pointer: txn)))
                    } catch {
                        mdb_txn_abort(txn)
                        throw error
                    }
                    // mdb_txn_commit frees the transaction whether or not it succeeds.
                    try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
                    return .some(result)
                }
                if let attempt { return attempt }
                try adoptResizedMap()
            } catch let error as LMDBError where error.isMapFull {
                try grow()
            }
        }
    }

    /// Begins a transaction; `nil` when another process grew the map and this one must adopt the new size.
    private func begin(flags: UInt32) throws -> OpaquePointer? {
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(env, nil, flags, &txn)
        if rc == MDB_MAP_RESIZED { return nil }
        try lmdbCheck(rc, "mdb_txn_begin")
        return txn
    }

    private func adoptResizedMap() throws {
        try lock.withExclusive {
            try lmdbCheck(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize")
        }
    }

    /// Grows the map: doubles it, by at most ``Configuration/maxGrowthStep``.
    func grow() throws {
        try lock.withExclusive {
            var info = MDB_envinfo()
            try lmdbCheck(mdb_env_info(env, &info), "mdb_env_info")
            let current = info.me_mapsize
            let newSize = current + min(current, configuration.maxGrowthStep)
            try lmdbCheck(mdb_env_set_mapsize(env, newSize), "mdb_env_set_mapsize")
            logger.info(
                "grew the memory map",
                metadata: [
                    "path": "\(path)", "from_bytes": "\(current)", "to_bytes": "\(newSize)",
                ])
        }
    }
}
