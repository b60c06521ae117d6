/// A value that is stored in LMDB as bytes.
///
/// Keys sort by their bytes, so integer keys are big-endian.
package protocol ByteCodable {
    /// Calls `body` with the stored form of the value.
    func withStoredBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    /// Decodes a value from its stored form; the bytes are valid only during the call.
    init(storedBytes: UnsafeRawBufferPointer) throws
}

extension ByteCodable {
    /// The stored form as an array.
    package var storedBytes: [UInt8] { withStoredBytes { Array($0) } }
}

/// A stored value that could not be decoded.
package struct ByteDecodingError: Error, Sendable, CustomStringConvertible {
    /// What was expected.
    package let message: String
    /// Creates the error.
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension UInt64: ByteCodable {
    package func withStoredBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bigEndian = self.bigEndian
        return try withUnsafeBytes(of: &bigEndian, body)
    }

    package init(storedBytes: UnsafeRawBufferPointer) throws {
        guard storedBytes.count == 8 else { throw ByteDecodingError("expected 8 bytes, found \(storedBytes.count)") }
        var value: UInt64 = 0
        for byte in storedBytes { value = value << 8 | UInt64(byte) }
        self = value
    }
}

extension String: ByteCodable {
    package func withStoredBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    package init(storedBytes: UnsafeRawBufferPointer) throws {
        self = String(decoding: storedBytes, as: UTF8.self)
    }
}

extension Array: ByteCodable where Element == UInt8 {
    package func withStoredBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }

    package init(storedBytes: UnsafeRawBufferPointer) throws {
        self = Array(storedBytes)
    }
}
