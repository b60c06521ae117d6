// Appends to the log at argv[1] from several concurrent tasks, forever, and prints `ack <position>` for every
// acknowledged append. The crash-safety tests kill it with SIGKILL and check that every printed position survived.
import EventLog
import Foundation
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: LogTorture DATA_DIR [WRITERS]\n".data(using: .utf8)!)
    exit(2)
}
let writers = arguments.count > 2 ? Int(arguments[2]) ?? 8 : 8
let logger = Logger(label: "torture") { _ in SwiftLogNoOpLogHandler() }
let log = try LMDBEventLog(directory: arguments[1], logger: logger)

func say(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}

say("ready")
try await withThrowingTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
        group.addTask {
            var i = 0
            while true {
                i += 1
                let size = Int.random(in: 1...3)
                let batch = (0..<size).map { n in
                    NewEvent(
                        type: "torture.appended", source: "torture",
                        idempotencyKey: "torture-\(getpid())-\(writer)-\(i)-\(n)",
                        metadata: ["writer": "\(writer)"],
                        payload: Array(repeating: UInt8(truncatingIfNeeded: i), count: Int.random(in: 0...2048))
                    )
                }
                for outcome in try await log.append(batch) { say("ack \(outcome.position)") }
            }
        }
    }
    try await group.waitForAll()
}
