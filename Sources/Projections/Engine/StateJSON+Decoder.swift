import Foundation

extension StateJSON {
    /// Decodes a stored record: the value `JSONDecoder` would give, without its cost; a
    /// ``StateJSONReadable`` record by scanning for its members, when it can. Anything this decoder
    /// does not read the way `JSONDecoder` does (floating-point numbers, dates, bad JSON, a missing key, a type that
    /// does not match) is decoded by `fallback` instead (made only then), which so also gives the error, if any.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer, fallback: @autoclosure () -> JSONDecoder) throws -> T {
        let decoded: T
        if let readable = T.self as? any StateJSONReadable.Type, let scanned = readable.scanned(bytes, as: T.self) {
            decoded = scanned
        } else {
            do {
                decoded = try value(T.self, from: try parse(bytes))
            } catch is Unsupported {
                return try fallback().decode(T.self, from: Data(bytes))
            }
        }
        assert(agrees(decoded, with: try? fallback().decode(T.self, from: Data(bytes))), "StateJSON and JSONDecoder disagree on a \(T.self)")
        return decoded
    }

    /// Whether two decoded values encode alike (a check of debug builds; values that cannot be encoded pass).
    private static func agrees<T>(_ value: T, with other: T?) -> Bool {
        guard let value = value as? any Encodable else { return true }
        guard let other = other as? any Encodable else { return false }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(value)) == (try? encoder.encode(other))
    }

    /// `value` as a `T`, or throws ``Unsupported``.
    static func value<T: Decodable>(_ type: T.Type, from value: Value) throws -> T {
        // Compared by type rather than cast, which costs more.
        if T.self == String.self || T.self == Int.self || T.self == Int64.self || T.self == UInt64.self || T.self == Bool.self {
            return try SingleReader(value: value).decode(type)
        }
        if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self || T.self == Double.self || T.self == Float.self {
            throw Unsupported()
        }
        return try T(from: ValueDecoder(value: value))
    }

    /// `value` as an integer of type `I`, if it is one that fits.
    static func integer<I: FixedWidthInteger>(_ value: Value) throws -> I {
        switch value {
        case .int(let int): if let exact = I(exactly: int) { return exact }
        case .uint(let uint): if let exact = I(exactly: uint) { return exact }
        default: break
        }
        throw Unsupported()
    }

    struct ValueDecoder: Decoder {
        let value: Value
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let members) = value else { throw Unsupported() }
            return KeyedDecodingContainer(KeyedReader<Key>(members: members))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let items) = value else { throw Unsupported() }
            return UnkeyedReader(items: items)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(value: value) }
    }

    struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(key: String, value: Value)]
        /// Member index by key, for large objects (a dictionary's); the first of a repeated key, as `JSONDecoder`.
        private let index: [String: Int]?
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

        init(members: [(key: String, value: Value)]) {
            self.members = members
            index =
                members.count > 12
                ? Dictionary(members.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { first, _ in first }) : nil
        }

        private func find(_ key: Key) -> Value? {
            let name = key.stringValue
            if let index { return index[name].map { members[$0].value } }
            return members.first { $0.key == name }?.value
        }

        private func value(_ key: Key) throws -> Value {
            guard let value = find(key) else { throw Unsupported() }
            return value
        }

        func contains(_ key: Key) -> Bool { find(key) != nil }
        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try value(key) { return true }
            return false
        }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try StateJSON.value(type, from: try value(key)) }
        // An absent key and `null` are both `nil`, as with JSONDecoder; one look-up instead of the three of the
        // protocol's default (`contains`, `decodeNil`, `decode`).
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = find(key) else { return nil }
            if case .null = value { return nil }
            return try StateJSON.value(type, from: value)
        }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key).map { try SingleReader(value: $0).decode(type) } }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key).map { try SingleReader(value: $0).decode(type) } }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key).map { try integer($0) } }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(key).map { try integer($0) } }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(key).map { try integer($0) } }

        /// The value at `key` unless it is absent or `null`.
        private func present(_ key: Key) -> Value? {
            guard let value = find(key) else { return nil }
            if case .null = value { return nil }
            return value
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try SingleReader(value: value(key)).decode(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try SingleReader(value: value(key)).decode(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(value(key)) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(value(key)) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(value(key)) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(value(key)) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(value(key)) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(value(key)) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(value(key)) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(value(key)) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(value(key)) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(value(key)) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { throw Unsupported() }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw Unsupported() }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try ValueDecoder(value: value(key)).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try ValueDecoder(value: value(key)).unkeyedContainer() }
        func superDecoder() throws -> any Decoder { throw Unsupported() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Unsupported() }
    }

    struct UnkeyedReader: UnkeyedDecodingContainer {
        let items: [Value]
        var codingPath: [any CodingKey] { [] }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }
        private(set) var currentIndex = 0

        init(items: [Value]) { self.items = items }

        private mutating func next() throws -> Value {
            guard !isAtEnd else { throw Unsupported() }
            defer { currentIndex += 1 }
            return items[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw Unsupported() }
            guard case .null = items[currentIndex] else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try StateJSON.value(type, from: try next()) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try ValueDecoder(value: next()).container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try ValueDecoder(value: next()).unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { throw Unsupported() }
    }

    struct SingleReader: SingleValueDecodingContainer {
        let value: Value
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool {
            if case .null = value { return true }
            return false
        }
        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let bool) = value else { throw Unsupported() }
            return bool
        }
        func decode(_ type: String.Type) throws -> String {
            guard case .string(let string) = value else { throw Unsupported() }
            return string
        }
        func decode(_ type: Double.Type) throws -> Double { throw Unsupported() }
        func decode(_ type: Float.Type) throws -> Float { throw Unsupported() }
        func decode(_ type: Int.Type) throws -> Int { try integer(value) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(value) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(value) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(value) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(value) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(value) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(value) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(value) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(value) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(value) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if T.self == String.self { return unsafeBitCast(try decode(String.self), to: T.self) }
            if T.self == Int.self { return unsafeBitCast(try decode(Int.self), to: T.self) }
            if T.self == Int64.self { return unsafeBitCast(try decode(Int64.self), to: T.self) }
            if T.self == UInt64.self { return unsafeBitCast(try decode(UInt64.self), to: T.self) }
            if T.self == Bool.self { return unsafeBitCast(try decode(Bool.self), to: T.self) }
            return try StateJSON.value(type, from: value)
        }
    }
}
