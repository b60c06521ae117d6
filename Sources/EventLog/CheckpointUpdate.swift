/// A named reader's progress, committed together with an append.
package struct CheckpointUpdate: Sendable, Equatable {
    /// The reader's name, such as `reactor.lark`.
    package var name: String
    /// The last position it has handled.
    package var position: UInt64

    /// Creates a checkpoint update.
    package init(name: String, position: UInt64) {
        self.name = name
        self.position = position
    }
}
