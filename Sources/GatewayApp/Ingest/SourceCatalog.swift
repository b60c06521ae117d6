import EventLog
import Foundation
import Projections
import Synchronization
import WebhookAuth

/// The sources defined through the admin API, as this gateway's `sources` projection has them: a path's source, with
/// its valid secrets read from the ``SecretStore``. Every gateway follows the log, so a change applies on each as
/// soon as its projection has it, with no restart. A source is built once per revision and kept until a secret of it
/// expires.
final class SourceCatalog: Sendable {
    let views: ProjectionStore
    let secrets: SecretStore
    /// The gateway's clock, for which secrets are still valid.
    let clock: @Sendable () -> Timestamp
    private let built = Mutex<[String: (revision: UInt64, validUntil: Int64, source: WebhookSource)]>([:])

    init(views: ProjectionStore, secrets: SecretStore, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.views = views
        self.secrets = secrets
        self.clock = clock
    }

    /// The source that serves `path` now, or `nil`.
    func source(at path: String) throws -> WebhookSource? {
        let now = clock().seconds
        guard !path.isEmpty, path.utf8.count <= ProjectionState.maxKeyBytes else { return nil }
        let found = try views.read("sources") { reader -> (String, SourcesProjection.Record)? in
            guard let name = try reader.get(String.self, path, in: "paths"),
                let record = try reader.get(SourcesProjection.Record.self, name, in: "sources")
            else { return nil }
            return (name, record)
        }
        guard let (name, record) = found ?? nil, let spec = record.spec else { return nil }
        if let cached = built.withLock({ $0[name] }), cached.revision == record.revision, now < cached.validUntil {
            return cached.source
        }
        let valid = spec.secrets.filter { $0.isValid(at: now) }
        let source = WebhookSource.defined(spec.definition(secrets: valid.compactMap { secrets.secret($0.id) }))
        let validUntil = valid.compactMap(\.notAfter).min() ?? .max
        built.withLock { $0[name] = (record.revision, validUntil, source) }
        return source
    }

    /// The source named `name` as recorded, or `nil`.
    func record(_ name: String) throws -> SourcesProjection.Record? {
        guard !name.isEmpty, name.utf8.count <= ProjectionState.maxKeyBytes else { return nil }
        return try views.read("sources") { try $0.get(SourcesProjection.Record.self, name, in: "sources") } ?? nil
    }

    /// Every source defined through the API and not deleted, by name.
    func all() throws -> [SourcesProjection.Record] {
        (try views.read("sources") { try $0.list(SourcesProjection.Record.self, in: "sources", limit: 10_000) } ?? [])
            .map(\.value).filter { $0.spec != nil }
    }
}
