/// Checks that a body is well-formed JSON and picks out a few fields, in one pass and without building a model.
///
/// Decoding a whole webhook costs far more than the ingest path can spend, so the gateway validates the syntax
/// and extracts only what it needs (an event id, a type) by path, such as `["attributes", "updated_at"]`; the
/// projections read the common shapes of their events the same way. Strings are unescaped; numbers and booleans
/// come back as their JSON text; objects, arrays and `null` as `nil`, with their ``Kind``. When an object repeats
/// a key, the first value counts, as with `JSONDecoder`.
public struct JSONFieldScanner {
    /// Why a body is not JSON.
    public struct Failure: Error, Equatable, Sendable {
        /// Where and how the body breaks the JSON syntax.
        public let message: String
    }

    /// What kind of JSON value a path led to.
    public enum Kind: Sendable, Equatable {
        case string, number, bool, null, object, array
    }

    /// Paths to scan for, prepared once: each a list of object keys from the top.
    public struct Paths: Sendable, ExpressibleByArrayLiteral {
        /// A key some paths have at one depth, and which paths (a bit each) have it there.
        struct Entry: Sendable {
            /// The key's bytes: `keyBytes[start..<end]`.
            let start: Int
            let end: Int
            let paths: UInt64
        }

        /// Each path's number of keys.
        let lengths: [Int]
        /// `entries[levels[depth]]` are the distinct keys the paths have at `depth`; so a key in the body is compared
        /// with each distinct key once, not with every path that has one there.
        let levels: [Range<Int>]
        let entries: [Entry]
        /// The keys' bytes, one after another.
        let keyBytes: [UInt8]

        /// How many paths there are.
        var count: Int { lengths.count }

        /// Prepares `paths`, such as `[["id"], ["data", "object", "amount"]]`: at most 64.
        public init(_ paths: [[String]]) {
            precondition(paths.count <= 64, "a scan takes at most 64 paths")
            lengths = paths.map(\.count)
            var levels = [Range<Int>]()
            var entries = [Entry]()
            var keyBytes = [UInt8]()
            for depth in 0..<(lengths.max() ?? 0) {
                var keys = [[UInt8]]()
                var masks = [UInt64]()
                for (number, path) in paths.enumerated() where path.count > depth {
                    let key = Array(path[depth].utf8)
                    if let known = keys.firstIndex(of: key) {
                        masks[known] |= 1 << number
                    } else {
                        keys.append(key)
                        masks.append(1 << number)
                    }
                }
                let first = entries.count
                for (key, mask) in zip(keys, masks) {
                    entries.append(Entry(start: keyBytes.count, end: keyBytes.count + key.count, paths: mask))
                    keyBytes += key
                }
                levels.append(first..<entries.count)
            }
            (self.levels, self.entries, self.keyBytes) = (levels, entries, keyBytes)
        }

        /// Prepares the paths of a literal.
        public init(arrayLiteral paths: [String]...) {
            self.init(paths)
        }

        /// Which of `candidates` have `key` at `depth`.
        func matching(_ key: UnsafeRawBufferPointer, at depth: Int, among candidates: UInt64) -> UInt64 {
            guard depth < levels.count else { return 0 }
            for entry in entries[levels[depth]] where entry.paths & candidates != 0 && entry.end - entry.start == key.count {
                var same = true
                for offset in 0..<key.count where key[offset] != keyBytes[entry.start + offset] {
                    same = false
                    break
                }
                if same { return entry.paths & candidates }
            }
            return 0
        }
    }

    /// What a scan found at each path, in the order of the paths.
    public struct Fields: Sendable {
        /// Each path's value: the text of a string, number or boolean; `nil` for anything else or nothing.
        public let values: [String?]
        /// Each path's kind of value; `nil` when the body has nothing there.
        public let kinds: [Kind?]
        /// Whether the body is a JSON object.
        public let isObject: Bool
    }

    private let bytes: UnsafeRawBufferPointer
    private let paths: Paths
    private var index = 0
    private(set) var values: [String?]
    private(set) var kinds: [Kind?]
    /// For each path, how many of its keys have been found: a key found again at a place already reached is a
    /// repeat, and ignored.
    private var reached: [Int]
    private(set) var topLevelIsObject = false
    private static let maxDepth = 128

    /// Scans `bytes` for `paths`.
    public static func scan(_ bytes: UnsafeRawBufferPointer, paths: Paths) throws(Failure) -> Fields {
        var scanner = JSONFieldScanner(bytes: bytes, paths: paths)
        try scanner.run()
        return Fields(values: scanner.values, kinds: scanner.kinds, isObject: scanner.topLevelIsObject)
    }

    private init(bytes: UnsafeRawBufferPointer, paths: Paths) {
        self.bytes = bytes
        self.paths = paths
        values = Array(repeating: nil, count: paths.count)
        kinds = Array(repeating: nil, count: paths.count)
        reached = Array(repeating: 0, count: paths.count)
    }

    private mutating func run() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count else { throw Failure(message: "the body is empty") }
        topLevelIsObject = bytes[index] == UInt8(ascii: "{")
        _ = try value(depth: 0, candidates: paths.count == 64 ? ~0 : (1 << paths.count) - 1, capture: nil)
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
    }

    private func fail(_ message: String) -> Failure {
        Failure(message: "the body is not valid JSON: \(message) at byte \(index)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    /// Parses one value. `candidates` are the paths still matching at this depth, a bit each (bit `i` for path `i`:
    /// no list to allocate for each key); `capture` is the path that ends here.
    private mutating func value(depth: Int, candidates: UInt64, capture: Int?) throws(Failure) {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        skipWhitespace()
        guard index < bytes.count else { throw fail("the body ends early") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            if let capture { (values[capture], kinds[capture]) = (nil, .object) }
            try object(depth: depth, candidates: candidates)
        case UInt8(ascii: "["):
            if let capture { (values[capture], kinds[capture]) = (nil, .array) }
            try array(depth: depth)
        case UInt8(ascii: "\""):
            let text = try string(decode: capture != nil)
            if let capture { (values[capture], kinds[capture]) = (text, .string) }
        case UInt8(ascii: "t"): try literal("true", capture: capture)
        case UInt8(ascii: "f"): try literal("false", capture: capture)
        case UInt8(ascii: "n"):
            try literal("null", capture: nil)
            if let capture { (values[capture], kinds[capture]) = (nil, .null) }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(capture: capture)
        default: throw fail("unexpected character")
        }
    }

    private mutating func object(depth: Int, candidates: UInt64) throws(Failure) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            var next: UInt64 = 0
            var capture: Int?
            let keyStart = index + 1
            let escaped = try skipString()
            if candidates != 0 {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[keyStart..<(index - 1)])
                var remaining = escaped
                    ? Array(try unescape(raw, at: keyStart).utf8).withUnsafeBytes { paths.matching($0, at: depth, among: candidates) }
                    : paths.matching(raw, at: depth, among: candidates)
                while remaining != 0 {
                    let c = remaining.trailingZeroBitCount
                    remaining &= remaining - 1
                    // A key seen before at this place: like JSONDecoder, keep what came first.
                    guard reached[c] <= depth else { continue }
                    reached[c] = depth + 1
                    if paths.lengths[c] == depth + 1 { capture = c } else { next |= 1 << c }
                }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            index += 1
            try value(depth: depth + 1, candidates: next, capture: capture)
            skipWhitespace()
            guard index < bytes.count else { throw fail("the body ends inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func array(depth: Int) throws(Failure) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
        while true {
            try value(depth: depth + 1, candidates: 0, capture: nil)
            skipWhitespace()
            guard index < bytes.count else { throw fail("the body ends inside an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return }
            throw fail("expected ',' or ']' in an array")
        }
    }

    private mutating func literal(_ word: StaticString, capture: Int?) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("the body ends early") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw fail("unexpected character") }
        index += count
        if let capture { (values[capture], kinds[capture]) = (word.description, .bool) }
    }

    private mutating func number(capture: Int?) throws(Failure) {
        let start = index
        func digits(_ scanner: inout JSONFieldScanner) -> Int {
            let from = scanner.index
            while scanner.index < scanner.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(scanner.bytes[scanner.index]) {
                scanner.index += 1
            }
            return scanner.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("a number ends early") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits(&self) > 0 else { throw fail("a number has no digits") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail("a number has no digits after '.'") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("a number has no digits in its exponent") }
        }
        if let capture {
            (values[capture], kinds[capture]) = (String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self), .number)
        }
    }

    /// Parses a string at `index` (on its opening quote); returns its unescaped text when `decode` is set.
    private mutating func string(decode: Bool) throws(Failure) -> String? {
        let start = index + 1
        let escaped = try skipString()
        guard decode else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)])
        return escaped ? try unescape(raw, at: start) : String(decoding: raw, as: UTF8.self)
    }

    /// Moves past a string at `index` (on its opening quote); returns whether it held escapes.
    private mutating func skipString() throws(Failure) -> Bool {
        index += 1
        let start = index
        var escaped = false
        var high: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            high |= byte
            if byte == UInt8(ascii: "\"") {
                // JSON is UTF-8 (RFC 8259): a string of other bytes is refused here, as JSONDecoder refuses it.
                if high >= 0x80, !Self.isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) {
                    throw fail("a string is not valid UTF-8")
                }
                index += 1
                return escaped
            }
            if byte < 0x20 { throw fail("a control character inside a string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            index += 1
        }
        throw fail("a string is not closed")
    }

    private func unescape(_ raw: UnsafeRawBufferPointer, at offset: Int) throws(Failure) -> String {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); i += 1; continue }
            guard i + 1 < raw.count else { throw Failure(message: "the body is not valid JSON: a bad escape at byte \(offset + i)") }
            let code = raw[i + 1]
            i += 2
            if let byte = JSONEscape.byte(for: code) {
                out.append(byte)
                continue
            }
            switch code {
            case UInt8(ascii: "u"):
                guard var scalar = JSONEscape.hex4(raw, at: i) else { throw Failure(message: "the body is not valid JSON: a bad \\u escape at byte \(offset + i)") }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                   let low = JSONEscape.hex4(raw, at: i + 2), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default:
                throw Failure(message: "the body is not valid JSON: a bad escape at byte \(offset + i - 1)")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONFieldScanner {
    /// A value that typed reading leaves to `JSONDecoder`: of another type than asked for, or missing where required.
    public struct Unscanned: Error {
        /// Creates the error.
        public init() {}
    }

    /// Scanned fields read by `Field`, an enum whose raw values are the indexes of its paths.
    public struct Reader<Field: RawRepresentable> where Field.RawValue == Int {
        /// What the scan found.
        public let fields: Fields

        /// The kind of value at `field`; `nil` when the body has nothing there.
        public func kind(_ field: Field) -> Kind? { fields.kinds[field.rawValue] }

        /// Whether the body has nothing, or `null`, at `field`: what `decodeIfPresent` reads as `nil`.
        public func isAbsent(_ field: Field) -> Bool { kind(field) == nil || kind(field) == .null }

        /// The string at `field`, `nil` when absent; throws for a value of another kind.
        public func string(_ field: Field) throws(Unscanned) -> String? {
            if isAbsent(field) { return nil }
            guard kind(field) == .string else { throw Unscanned() }
            return fields.values[field.rawValue]
        }

        /// The string at `field`; throws when it is absent or of another kind.
        public func requiredString(_ field: Field) throws(Unscanned) -> String {
            guard let value = try string(field) else { throw Unscanned() }
            return value
        }

        /// The whole number at `field`, `nil` when absent; throws for another kind, a fraction or an exponent, or a
        /// number beyond `Int64`.
        public func int64(_ field: Field) throws(Unscanned) -> Int64? {
            if isAbsent(field) { return nil }
            guard kind(field) == .number, let text = fields.values[field.rawValue], let value = Int64(text) else { throw Unscanned() }
            return value
        }

        /// The boolean at `field`, `nil` when absent; throws for a value of another kind.
        public func bool(_ field: Field) throws(Unscanned) -> Bool? {
            if isAbsent(field) { return nil }
            guard kind(field) == .bool else { throw Unscanned() }
            return fields.values[field.rawValue] == "true"
        }
    }

    /// Scans `payload` for `paths`, read by `Field`; `nil` when it is not JSON or not an object.
    public static func object<Field>(_ payload: [UInt8], paths: Paths, by _: Field.Type) -> Reader<Field>? {
        let fields = try? payload.withUnsafeBytes { bytes throws(Failure) in try scan(bytes, paths: paths) }
        guard let fields, fields.isObject else { return nil }
        return Reader(fields: fields)
    }
}
