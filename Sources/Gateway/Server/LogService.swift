import EventLog
import Logging
import ServiceLifecycle

/// Keeps the log open while the gateway runs; on shutdown (after the HTTP server has answered what it had in
/// flight) commits what is queued and closes it.
struct LogService: Service {
    let log: LMDBEventLog

    func run() async throws {
        try? await gracefulShutdown()
        await log.close()
    }
}
