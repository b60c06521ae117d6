extension JSONFieldScanner {
    /// A value that typed reading leaves to `JSONDecoder`: of another type than asked for, or missing where required.
    package struct Unscanned: Error {
        /// Creates the error.
        package init() {}
    }

    /// Scanned fields read by `Field`, an enum whose raw values are the indexes of its paths, inside
    /// ``read(_:paths:by:_:)`` only. A value's text is made when it is read, and a number is read from its bytes.
    package struct Reader<Field: RawRepresentable> where Field.RawValue == Int {
        private let payload: UnsafeRawBufferPointer
        private let spans: UnsafeBufferPointer<Span>

        fileprivate init(payload: UnsafeRawBufferPointer, spans: UnsafeBufferPointer<Span>) {
            self.payload = payload
            self.spans = spans
        }

        /// The kind of value at `field`; `nil` when the body has nothing there.
        package func kind(_ field: Field) -> Kind? { Kind(rawValue: spans[field.rawValue].kind) }

        /// Whether the body has nothing, or `null`, at `field`: what `decodeIfPresent` reads as `nil`.
        package func isAbsent(_ field: Field) -> Bool { kind(field) == nil || kind(field) == .null }

        /// The string at `field`, `nil` when absent; throws for a value of another kind, or a bad escape.
        package func string(_ field: Field) throws(Unscanned) -> String? {
            if isAbsent(field) { return nil }
            guard kind(field) == .string else { throw Unscanned() }
            guard let text = try? JSONFieldScanner.text(spans[field.rawValue], in: payload) else { throw Unscanned() }
            return text
        }

        /// The string at `field`; throws when it is absent or of another kind.
        package func requiredString(_ field: Field) throws(Unscanned) -> String {
            guard let value = try string(field) else { throw Unscanned() }
            return value
        }

        /// The whole number at `field`, `nil` when absent; throws for another kind, a fraction or an exponent, or a
        /// number beyond `Int64`: what `Int64` reads of the number's text.
        package func int64(_ field: Field) throws(Unscanned) -> Int64? {
            if isAbsent(field) { return nil }
            guard kind(field) == .number else { throw Unscanned() }
            let span = spans[field.rawValue]
            var index = Int(span.start)
            let negative = payload[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            // Accumulated as a negative number, whose range reaches Int64.min.
            var value: Int64 = 0
            while index < Int(span.end) {
                let digit = payload[index] &- UInt8(ascii: "0")
                guard digit < 10 else { throw Unscanned() }
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, borrow) = times.subtractingReportingOverflow(Int64(digit))
                guard !overflow, !borrow else { throw Unscanned() }
                value = next
                index += 1
            }
            if negative { return value }
            guard value != .min else { throw Unscanned() }
            return -value
        }

        /// The whole number at `field`; throws when it is absent, or as ``int64(_:)`` does.
        package func requiredInt64(_ field: Field) throws(Unscanned) -> Int64 {
            guard let value = try int64(field) else { throw Unscanned() }
            return value
        }

        /// The boolean at `field`; throws when it is absent or of another kind.
        package func requiredBool(_ field: Field) throws(Unscanned) -> Bool {
            guard let value = try bool(field) else { throw Unscanned() }
            return value
        }

        /// Whether `field` holds an empty array; `false` for anything else, or nothing.
        package func isEmptyArray(_ field: Field) -> Bool {
            guard kind(field) == .array else { return false }
            let span = spans[field.rawValue]
            return UnsafeRawBufferPointer(rebasing: payload[Int(span.start) + 1..<Int(span.end) - 1]).allSatisfy {
                byte in
                byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d
            }
        }

        /// The strings of the array at `field`, in order; throws when it is absent or not an array of strings only.
        /// The scan has already checked the array's syntax.
        package func stringArray(_ field: Field) throws(Unscanned) -> [String] {
            guard kind(field) == .array else { throw Unscanned() }
            let span = spans[field.rawValue]
            var strings = [String]()
            var index = Int(span.start) + 1
            let end = Int(span.end) - 1
            func skipWhitespace() {
                while index < end,
                    payload[index] == 0x20 || payload[index] == 0x09 || payload[index] == 0x0a || payload[index] == 0x0d
                { index += 1 }
            }
            skipWhitespace()
            while index < end {
                guard payload[index] == UInt8(ascii: "\"") else { throw Unscanned() }
                let start = index + 1
                var escaped = false
                index = start
                while payload[index] != UInt8(ascii: "\"") {
                    if payload[index] == UInt8(ascii: "\\") {
                        escaped = true
                        index += 1
                    }
                    index += 1
                }
                let raw = UnsafeRawBufferPointer(rebasing: payload[start..<index])
                if escaped {
                    guard let text = try? JSONFieldScanner.unescape(raw, at: start) else { throw Unscanned() }
                    strings.append(text)
                } else {
                    strings.append(String(decoding: raw, as: UTF8.self))
                }
                index += 1
                skipWhitespace()
                if index < end, payload[index] == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                }
            }
            return strings
        }

        /// The boolean at `field`, `nil` when absent; throws for a value of another kind.
        package func bool(_ field: Field) throws(Unscanned) -> Bool? {
            if isAbsent(field) { return nil }
            guard kind(field) == .bool else { throw Unscanned() }
            return payload[Int(spans[field.rawValue].start)] == UInt8(ascii: "t")
        }
    }

    /// `body` of what a scan of `payload` for `paths` found, read by `Field`; `nil` when the payload is not JSON or
    /// not an object, or when `body` leaves it to `JSONDecoder`. The reader is valid only inside `body`.
    package static func read<Field, T>(
        _ payload: [UInt8], paths: Paths, by field: Field.Type, _ body: (Reader<Field>) throws(Unscanned) -> T
    ) -> T? {
        payload.withUnsafeBytes { bytes in read(bytes, paths: paths, by: field, body) }
    }

    /// ``read(_:paths:by:_:)`` of the bytes of `payload`.
    package static func read<Field, T>(
        _ payload: UnsafeRawBufferPointer, paths: Paths, by _: Field.Type,
        _ body: (Reader<Field>) throws(Unscanned) -> T
    ) -> T? {
        let result = try? withSpans(payload, paths: paths) { spans, isObject throws(Unscanned) -> T? in
            isObject ? try body(Reader(payload: payload, spans: spans)) : nil
        }
        return (try? result?.get()) ?? nil
    }
}

extension JSONFieldScanner.Reader {
    /// The id at `field`, written as a whole number or a string, `nil` when absent; throws for anything else, as
    /// ``FlexibleID``'s decoding does (or for a number it would read another way, which is left to it).
    package func flexibleID(_ field: Field) throws(JSONFieldScanner.Unscanned) -> FlexibleID? {
        switch kind(field) {
        case nil, .null?: return nil
        case .number?: return try int64(field).map { FlexibleID(value: String($0)) }
        case .string?: return try string(field).map { FlexibleID(value: $0) }
        default: throw JSONFieldScanner.Unscanned()
        }
    }

    /// Whether `field` holds an object; `false` when it is absent or `null`; throws for a value of another kind.
    package func isObject(_ field: Field) throws(JSONFieldScanner.Unscanned) -> Bool {
        if isAbsent(field) { return false }
        guard kind(field) == .object else { throw JSONFieldScanner.Unscanned() }
        return true
    }
}
