// Durable appends per second of 1 KiB events with 1, 16, 64 and 256 concurrent appenders.
// Usage: LogBench DIR SECONDS_PER_LEVEL. Prints one line per level: `appenders=N events=E seconds=S rate=R avg_batch=B`.
import EventLog
import Foundation
import Logging

let arguments = CommandLine.arguments
let directory = arguments.count > 1 ? arguments[1] : NSTemporaryDirectory() + "logbench-\(getpid())"
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 3 : 3
let levels = arguments.count > 3 ? arguments[3].split(separator: ",").compactMap { Int($0) } : [1, 16, 64, 256]
let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)

func measure(appenders: Int) async throws {
    let path = directory + "/level-\(appenders)"
    try? FileManager.default.removeItem(atPath: path)
    let log = try LMDBEventLog(directory: path, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    let deadline = ContinuousClock.now + .seconds(seconds)
    let started = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<appenders {
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    _ = try await log.append(
                        NewEvent(
                            type: "bench.appended", source: "bench", idempotencyKey: "bench-\(task)-\(count)",
                            payload: payload
                        ))
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = ContinuousClock.now - started
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    await log.close()
    try? FileManager.default.removeItem(atPath: path)
    print(
        "appenders=\(appenders) events=\(total) seconds=\(String(format: "%.2f", wall)) rate=\(Int(Double(total) / wall))"
    )
}

for appenders in levels { try await measure(appenders: appenders) }
