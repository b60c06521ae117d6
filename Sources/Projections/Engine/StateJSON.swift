import Foundation

/// How projection state is stored: JSON with sorted keys and unescaped slashes, the bytes Foundation's `JSONEncoder`
/// gives with `[.sortedKeys, .withoutEscapingSlashes]` (``referenceEncoder()``), so that a rebuild gives
/// byte-identical state.
///
/// Each record type has one way in and one way out:
/// - out: a ``StateJSONWritable`` record writes itself (``Writer``); any other record goes through the reference
///   encoder;
/// - in: a ``StateJSONReadable`` record scans itself; any other record, and a stored shape the scan does not cover
///   (bytes no writer of ours wrote), goes through `JSONDecoder`, which then also gives the error.
///
/// The hand-written paths are for the records a catch-up writes and reads most; tests compare each of them with
/// Foundation's, byte for byte and value for value. A new field on a hand-written record needs its line in
/// `write(to:)` (and in the scan) and a value in the test's samples, which fail until both agree with Foundation.
enum StateJSON {
    /// The encoder whose bytes are the stored format: sorted keys, slashes as they are.
    static func referenceEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Decodes a stored `T`: by its own scan when it is ``StateJSONReadable`` and the scan covers the bytes, else by
    /// `decoder`.
    static func decode<T: Decodable>(
        _ type: T.Type, from bytes: UnsafeRawBufferPointer, with decoder: @autoclosure () -> JSONDecoder
    ) throws -> T {
        if let readable = T.self as? any StateJSONReadable.Type, let scanned = readable.scanned(bytes, as: T.self) {
            return scanned
        }
        return try decoder().decode(T.self, from: Data(bytes))
    }
}
