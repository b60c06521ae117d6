import Foundation

/// Encodes projection state as JSON with sorted keys: the same bytes as Foundation's `JSONEncoder` with
/// `.sortedKeys` and `.withoutEscapingSlashes`, without its cost (see bench/README.md).
///
/// It covers what state is made of: objects, arrays, strings, integers, booleans and absent optionals. A value
/// with anything else in it (a floating-point number, a `Date`, `Data`, `URL` or `Decimal`, which `JSONEncoder`
/// treats specially, or a class that encodes its superclass) is encoded by `JSONEncoder` instead, so the bytes
/// never depend on which one ran. Debug builds check every record against `JSONEncoder`.
enum StateJSON {
    /// Encodes `value`, falling back to `fallback` for what this encoder does not cover.
    static func encode<T: Encodable>(_ value: T, fallback: JSONEncoder) throws -> [UInt8] {
        let encoded: [UInt8]
        do {
            encoded = try encode(value)
        } catch is Unsupported {
            return Array(try fallback.encode(value))
        }
        assert(encoded == (try? Array(fallback.encode(value))), "StateJSON and JSONEncoder disagree on a \(T.self)")
        return encoded
    }

    /// Encodes `value`, or throws ``Unsupported``.
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let node = try Node(value)
        var out = [UInt8]()
        out.reserveCapacity(256)
        node.write(into: &out)
        return out
    }

    /// A value this encoder leaves to `JSONEncoder`.
    struct Unsupported: Error {}

    /// A value being encoded: scalars as they are, containers as shared boxes that their containers fill.
    enum Node {
        case null, bool(Bool), int(Int64), uint(UInt64), string(String)
        case object(Box), array(Box)

        /// Encodes `value`.
        init<T: Encodable>(_ value: T) throws {
            // Compared by type, not cast by value: a cast costs more than the rest of a small record's encoding. An
            // optional of one of these comes back here unwrapped, through its single-value container.
            if T.self == String.self {
                self = .string(unsafeBitCast(value, to: String.self))
            } else if T.self == Int.self {
                self = .int(Int64(unsafeBitCast(value, to: Int.self)))
            } else if T.self == Int64.self {
                self = .int(unsafeBitCast(value, to: Int64.self))
            } else if T.self == Bool.self {
                self = .bool(unsafeBitCast(value, to: Bool.self))
            } else if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self || T.self == Double.self
                || T.self == Float.self
            {
                throw Unsupported()
            } else {
                let encoder = NodeEncoder()
                try value.encode(to: encoder)
                if encoder.unsupported { throw Unsupported() }
                self = encoder.node ?? .object(Box())
            }
        }

        func write(into out: inout [UInt8]) {
            switch self {
            case .null: out += "null".utf8
            case .bool(let value): out += value ? "true".utf8 : "false".utf8
            case .int(let value): StateJSON.append(value, to: &out)
            case .uint(let value): StateJSON.append(value, to: &out)
            case .string(let value): Self.write(value, into: &out)
            case .array(let box):
                out.append(UInt8(ascii: "["))
                for (index, item) in box.items.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    item.write(into: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .object(let box):
                out.append(UInt8(ascii: "{"))
                // In place: the box is written once, and a type's members often come in order already.
                box.members.sort { $0.key < $1.key }
                for (index, member) in box.members.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    Self.write(member.key, into: &out)
                    out.append(UInt8(ascii: ":"))
                    member.value.write(into: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }

        /// A JSON string: quotes, backslashes and control characters escaped as `JSONEncoder` does; slashes and
        /// everything else as they are.
        static func write(_ string: String, into out: inout [UInt8]) {
            out.append(UInt8(ascii: "\""))
            let plain = string.utf8.withContiguousStorageIfAvailable { utf8 in
                guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
                out.append(contentsOf: utf8)
                return true
            }
            if plain != true {
                for byte in string.utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): out += #"\""#.utf8
                    case UInt8(ascii: "\\"): out += #"\\"#.utf8
                    case 0x0A: out += #"\n"#.utf8
                    case 0x0D: out += #"\r"#.utf8
                    case 0x09: out += #"\t"#.utf8
                    case 0x08: out += #"\b"#.utf8
                    case 0x0C: out += #"\f"#.utf8
                    case ..<0x20:
                        let hex = Array("0123456789abcdef".utf8)
                        out += #"\u00"#.utf8
                        out.append(hex[Int(byte >> 4)])
                        out.append(hex[Int(byte & 0x0F)])
                    default: out.append(byte)
                    }
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// The members of an object or the items of an array, filled in by the containers that share it.
    final class Box {
        var members: [(key: String, value: Node)] = []
        var items: [Node] = []

        /// A box for an object's members, with room for a record's usual number of them (so the list grows once at most).
        static func object() -> Box {
            let box = Box()
            box.members.reserveCapacity(16)
            return box
        }
    }
}
