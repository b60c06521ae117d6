/// A 32-byte SHA-256 digest that links one record to the next.
public struct EventHash: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The hash before the first record: 32 zero bytes.
    public static let zero = EventHash(bytes: [UInt8](repeating: 0, count: 32))

    /// Wraps 32 bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "an event hash has 32 bytes")
        self.bytes = bytes
    }

    /// Parses 64 hexadecimal digits; `nil` if `hex` is not that.
    public init?(hex: String) {
        guard let bytes = Hex.decode(Array(hex.utf8)), bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Lowercase hexadecimal.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
