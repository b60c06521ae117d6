import Foundation

/// Any JSON value, as `JSONDecoder` reads it: what the scanner accepts must decode as one.
enum AnyJSON: Decodable, Sendable, Equatable {
    case string(String), integer(Int64), number, bool(Bool), null, array, object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members = [String: AnyJSON]()
            for key in object.allKeys where members[key.stringValue] == nil {
                members[key.stringValue] = try object.decode(AnyJSON.self, forKey: key)
            }
            self = .object(members)
            return
        }
        if (try? decoder.unkeyedContainer()) != nil {
            self = .array
            return
        }
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
        } else if let bool = try? value.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? value.decode(Int64.self) {
            self = .integer(integer)
        } else if let text = try? value.decode(String.self) {
            self = .string(text)
        } else {
            self = .number
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
