import Crypto
import EventLog
import Foundation
import Logging
import Synchronization

/// The views environment `<data>/views/`: every projection's tables, checkpoint, live version and failure.
///
/// A projection's tables are named `<name>@<version>/<table>`. The `meta` database holds `live:<name>` (the
/// version readers see), `checkpoint:<name>@<version>` (the last applied position, committed with the state)
/// and `failure:<name>@<version>`. Writes run on one dedicated thread.
public final class ProjectionStore: Sendable {
    let env: Environment
    let meta: Database<String, [UInt8]>
    let worker: DedicatedThread
    private let handles = Mutex<[String: Database<String, [UInt8]>]>([:])

    /// Opens (creating) the views environment in `directory`.
    public init(directory: String, logger: Logger) throws {
        var configuration = Environment.Configuration()
        configuration.maxDatabases = 512
        // Views are rebuilt from the log: a system crash may undo the last batch (state and checkpoint together),
        // which the runner then applies again.
        configuration.metaSync = false
        let env = try Environment(path: directory, configuration: configuration, logger: logger)
        self.env = env
        meta = try env.write { txn in try env.database("meta", in: txn) }
        worker = DedicatedThread(name: "switchyard-views-writer")
    }

    /// Stops the writer thread and closes the environment.
    public func close() {
        worker.stop()
        env.close()
    }

    static func tableName(_ name: String, _ version: Int, _ table: String) -> String { "\(name)@\(version)/\(table)" }

    /// Opens (creating) the tables of `projection` at `version`; runs in a write transaction.
    func databases(_ projection: AnyProjection, version: Int, in txn: WriteTransaction) throws -> [String: Database<String, [UInt8]>] {
        var result = [String: Database<String, [UInt8]>]()
        for table in projection.tables {
            let name = Self.tableName(projection.name, version, table)
            if let cached = handles.withLock({ $0[name] }) {
                result[table] = cached
            } else {
                let database: Database<String, [UInt8]> = try env.database(name, in: txn)
                handles.withLock { $0[name] = database }
                result[table] = database
            }
        }
        return result
    }

    /// The version readers see for `name`, or `nil` before its first build.
    public func liveVersion(_ name: String) throws -> Int? {
        try env.read { txn in try liveVersion(name, in: txn) }
    }

    func liveVersion(_ name: String, in txn: some Transaction) throws -> Int? {
        try meta.withValue(for: "live:\(name)", in: txn) { Int(try UInt64(storedBytes: $0)) }
    }

    /// The last position applied to `name` at `version`.
    public func checkpoint(_ name: String, version: Int) throws -> UInt64 {
        try env.read { txn in try checkpoint(name, version: version, in: txn) }
    }

    func checkpoint(_ name: String, version: Int, in txn: some Transaction) throws -> UInt64 {
        try meta.withValue(for: "checkpoint:\(name)@\(version)", in: txn) { try UInt64(storedBytes: $0) } ?? 0
    }

    /// Reads the live state of projection `name`; `nil` when it has no live version yet.
    public func read<R>(_ name: String, _ body: (ProjectionReader) throws -> R) throws -> R? {
        try env.read { txn in
            guard let version = try liveVersion(name, in: txn) else { return nil }
            let prefix = "\(name)@\(version)/"
            let databases = handles.withLock { handles in
                handles.filter { $0.key.hasPrefix(prefix) }.reduce(into: [String: Database<String, [UInt8]>]()) {
                    $0[String($1.key.dropFirst(prefix.count))] = $1.value
                }
            }
            let checkpoint = try checkpoint(name, version: version, in: txn)
            return try body(ProjectionReader(txn: txn, databases: databases, checkpoint: checkpoint, version: version))
        }
    }

    /// SHA-256 over the projection's tables in name and key order: equal digests mean equal state.
    public func digest(_ name: String, tables: [String], version: Int) throws -> String {
        let missing = tables.map { Self.tableName(name, version, $0) }.filter { table in handles.withLock { $0[table] == nil } }
        if !missing.isEmpty {
            try env.write { txn in
                for table in missing {
                    let database: Database<String, [UInt8]> = try env.database(table, in: txn)
                    handles.withLock { $0[table] = database }
                }
            }
        }
        return try env.read { txn in
            var hasher = SHA256()
            for table in tables.sorted() {
                let full = Self.tableName(name, version, table)
                guard let database = handles.withLock({ $0[full] }) else { continue }
                hasher.update(data: Array(table.utf8) + [0])
                try database.scan(in: txn) { key, value in
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
}

/// A projection's live tables inside one read snapshot.
public struct ProjectionReader {
    let txn: ReadTransaction
    let databases: [String: Database<String, [UInt8]>]
    /// The last position applied to this state.
    public let checkpoint: UInt64
    /// The version being read.
    public let version: Int

    /// The value at `key` in `table`, or `nil`.
    public func get<T: Decodable>(_ type: T.Type, _ key: String, in table: String) throws -> T? {
        guard let bytes = try databases[table]?.get(key, in: txn) else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    /// Every entry of `table` in key order, as raw stored bytes (JSON), until `body` returns `false`.
    public func scan(_ table: String, _ body: (String, UnsafeRawBufferPointer) throws -> Bool) throws {
        try databases[table]?.scan(in: txn) { key, value in try body(String(decoding: key, as: UTF8.self), value) }
    }

    /// Up to `limit` entries of `table` whose keys start with `prefix`, from the first key after `after`.
    public func list<T: Decodable>(
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
}
