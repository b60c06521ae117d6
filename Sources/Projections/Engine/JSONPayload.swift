import Foundation

/// Decodes JSON payloads as `JSONDecoder` does, with the same results and errors, but faster for the usual shapes:
/// objects, arrays, strings, integers and booleans go through ``StateJSON``'s decoder; anything else (a
/// floating-point number, a surrogate pair, bad JSON, a missing key) goes to `JSONDecoder`.
public enum JSONPayload {
    /// Decodes a `T` from `bytes`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { try StateJSON.decode(type, from: $0, fallback: JSONDecoder()) }
    }
}
