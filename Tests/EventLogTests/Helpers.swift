import EventLog
import Foundation
import TestSupport

/// Opens a log in a new temporary directory, runs `body`, then closes the log and removes the directory.
func withLog<R>(
    configuration: EventLogConfiguration = .init(), _ body: (LMDBEventLog, String) async throws -> R
) async throws -> R {
    try await withTemporaryDirectory("eventlog") { directory in
        let log = try LMDBEventLog(directory: directory + "/log", configuration: configuration, logger: quietLogger)
        do {
            let result = try await body(log, directory + "/log")
            await log.close()
            return result
        } catch {
            await log.close()
            throw error
        }
    }
}

func sampleEvent(_ n: Int, key: String? = nil, payloadSize: Int = 64) -> NewEvent {
    NewEvent(
        type: "test.happened", source: "test", idempotencyKey: key,
        metadata: ["n": "\(n)"], payload: Array(repeating: UInt8(truncatingIfNeeded: n), count: payloadSize)
    )
}
