import Foundation

/// Decodes an event's JSON payload with Foundation's `JSONDecoder`: its results and its errors.
package enum JSONPayload {
    /// Decodes a `T` from `bytes`.
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
