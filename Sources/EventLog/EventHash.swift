/// A 32-byte SHA-256 digest that links one record to the next.
///
/// Its bytes are kept inline, not in an array: an ``Event`` holds two of them, and events are read and passed
/// around in great numbers, so a hash costs neither an allocation when read nor a reference count when copied.
package struct EventHash: Sendable, Hashable, CustomStringConvertible {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The 32 bytes.
    package var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The hash before the first record: 32 zero bytes.
    package static let zero = EventHash()

    private init() {}

    /// Wraps 32 bytes.
    package init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "an event hash has 32 bytes")
        withUnsafeMutableBytes(of: &words) { words in bytes.withUnsafeBytes { words.copyMemory(from: $0) } }
    }

    /// Copies 32 bytes from `raw`, which must hold exactly that many.
    package init(copying raw: UnsafeRawBufferPointer) {
        precondition(raw.count == 32, "an event hash has 32 bytes")
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
    }

    /// Parses 64 hexadecimal digits; `nil` if `hex` is not that.
    package init?(hex: String) {
        guard let bytes = Hex.decode(Array(hex.utf8)), bytes.count == 32 else { return nil }
        self.init(bytes: bytes)
    }

    /// Calls `body` with the 32 bytes.
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// Lowercase hexadecimal.
    package var hex: String { Hex.encode(bytes) }

    package var description: String { hex }

    package static func == (lhs: EventHash, rhs: EventHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    package func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
