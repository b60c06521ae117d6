import EventLog
import Foundation
import WebhookAuth

/// The sources defined through the admin API, as the `config.source.*` events left them: each by name with its
/// revision (the position of its last change; a deleted one stays as a tombstone, so that a source made again starts
/// from it), and each path with the source it belongs to. The configuration in force at any position is this
/// projection as of that position (`replay as-of --projection sources`).
package struct SourcesProjection: Projection {
    package let name = "sources"
    package let version = 1
    package let tables = ["sources", "paths"]

    /// Creates the projection.
    package init() {}

    /// A source as it stands: its spec (`nil` once deleted) and its revision.
    package struct Record: Codable, Sendable, Equatable {
        package var spec: SourceSpec?
        package var revision: UInt64
        /// The kind of its last change: `created`, `updated` or `deleted`.
        package var change: String
    }

    package func decode(_ event: Event) throws -> SourceChange? {
        guard SourceChange.types.contains(event.type) else { return nil }
        return try JSONPayload.decode(SourceChange.self, from: event.payload)
    }

    package func apply(_ change: SourceChange, event: EventInfo, to state: ProjectionState) throws {
        try ProjectionState.checkKey(change.name, in: "sources")
        for path in change.spec?.paths ?? [] { try ProjectionState.checkKey(path, in: "paths") }
        let old = try state.get(Record.self, change.name, in: "sources")
        for path in old?.spec?.paths ?? [] where try state.get(String.self, path, in: "paths") == change.name {
            try state.delete(path, in: "paths")
        }
        for path in change.spec?.paths ?? [] { try state.put(change.name, path, in: "paths") }
        let kind = String(event.type.dropFirst("config.source.".count))
        try state.put(Record(spec: change.spec, revision: event.position, change: kind), change.name, in: "sources")
    }
}
