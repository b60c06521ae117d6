internal import CLMDB

/// How much of an environment's map is used.
package struct EnvironmentUsage: Sendable, Equatable {
    /// Size of the memory map, in bytes.
    package var mapSizeBytes: Int
    /// Bytes up to the last page in use.
    package var usedBytes: Int
    /// The page size.
    package var pageSize: Int

    /// Creates a usage report.
    package init(mapSizeBytes: Int, usedBytes: Int, pageSize: Int) {
        self.mapSizeBytes = mapSizeBytes
        self.usedBytes = usedBytes
        self.pageSize = pageSize
    }
}

extension Environment {
    /// The map's size and how much of it is in use.
    package func usage() throws -> EnvironmentUsage {
        try read { _ in
            var info = MDB_envinfo()
            var stat = MDB_stat()
            try lmdbCheck(mdb_env_info(env, &info), "mdb_env_info")
            try lmdbCheck(mdb_env_stat(env, &stat), "mdb_env_stat")
            let pageSize = Int(stat.ms_psize)
            return EnvironmentUsage(
                mapSizeBytes: info.me_mapsize,
                usedBytes: (Int(info.me_last_pgno) + 1) * pageSize,
                pageSize: pageSize
            )
        }
    }

    /// Writes a compacted copy of the environment into the existing empty directory `directory`, while
    /// readers and the writer go on (`mdb_env_copy2` with `MDB_CP_COMPACT`).
    package func copy(to directory: String) throws {
        try lock.withShared {
            try lmdbCheck(mdb_env_copy2(env, directory, UInt32(MDB_CP_COMPACT)), "mdb_env_copy2 \(directory)")
        }
    }
}
