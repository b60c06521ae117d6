internal import CNATS
import Foundation

/// A JetStream key-value bucket holding one lease key: created only if absent (`kvStore_Create`), renewed only
/// from the revision its holder last wrote (`kvStore_Update`), and gone `ttl` after its last write (the bucket's
/// TTL), so that a dead holder's lease ends by itself. Blocking calls, for the lease's own thread.
final class LeaseBucket: @unchecked Sendable {
    private let store: OpaquePointer
    static let key = "holder"

    init(connection: JetStreamConnection, bucket: String, ttl: Duration, replicas: Int) throws(NATSError) {
        var config = kvConfig()
        kvConfig_Init(&config)
        let name = strdup(bucket)
        defer { free(name) }
        config.Bucket = UnsafePointer(name)
        config.History = 1
        // libnats 3.4 passes the TTL to the stream's max age as it is: nanoseconds.
        config.TTL = ttl.components.seconds * 1_000_000_000 + ttl.components.attoseconds / 1_000_000_000
        config.Replicas = Int32(replicas)
        config.StorageType = js_FileStorage
        var store: OpaquePointer?
        // Bind to the bucket, or create it (another node may create it at the same time: bind again then).
        var status = connection.withContext { js_KeyValue(&store, $0, bucket) }
        if status != NATS_OK {
            status = connection.withContext { js_CreateKeyValue(&store, $0, &config) }
            if status != NATS_OK {
                let created = status
                status = connection.withContext { js_KeyValue(&store, $0, bucket) }
                if status != NATS_OK { status = created }
            }
        }
        try natsCheck(status, "opening the lease bucket \(bucket)")
        self.store = store!
    }

    /// Takes the lease for `holder` if nobody holds it; returns the revision written, or `nil` when it is held.
    func acquire(_ holder: String) throws(NATSError) -> UInt64? {
        var revision: UInt64 = 0
        // NATS_ERR: the key exists, someone holds it.
        let status = try natsCheck(
            kvStore_CreateString(&revision, store, Self.key, holder), "taking the lease", expected: [NATS_ERR])
        return status == NATS_OK ? revision : nil
    }

    /// Renews the lease written at `revision`; `nil` when someone else wrote it since (the lease was lost).
    func renew(_ holder: String, from revision: UInt64) throws(NATSError) -> UInt64? {
        var next: UInt64 = 0
        // NATS_ERR: the key was written since `revision`, the lease was lost.
        let status = try natsCheck(
            kvStore_UpdateString(&next, store, Self.key, holder, revision), "renewing the lease", expected: [NATS_ERR])
        return status == NATS_OK ? next : nil
    }

    /// Who holds the lease, as its holder wrote it; `nil` when nobody does.
    func holder() throws(NATSError) -> String? {
        var entry: OpaquePointer?
        let status = try natsCheck(
            kvStore_Get(&entry, store, Self.key), "reading the lease", expected: [NATS_NOT_FOUND])
        if status == NATS_NOT_FOUND { return nil }
        defer { kvEntry_Destroy(entry) }
        return kvEntry_ValueString(entry).map { String(cString: $0) }
    }

    deinit { kvStore_Destroy(store) }
}
