import EventLog
import Glibc
import Testing

@Suite("Timestamps in ISO 8601")
struct TimestampTests {
    /// The same time written from the parts glibc's `gmtime_r` gives, with the year's sign and extra digits as
    /// documented.
    func expected(_ seconds: Int64, nanoseconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let year = Int64(parts.tm_year) + 1900
        func padded(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let yearText = (year < 0 ? "-" : "") + padded(abs(year), 4)
        return
            "\(yearText)-\(padded(Int64(parts.tm_mon) + 1, 2))-\(padded(Int64(parts.tm_mday), 2))T\(padded(Int64(parts.tm_hour), 2)):"
            + "\(padded(Int64(parts.tm_min), 2)):\(padded(Int64(parts.tm_sec), 2)).\(padded(nanoseconds, 9))Z"
    }

    @Test("every precision is a prefix of what glibc gives, around leap days, the epoch and far from it")
    func againstGlibc() {
        var seconds: [Int64] = [
            0, -1, 1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400, -2_203_891_200,
            1_763_900_000, 253_402_300_799, 253_402_300_800, -62_167_219_200, -62_167_219_201, 99_999_999_999,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { seconds.append(Int64.random(in: -70_000_000_000...70_000_000_000, using: &generator)) }
        for second in seconds {
            let nanoseconds = Int64.random(in: 0..<1_000_000_000, using: &generator)
            let whole = expected(second, nanoseconds: nanoseconds)
            // A Timestamp holds nanoseconds as an Int64: about 292 years either side of 1970.
            if abs(second) < 9_000_000_000 {
                #expect(
                    Timestamp(nanosecondsSinceEpoch: second * 1_000_000_000 + nanoseconds).iso8601 == whole, "\(second)"
                )
            }
            let dropped = whole.count - 30
            for precision in [Timestamp.ISO8601Precision.day, .hour, .minute, .second] {
                #expect(
                    Timestamp.iso8601(secondsSinceEpoch: second, precision)
                        == String(whole.prefix(precision.rawValue + dropped)), "\(second)")
            }
        }
    }

    @Test("the extremes of Int64 seconds are written, not trapped on")
    func extremes() {
        #expect(Timestamp.iso8601(secondsSinceEpoch: .max, .second).hasSuffix("-12-04T15:30:07"))
        #expect(Timestamp.iso8601(secondsSinceEpoch: .min, .day).hasPrefix("-"))
        #expect(Timestamp(nanosecondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp(nanosecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999999999Z")
    }

    @Test(
        "the extremes of Int64 nanoseconds have seconds and an ISO 8601 text; a time beyond them does not parse (found by the record-codec fuzzer)"
    )
    func nanosecondExtremes() {
        let lowest = Timestamp(nanosecondsSinceEpoch: .min)
        #expect(lowest.seconds == -9_223_372_037)
        #expect(lowest.nanosecondsOfSecond == 145_224_192)
        #expect(lowest.iso8601 == "1677-09-21T00:12:43.145224192Z")
        let highest = Timestamp(nanosecondsSinceEpoch: .max)
        #expect(highest.seconds == 9_223_372_036)
        #expect(highest.iso8601 == "2262-04-11T23:47:16.854775807Z")
        #expect(Timestamp(nanosecondsSinceEpoch: -1).seconds == -1)
        #expect(Timestamp(nanosecondsSinceEpoch: -1).nanosecondsOfSecond == 999_999_999)
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59Z") == nil)
        #expect(Timestamp(iso8601: "2262-04-11T23:47:16.854775807Z") == highest)
    }
}
