extension Timestamp {
    /// How much of an ISO 8601 time to write: each ends a prefix of the whole, `2026-11-23T17:12:58.123456789Z`.
    package enum ISO8601Precision: Int, Sendable {
        /// `2026-11-23`
        case day = 10
        /// `2026-11-23T17`
        case hour = 13
        /// `2026-11-23T17:12`
        case minute = 16
        /// `2026-11-23T17:12:58`
        case second = 19
        /// `2026-11-23T17:12:58.123456789Z`: RFC 3339 with nanoseconds.
        case nanosecond = 30
    }

    /// RFC 3339 with nanoseconds, such as `2026-11-23T17:12:58.123456789Z`.
    package var iso8601: String { iso8601(.nanosecond) }

    /// This time in UTC, as ISO 8601 up to `precision`.
    package func iso8601(_ precision: ISO8601Precision) -> String {
        Self.iso8601(secondsSinceEpoch: seconds, nanoseconds: nanosecondsOfSecond, precision)
    }

    /// The time `seconds` after the epoch in UTC, as ISO 8601 up to `precision` (with no fraction of a second): for
    /// any `Int64`, even beyond the nanoseconds a `Timestamp` holds. A year outside 0 to 9999 is written with its
    /// sign, or with all its digits.
    package static func iso8601(secondsSinceEpoch seconds: Int64, _ precision: ISO8601Precision) -> String {
        iso8601(secondsSinceEpoch: seconds, nanoseconds: 0, precision)
    }

    private static func iso8601(
        secondsSinceEpoch seconds: Int64, nanoseconds: Int64, _ precision: ISO8601Precision
    ) -> String {
        var days = seconds / 86_400
        var second = seconds % 86_400
        if second < 0 { (days, second) = (days - 1, second + 86_400) }
        let (year, month, day) = civil(days)
        var head = ""
        if year < 0 || year > 9999 {
            let high = abs(year) / 10_000
            head = (year < 0 ? "-" : "") + (high > 0 ? String(high) : "")
        }
        let tail = Int(precision.rawValue)
        return String(unsafeUninitializedCapacity: head.utf8.count + tail) { buffer in
            var index = 0
            for byte in head.utf8 {
                buffer[index] = byte
                index += 1
            }
            func put(_ value: Int64, _ width: Int) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[index + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += width
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: byte)
                index += 1
            }
            put(abs(year) % 10_000, 4); put("-"); put(month, 2); put("-"); put(day, 2)
            guard precision != .day else { return index }
            put("T"); put(second / 3600, 2)
            guard precision != .hour else { return index }
            put(":"); put(second / 60 % 60, 2)
            guard precision != .minute else { return index }
            put(":"); put(second % 60, 2)
            guard precision != .second else { return index }
            put("."); put(nanoseconds, 9); put("Z")
            return index
        }
    }

    /// The proleptic Gregorian date `days` after 1970-01-01, by Howard Hinnant's `civil_from_days`.
    private static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
