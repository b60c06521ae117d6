import EventLog

/// Checked arithmetic on amounts and times that input decides: an overflow is the event's fault, never a trap.
package enum Checked {
    /// `a + b`, or ``EventRejected`` naming `what` when the sum does not fit in 64 bits.
    package static func add(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(EventRejected) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw EventRejected("\(what()) would pass the 64-bit limit (\(a) + \(b))") }
        return sum
    }

    /// `a - b`, or ``EventRejected`` naming `what` when the difference does not fit in 64 bits.
    package static func subtract(
        _ a: Int64, _ b: Int64, _ what: @autoclosure () -> String
    ) throws(EventRejected) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw EventRejected("\(what()) would pass the 64-bit limit (\(a) - \(b))") }
        return difference
    }
}
