import EventLog

/// One set of a projection's tables: a version, and a generation (0 or 1) that tells two builds of the same
/// version apart, so that a rebuild can fill one while readers use the other.
///
/// Its id names its tables and keys in the views environment: `payments@2` for generation 0, `payments@2.1`
/// for generation 1; a table is `<id>/<table>`.
package struct ProjectionSlot: Hashable, Sendable, CustomStringConvertible {
    /// The projection's name.
    package let name: String
    /// The version of the code that fills it.
    package let version: Int
    /// 0 or 1.
    package let generation: Int

    init(name: String, version: Int, generation: Int) {
        self.name = name
        self.version = version
        self.generation = generation
    }

    /// Parses an id such as `payments@2.1`.
    init?(id: String) {
        guard let at = id.lastIndex(of: "@") else { return nil }
        let suffix = id[id.index(after: at)...].split(separator: ".", omittingEmptySubsequences: false)
        guard !id[..<at].isEmpty, let version = Int(suffix[0]), suffix.count <= 2 else { return nil }
        let generation = suffix.count == 2 ? Int(suffix[1]) : 0
        guard let generation, generation == 0 || generation == 1 else { return nil }
        self.init(name: String(id[..<at]), version: version, generation: generation)
    }

    /// The id: `<name>@<version>`, with `.1` for generation 1.
    package var id: String { generation == 0 ? "\(name)@\(version)" : "\(name)@\(version).1" }

    package var description: String { id }

    /// The slot a new build of `version` goes to, given the live one.
    static func next(name: String, version: Int, live: ProjectionSlot?) -> ProjectionSlot {
        guard let live, live.version == version else {
            return ProjectionSlot(name: name, version: version, generation: 0)
        }
        return ProjectionSlot(name: name, version: version, generation: 1 - live.generation)
    }

    func table(_ table: String) -> String { "\(id)/\(table)" }
    var checkpointKey: String { "checkpoint:\(id)" }
    var tablesKey: String { "tables:\(id)" }
}

/// Who is building a slot, and until when the claim holds without being renewed.
struct BuildClaim: Equatable {
    let slot: ProjectionSlot
    let owner: String
    let renewedAt: Timestamp

    /// How long a claim holds without a commit that renews it.
    static let lease: Int64 = 30_000_000_000

    func isActive(now: Timestamp = .now()) -> Bool {
        now.nanosecondsSinceEpoch - renewedAt.nanosecondsSinceEpoch < Self.lease
    }

    var stored: [UInt8] { Array("\(slot.id) \(renewedAt.nanosecondsSinceEpoch) \(owner)".utf8) }

    init(slot: ProjectionSlot, owner: String, renewedAt: Timestamp = .now()) {
        self.slot = slot
        self.owner = owner
        self.renewedAt = renewedAt
    }

    init?(stored: UnsafeRawBufferPointer) {
        let parts = String(decoding: stored, as: UTF8.self).split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count == 3, let slot = ProjectionSlot(id: parts[0]), let nanos = Int64(parts[1]) else { return nil }
        self.init(slot: slot, owner: parts[2], renewedAt: Timestamp(nanosecondsSinceEpoch: nanos))
    }
}
