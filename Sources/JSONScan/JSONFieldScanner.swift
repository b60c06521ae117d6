/// Checks that a body is well-formed JSON and picks out a few fields, in one pass and without building a model.
///
/// The gateway validates a webhook's syntax and extracts only what it needs (an event id, a type) by path, such as `["attributes", "updated_at"]`; the
/// projections read the common shapes of their events the same way. Strings are unescaped; numbers and booleans
/// come back as their JSON text; objects, arrays and `null` as `nil`, with their ``Kind``. When an object repeats
/// a key, the first value counts, as with `JSONDecoder`.
package struct JSONFieldScanner {
    /// Why a body is not JSON.
    package struct Failure: Error, Equatable, Sendable {
        /// Where and how the body breaks the JSON syntax.
        package let message: String
    }

    /// What kind of JSON value a path led to.
    package enum Kind: UInt8, Sendable, Equatable {
        case string = 1, number, bool, null, object, array
    }

    /// Where a path's value lies in the body, and its kind: what a scan records, before any text is made of it.
    struct Span {
        /// The value's bytes: a string's without its quotes, an object's or an array's with its brackets; empty for
        /// `null`.
        var start: UInt32 = 0
        var end: UInt32 = 0
        /// The ``Kind``'s raw value; 0 when the body has nothing there.
        var kind: UInt8 = 0
        /// Whether a string holds escapes.
        var escaped = false
        /// How many of the path's keys have been found: a key found again at a place already reached is a repeat,
        /// and ignored.
        var reached: UInt8 = 0
    }

    /// What a scan found at each path, in the order of the paths.
    package struct Fields: Sendable {
        /// Each path's value: the text of a string, number or boolean; `nil` for anything else or nothing.
        package let values: [String?]
        /// Each path's kind of value; `nil` when the body has nothing there.
        package let kinds: [Kind?]
        /// Whether the body is a JSON object.
        package let isObject: Bool
    }

    private let bytes: UnsafeRawBufferPointer
    private let paths: Paths
    /// Each path's span, by the path's number: on the stack of ``withSpans(_:paths:_:)``, so that a scan allocates
    /// nothing until a value's text is made.
    private let spans: UnsafeMutableBufferPointer<Span>
    private var index = 0
    private var topLevelIsObject = false
    private static let maxDepth = 128

    /// Scans `bytes` for `paths`.
    package static func scan(_ bytes: UnsafeRawBufferPointer, paths: Paths) throws(Failure) -> Fields {
        try withSpans(bytes, paths: paths) { spans, isObject throws(Failure) in
            var values = [String?]()
            var kinds = [Kind?]()
            values.reserveCapacity(paths.count)
            kinds.reserveCapacity(paths.count)
            for span in spans {
                kinds.append(Kind(rawValue: span.kind))
                values.append(try text(span, in: bytes))
            }
            return Fields(values: values, kinds: kinds, isObject: isObject)
        }.get()
    }

    /// Scans `bytes` for `paths` and gives `body` each path's span (valid only inside `body`), and whether the body
    /// is an object.
    static func withSpans<R, E: Error>(
        _ bytes: UnsafeRawBufferPointer, paths: Paths, _ body: (UnsafeBufferPointer<Span>, Bool) throws(E) -> R
    ) throws(Failure) -> Result<R, E> {
        try withUnsafeTemporaryAllocation(of: Span.self, capacity: paths.count) { spans throws(Failure) in
            spans.initialize(repeating: Span())
            var scanner = JSONFieldScanner(bytes: bytes, paths: paths, spans: spans)
            try scanner.run()
            let isObject = scanner.topLevelIsObject
            return Result { () throws(E) in try body(UnsafeBufferPointer(spans), isObject) }
        }
    }

    /// The text of a string (unescaped), number or boolean at `span`; `nil` for anything else.
    static func text(_ span: Span, in bytes: UnsafeRawBufferPointer) throws(Failure) -> String? {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[Int(span.start)..<Int(span.end)])
        switch Kind(rawValue: span.kind) {
        case .string?:
            return span.escaped ? try unescape(raw, at: Int(span.start)) : String(decoding: raw, as: UTF8.self)
        case .number?, .bool?: return String(decoding: raw, as: UTF8.self)
        default: return nil
        }
    }

    private init(bytes: UnsafeRawBufferPointer, paths: Paths, spans: UnsafeMutableBufferPointer<Span>) {
        precondition(bytes.count < Int(UInt32.max), "a scan takes a body of less than 4 GiB")
        self.bytes = bytes
        self.paths = paths
        self.spans = spans
    }

    /// Records that the value of path `capture` (if any) is of `kind` and lies in `range`.
    private func record(_ capture: Int?, _ kind: Kind, _ range: Range<Int> = 0..<0, escaped: Bool = false) {
        guard let capture else { return }
        spans[capture].start = UInt32(range.lowerBound)
        spans[capture].end = UInt32(range.upperBound)
        spans[capture].kind = kind.rawValue
        spans[capture].escaped = escaped
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
            let start = index
            try object(depth: depth, candidates: candidates)
            record(capture, .object, start..<index)
        case UInt8(ascii: "["):
            let start = index
            try array(depth: depth)
            record(capture, .array, start..<index)
        case UInt8(ascii: "\""):
            let start = index + 1
            let escaped = try skipString()
            record(capture, .string, start..<(index - 1), escaped: escaped)
        case UInt8(ascii: "t"): try literal("true", capture: capture)
        case UInt8(ascii: "f"): try literal("false", capture: capture)
        case UInt8(ascii: "n"):
            try literal("null", capture: nil)
            record(capture, .null)
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
                var remaining =
                    escaped
                    ? Array(try Self.unescape(raw, at: keyStart).utf8).withUnsafeBytes {
                        paths.matching($0, at: depth, among: candidates)
                    }
                    : paths.matching(raw, at: depth, among: candidates)
                while remaining != 0 {
                    let c = remaining.trailingZeroBitCount
                    remaining &= remaining - 1
                    // A key seen before at this place: like JSONDecoder, keep what came first.
                    guard spans[c].reached <= depth else { continue }
                    spans[c].reached = UInt8(depth + 1)
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
        record(capture, .bool, index..<(index + count))
        index += count
    }

    private mutating func number(capture: Int?) throws(Failure) {
        let start = index
        func digits(_ scanner: inout JSONFieldScanner) -> Int {
            let from = scanner.index
            while scanner.index < scanner.bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(scanner.bytes[scanner.index])
            {
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
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits(&self) > 0 else { throw fail("a number has no digits in its exponent") }
        }
        record(capture, .number, start..<index)
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
                try skipEscape()
                continue
            }
            index += 1
        }
        throw fail("a string is not closed")
    }

    /// Moves past the escape at `index` (on its backslash), refusing what RFC 8259 does not allow: an escape other
    /// than `\" \\ \/ \b \f \n \r \t \uXXXX`, and (as `JSONDecoder` does) a `\u` surrogate without its pair.
    private mutating func skipEscape() throws(Failure) {
        guard index + 1 < bytes.count else { throw fail("a string ends inside an escape") }
        let code = bytes[index + 1]
        if JSONEscape.byte(for: code) != nil {
            index += 2
            return
        }
        guard code == UInt8(ascii: "u") else {
            throw fail("an escape JSON does not have (a backslash before byte \(code))")
        }
        guard let scalar = JSONEscape.hex4(bytes, at: index + 2) else {
            throw fail("a \\u escape without four hexadecimal digits")
        }
        index += 6
        switch scalar {
        case 0xD800..<0xDC00:
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                let low = JSONEscape.hex4(bytes, at: index + 2), (0xDC00..<0xE000).contains(low)
            else { throw fail("a \\u escape of a high surrogate without its low surrogate") }
            index += 6
        case 0xDC00..<0xE000:
            throw fail("a \\u escape of a low surrogate without its high surrogate")
        default:
            break
        }
    }

    /// The text of a string's bytes `raw` (found at byte `offset` of the body), its escapes resolved.
    static func unescape(_ raw: UnsafeRawBufferPointer, at offset: Int) throws(Failure) -> String {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); i += 1; continue }
            guard i + 1 < raw.count else {
                throw Failure(message: "the body is not valid JSON: a bad escape at byte \(offset + i)")
            }
            let code = raw[i + 1]
            i += 2
            if let byte = JSONEscape.byte(for: code) {
                out.append(byte)
                continue
            }
            switch code {
            case UInt8(ascii: "u"):
                guard var scalar = JSONEscape.hex4(raw, at: i) else {
                    throw Failure(message: "the body is not valid JSON: a bad \\u escape at byte \(offset + i)")
                }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"),
                    raw[i + 1] == UInt8(ascii: "u"),
                    let low = JSONEscape.hex4(raw, at: i + 2), (0xDC00..<0xE000).contains(low)
                {
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
