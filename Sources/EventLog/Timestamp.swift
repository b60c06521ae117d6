import Foundation
import Glibc

/// A point in UTC time, in whole nanoseconds since 1970-01-01T00:00:00Z.
package struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since the Unix epoch.
    package var nanosecondsSinceEpoch: Int64

    /// Wraps a count of nanoseconds since the epoch.
    package init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    /// The current wall-clock time.
    package static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(nanosecondsSinceEpoch: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    /// The same instant as a `Date` (to microsecond precision).
    package var date: Date {
        Date(timeIntervalSince1970: TimeInterval(nanosecondsSinceEpoch / 1000) / 1_000_000)
    }

    /// Whole seconds since the epoch, rounded down; for any value, `Int64.min` included.
    package var seconds: Int64 {
        let (quotient, remainder) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// The nanoseconds past ``seconds``, from 0 to 999,999,999.
    package var nanosecondsOfSecond: Int64 {
        let remainder = nanosecondsSinceEpoch % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    package var description: String { iso8601 }

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }
}
