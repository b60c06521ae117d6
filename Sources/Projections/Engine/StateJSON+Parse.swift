import JSONScan
extension StateJSON {
    /// A parsed JSON value, as the decoder reads it.
    enum Value {
        case null, bool(Bool), int(Int64), uint(UInt64), string(String)
        /// A number that is not an integer (or does not fit 64 bits): left to `JSONDecoder`.
        case otherNumber
        case array([Value])
        case object([(key: String, value: Value)])
    }

    /// Parses one JSON document from `bytes`; throws ``Unsupported`` on anything it does not read the way
    /// `JSONDecoder` does (bad JSON included), so that the caller falls back to it.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> Value {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw Unsupported() }
        return value
    }

    struct Parser {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> Value {
            skipSpace()
            guard index < bytes.count, depth < 256 else { throw Unsupported() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members = [(key: String, value: Value)]()
                members.reserveCapacity(16)
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    if try next(closing: UInt8(ascii: "}")) { return .object(members) }
                }
            case UInt8(ascii: "["):
                index += 1
                var items = [Value]()
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if try next(closing: UInt8(ascii: "]")) { return .array(items) }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        /// After a member or an item: `true` at the closing bracket, `false` after a comma.
        private mutating func next(closing: UInt8) throws -> Bool {
            guard index < bytes.count else { throw Unsupported() }
            let byte = bytes[index]
            index += 1
            if byte == closing { return true }
            guard byte == UInt8(ascii: ",") else { throw Unsupported() }
            return false
        }

        private mutating func expect(_ byte: UInt8) throws {
            guard index < bytes.count, bytes[index] == byte else { throw Unsupported() }
            index += 1
        }

        private mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw Unsupported() }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Unsupported() }
            index += count
        }

        /// An integer: `-`? digits, no fraction or exponent; anything else is ``Value/otherNumber``.
        private mutating func number() throws -> Value {
            let start = index
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var magnitude: UInt64 = 0
            var digits = 0
            var overflow = false
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                magnitude = sum
                overflow = overflow || o1 || o2
                digits += 1
                index += 1
            }
            guard digits > 0, !(digits > 1 && bytes[start + (negative ? 1 : 0)] == UInt8(ascii: "0")) else { throw Unsupported() }
            var other = overflow
            // A fraction and an exponent, strictly as JSON has them (JSONDecoder refuses "1." or "1e" anywhere).
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digitRun() > 0 else { throw Unsupported() }
                other = true
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digitRun() > 0 else { throw Unsupported() }
                other = true
            }
            if other { return .otherNumber }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return .otherNumber }
                return .int(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude))
            }
            return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude)
        }

        /// Skips decimal digits; returns how many.
        private mutating func digitRun() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }

        /// A string; escapes other than the usual ones, control characters and bad UTF-8 are left to `JSONDecoder`.
        private mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            // Most strings have no escape: they are made straight from the document's bytes.
            var utf8: [UInt8]?
            var ascii = true
            while true {
                // A run of plain characters, then the closing quote or an escape.
                let run = index
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                    guard byte >= 0x20 else { throw Unsupported() }
                    if byte >= 0x80 { ascii = false }
                    index += 1
                }
                guard index < bytes.count else { throw Unsupported() }
                if utf8 == nil, bytes[index] == UInt8(ascii: "\"") {
                    let plain = UnsafeRawBufferPointer(rebasing: bytes[run..<index]).assumingMemoryBound(to: UInt8.self)
                    index += 1
                    // ASCII needs no validation; anything else must be valid UTF-8, as JSONDecoder requires.
                    if ascii { return String(decoding: plain, as: UTF8.self) }
                    guard let string = String(validating: plain, as: UTF8.self) else { throw Unsupported() }
                    return string
                }
                if utf8 == nil { utf8 = [] }
                utf8!.append(contentsOf: bytes[run..<index])
                if bytes[index] == UInt8(ascii: "\"") { break }
                guard index + 1 < bytes.count else { throw Unsupported() }
                let escaped = bytes[index + 1]
                index += 2
                if let byte = JSONEscape.byte(for: escaped) {
                    utf8!.append(byte)
                } else {
                    // Only `\u` is left: a code point below the surrogates; pairs are left to JSONDecoder.
                    guard escaped == UInt8(ascii: "u"), let code = JSONEscape.hex4(bytes, at: index), let scalar = Unicode.Scalar(code) else {
                        throw Unsupported()
                    }
                    index += 4
                    utf8! += String(Character(scalar)).utf8
                }
            }
            index += 1
            guard let string = String(validating: utf8 ?? [], as: UTF8.self) else { throw Unsupported() }
            return string
        }
    }
}
