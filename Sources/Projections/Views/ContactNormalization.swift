/// The leads projection's rules for contacts: email syntax, phone numbers in E.164 (Brazil by default), and
/// known fake patterns.
package enum ContactNormalization {
    /// Digit runs that people type when they do not want to give a real contact.
    package static let fakePatterns = ["999999", "111111", "000000", "123456789"]

    /// The bytes an unquoted local part may hold (RFC 5322's atext and the dot), in lower case.
    static let allowedLocalBytes = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-".utf8)

    /// The email in lower case when its syntax is plausible, else `nil`.
    package static func email(_ raw: String?) -> String? {
        guard let raw else { return nil }
        return raw.utf8.allSatisfy({ $0 < 0x80 }) ? ASCIIContact.email(Array(raw.utf8)) : unicodeEmail(raw)
    }

    /// ``email(_:)`` for any text; ASCII has a faster path with the same results (tests compare the two).
    static func unicodeEmail(_ raw: String) -> String? {
        let raw = raw.trimmingSpacesAndNewlines
        guard !raw.isEmpty else { return nil }
        let email = raw.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, email.utf8.count <= 254 else {
            return nil
        }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }),
            labels.last!.count >= 2, labels.last!.allSatisfy(\.isLetter)
        else { return nil }
        guard parts[0].utf8.allSatisfy({ allowedLocalBytes.contains($0) }), !parts[0].hasPrefix("."),
            !parts[0].hasSuffix("."),
            !parts[0].contains(".."), domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
        else { return nil }
        return email
    }

    /// The phone in E.164, reading numbers without a country code as Brazilian (`+55`, area code, number).
    package static func phone(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        let international = raw.trimmingSpacesAndNewlines.hasPrefix("+")
        var digits = String(
            decoding: raw.utf8.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, as: UTF8.self)
        if international {
            return (8...15).contains(digits.count) && !digits.hasPrefix("0") ? "+" + digits : nil
        }
        while digits.hasPrefix("0") { digits.removeFirst() }
        if digits.hasPrefix("55"), (12...13).contains(digits.count) { return "+" + digits }
        guard (10...11).contains(digits.count) else { return nil }
        // Brazilian area codes run from 11 to 99; mobile numbers have 9 digits starting with 9.
        guard let area = Int(digits.prefix(2)), (11...99).contains(area) else { return nil }
        if digits.count == 11, digits.dropFirst(2).first != "9" { return nil }
        return "+55" + digits
    }

    /// The fake patterns found in a phone's digits or an email's local part.
    package static func fakeFlags(email: String?, phone: String?) -> [String] {
        let phone = phone ?? "", email = email ?? ""
        if phone.utf8.allSatisfy({ $0 < 0x80 }), email.utf8.allSatisfy({ $0 < 0x80 }) {
            return ASCIIContact.fakeFlags(email: Array(email.utf8), phone: Array(phone.utf8))
        }
        return unicodeFakeFlags(email: email, phone: phone)
    }

    /// ``fakeFlags(email:phone:)`` for any text; ASCII has a faster path with the same results.
    static func unicodeFakeFlags(email: String?, phone: String?) -> [String] {
        var flags = [String]()
        let phoneDigits = (phone ?? "").filter(\.isNumber)
        let local = email?.split(separator: "@").first.map(String.init) ?? ""
        for pattern in fakePatterns {
            if phoneDigits.contains(pattern) { flags.append("phone:\(pattern)") }
            if local.contains(pattern) { flags.append("email:\(pattern)") }
        }
        return flags
    }
}

/// The contact rules on ASCII bytes, where a character is a byte (but for CR LF, which is whitespace, not a
/// letter nor a digit, as either byte is), without Foundation's string search.
enum ASCIIContact {
    /// ``ContactNormalization/allowedLocalBytes`` as a table by byte.
    static let allowedLocal: [Bool] = (0..<256).map { ContactNormalization.allowedLocalBytes.contains(UInt8($0)) }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    static func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }

    static func email(_ raw: [UInt8]) -> String? {
        guard let first = raw.firstIndex(where: { !isSpace($0) }), let last = raw.lastIndex(where: { !isSpace($0) })
        else { return nil }
        let email = raw[first...last].map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }
        guard let at = email.firstIndex(of: UInt8(ascii: "@")), !email[(at + 1)...].contains(UInt8(ascii: "@")) else {
            return nil
        }
        let local = email[..<at], domain = email[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, email.count <= 254 else { return nil }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2,
            labels.allSatisfy({ !$0.isEmpty && $0.first != UInt8(ascii: "-") && $0.last != UInt8(ascii: "-") }),
            labels[labels.count - 1].count >= 2, labels[labels.count - 1].allSatisfy(isLetter)
        else { return nil }
        guard local.allSatisfy({ allowedLocal[Int($0)] }), local.first != UInt8(ascii: "."),
            local.last != UInt8(ascii: "."),
            !zip(local, local.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }),
            domain.allSatisfy({ isLetter($0) || isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else { return nil }
        return String(decoding: email, as: UTF8.self)
    }

    /// ``ContactNormalization/fakePatterns`` as bytes, with the flags they raise.
    static let fakePatterns = ContactNormalization.fakePatterns.map {
        (bytes: Array($0.utf8), phoneFlag: "phone:\($0)", emailFlag: "email:\($0)")
    }

    static func fakeFlags(email: [UInt8], phone: [UInt8]) -> [String] {
        let digits = phone.filter(isDigit)
        // The first non-empty run before an `@`, as `split(separator:)` gives it.
        let start = email.firstIndex { $0 != UInt8(ascii: "@") } ?? email.endIndex
        let local = email[start..<(email[start...].firstIndex(of: UInt8(ascii: "@")) ?? email.endIndex)]
        var flags = [String]()
        for pattern in fakePatterns {
            if occurs(pattern.bytes, in: digits[...]) { flags.append(pattern.phoneFlag) }
            if occurs(pattern.bytes, in: local) { flags.append(pattern.emailFlag) }
        }
        return flags
    }

    /// Whether `needle` occurs in `haystack`. The patterns and the texts are short, so a plain scan beats the standard
    /// library's generic `contains(_:)` on collections, which looks up type metadata on every call.
    static func occurs(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        var start = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while start <= last {
            var offset = 0
            while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return true }
            start += 1
        }
        return false
    }
}

extension String {
    var trimmingSpacesAndNewlines: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return first == startIndex && last == index(before: endIndex) ? self : String(self[first...last])
    }
}
