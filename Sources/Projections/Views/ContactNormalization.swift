/// The leads projection's rules for contacts: email syntax, phone numbers in E.164 (Brazil by default), and
/// known fake patterns.
public enum ContactNormalization {
    /// Digit runs that people type when they do not want to give a real contact.
    public static let fakePatterns = ["999999", "111111", "000000", "123456789"]

    /// The bytes an unquoted local part may hold (RFC 5322's atext and the dot), in lower case.
    private static let allowedLocal = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-".utf8)

    /// The email in lower case when its syntax is plausible, else `nil`.
    public static func email(_ raw: String?) -> String? {
        guard let raw = raw?.trimmingSpacesAndNewlines, !raw.isEmpty else { return nil }
        let email = raw.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, email.utf8.count <= 254 else { return nil }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }),
              labels.last!.count >= 2, labels.last!.allSatisfy(\.isLetter) else { return nil }
        guard parts[0].utf8.allSatisfy({ allowedLocal.contains($0) }), !parts[0].hasPrefix("."), !parts[0].hasSuffix("."),
              !parts[0].contains(".."), domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return email
    }

    /// The phone in E.164, reading numbers without a country code as Brazilian (`+55`, area code, number).
    public static func phone(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        let international = raw.trimmingSpacesAndNewlines.hasPrefix("+")
        var digits = String(decoding: raw.utf8.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, as: UTF8.self)
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
    public static func fakeFlags(email: String?, phone: String?) -> [String] {
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

extension String {
    var trimmingSpacesAndNewlines: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return first == startIndex && last == index(before: endIndex) ? self : String(self[first...last])
    }
}
