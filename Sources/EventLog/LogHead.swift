/// The last record of the log.
package struct LogHead: Sendable, Equatable {
    /// Position of the last record; 0 when the log is empty.
    package var position: UInt64
    /// Hash of the last record; all zeros when the log is empty.
    package var hash: EventHash

    /// The head of an empty log.
    package static let empty = LogHead(position: 0, hash: .zero)

    /// Creates a head value.
    package init(position: UInt64, hash: EventHash) {
        self.position = position
        self.hash = hash
    }
}
