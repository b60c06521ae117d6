/// How much room a log's storage uses and has: for `/health` and `/metrics`, whatever the backend.
package struct StorageUsage: Sendable, Equatable {
    /// Bytes in use.
    package var usedBytes: Int
    /// Bytes the storage may grow to before appends fail (LMDB: the map size).
    package var capacityBytes: Int

    /// Creates a usage report.
    package init(usedBytes: Int, capacityBytes: Int) {
        self.usedBytes = usedBytes
        self.capacityBytes = capacityBytes
    }
}
