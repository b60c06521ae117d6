import EventLog
import Synchronization

/// Whether the log took its last write, as the ingest routes saw it.
final class LogHealth: Sendable {
    private let lastFailure = Mutex<EventLogError?>(nil)
    let started = ContinuousClock.now

    func appendSucceeded() {
        lastFailure.withLock { if $0 != nil { $0 = nil } }
    }

    func appendFailed(_ error: EventLogError) {
        lastFailure.withLock { $0 = error }
    }

    /// The last append's failure, if the last append failed.
    var failure: EventLogError? { lastFailure.withLock { $0 } }
}
