import EventLog
import Logging
import Projections
import ServiceLifecycle

/// Keeps the log and the views open while the gateway runs; on shutdown (after the HTTP server has answered
/// what it had in flight and the projection runner has stopped) commits what is queued and closes them.
struct StorageService<Log: EventStore>: Service {
    let log: Log
    let views: ProjectionStore

    func run() async throws {
        try? await gracefulShutdown()
        views.close()
        await log.close()
    }
}
