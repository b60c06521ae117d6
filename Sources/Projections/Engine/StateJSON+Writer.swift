import Foundation

/// A state record that writes its own JSON: the bytes ``StateJSON/referenceEncoder()`` gives for it, without
/// `Encodable`'s containers. Its members must be written in sorted order, as ``StateJSON/Writer`` does not sort them;
/// the tests compare every conforming type with the reference encoder.
protocol StateJSONWritable: Encodable {
    /// Writes the record as one JSON value.
    func write(to writer: inout StateJSON.Writer)
}

extension StateJSONWritable {
    /// How to store a record of `T`, which is `Self`: by ``write(to:)``; `nil` when the record is absent.
    static func stateEncoder<T>(as _: T.Type) -> (ProjectionState.CachedValue<T>, JSONEncoder) throws -> [UInt8]? {
        precondition(T.self == Self.self)
        return { record, _ in
            guard let value = record.value else { return nil }
            return StateJSON.write(unsafeBitCast(value, to: Self.self))
        }
    }
}

extension StateJSON {
    /// Appends `value` in decimal to `bytes`, as `String(value)` spells it, without making the string.
    static func append(_ value: some FixedWidthInteger, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// `value`'s JSON as it writes it.
    static func write(_ value: some StateJSONWritable) -> [UInt8] {
        var writer = Writer()
        value.write(to: &writer)
        return writer.bytes
    }

    /// Writes JSON values to bytes: objects whose members come in the order they are written, arrays, and the
    /// scalars of state; an absent optional member is left out, as `JSONEncoder` leaves it out.
    struct Writer {
        private(set) var bytes: [UInt8] = []
        /// Whether the next member or item needs a comma before it.
        private var comma = false

        init() { bytes.reserveCapacity(256) }

        /// An object, whose members `body` writes in sorted order.
        mutating func object(_ body: (inout Writer) -> Void) {
            let outer = comma
            bytes.append(UInt8(ascii: "{"))
            comma = false
            body(&self)
            bytes.append(UInt8(ascii: "}"))
            comma = outer
        }

        private mutating func name(_ key: StaticString) {
            if comma { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            comma = true
        }

        /// A JSON string: quotes, backslashes and control characters escaped as `JSONEncoder` escapes them; slashes
        /// and everything else as they are.
        private mutating func string(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            let plain = value.utf8.withContiguousStorageIfAvailable { utf8 in
                guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
                else { return false }
                bytes.append(contentsOf: utf8)
                return true
            }
            if plain != true {
                for byte in value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): bytes += #"\""#.utf8
                    case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
                    case 0x0A: bytes += #"\n"#.utf8
                    case 0x0D: bytes += #"\r"#.utf8
                    case 0x09: bytes += #"\t"#.utf8
                    case 0x08: bytes += #"\b"#.utf8
                    case 0x0C: bytes += #"\f"#.utf8
                    case ..<0x20:
                        let hex = Array("0123456789abcdef".utf8)
                        bytes += #"\u00"#.utf8
                        bytes.append(hex[Int(byte >> 4)])
                        bytes.append(hex[Int(byte & 0x0F)])
                    default: bytes.append(byte)
                    }
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }

        mutating func member(_ key: StaticString, _ value: String) {
            name(key)
            string(value)
        }
        mutating func member(_ key: StaticString, _ value: String?) { if let value { member(key, value) } }
        mutating func member(_ key: StaticString, _ value: some FixedWidthInteger) {
            name(key)
            integer(value)
        }
        mutating func member(_ key: StaticString, _ value: (some FixedWidthInteger)?) {
            if let value { member(key, value) }
        }
        mutating func member(_ key: StaticString, _ value: Bool) {
            name(key)
            bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
        }
        mutating func member(_ key: StaticString, _ value: Bool?) { if let value { member(key, value) } }

        mutating func member(_ key: StaticString, _ values: [String]) {
            name(key)
            items(values) { writer, value in writer.string(value) }
        }
        mutating func member(_ key: StaticString, _ value: (some StateJSONWritable)?) {
            guard let value else { return }
            name(key)
            value.write(to: &self)
        }
        mutating func member(_ key: StaticString, _ values: [some StateJSONWritable]) {
            name(key)
            items(values) { writer, value in value.write(to: &writer) }
        }
        mutating func member(_ key: StaticString, _ dictionary: [String: String]?) {
            guard let dictionary else { return }
            name(key)
            entries(dictionary) { writer, value in writer.string(value) }
        }
        mutating func member(_ key: StaticString, _ dictionary: [String: Int]) {
            name(key)
            entries(dictionary) { writer, value in writer.integer(value) }
        }

        /// `value` in decimal, as `String(value)` spells it, written straight into the bytes.
        mutating func integer(_ value: some FixedWidthInteger) { StateJSON.append(value, to: &bytes) }

        private mutating func items<S: Sequence>(_ values: S, _ write: (inout Writer, S.Element) -> Void) {
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(&self, value)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        /// A dictionary as an object with its keys sorted, as `JSONEncoder` sorts them.
        private mutating func entries<V>(_ dictionary: [String: V], _ write: (inout Writer, V) -> Void) {
            bytes.append(UInt8(ascii: "{"))
            for (index, entry) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(entry.key)
                bytes.append(UInt8(ascii: ":"))
                write(&self, entry.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
