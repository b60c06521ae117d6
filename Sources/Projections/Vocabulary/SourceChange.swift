import WebhookAuth

/// A change to the sources defined through the admin API, appended as `config.source.created`, `.updated` or
/// `.deleted`: the source as it is after the change (secrets by id only), or the name of the one deleted. Each is
/// appended under ``logKey(name:base:)``, so that only one change can be made from a given revision, on any gateway.
package struct SourceChange: Codable, Sendable, Equatable {
    package static let created = "config.source.created"
    package static let updated = "config.source.updated"
    package static let deleted = "config.source.deleted"
    package static let types: Set<String> = [created, updated, deleted]

    package var name: String
    /// The source after the change; `nil` for a deletion.
    package var spec: SourceSpec?

    package init(name: String, spec: SourceSpec?) { (self.name, self.spec) = (name, spec) }

    /// The log key of a change to `name` made from revision `base` (the position of its last change, 0 for none).
    package static func logKey(name: String, base: UInt64) -> String { "config.source:\(name):\(base)" }
}
