import ArgumentParser
import EventLog
import Foundation

/// `replay backup DEST`: a hot, compacted copy of the log that `replay verify --data-dir DEST` accepts.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a hot, compacted, verified copy of the log to DEST/log.")

    @OptionGroup var data: DataOptions
    @Argument(help: "The new data directory.") var destination: String

    func run() async throws {
        let log = try data.openLog()
        let report = try await log.backup(to: (destination as NSString).appendingPathComponent("log"))
        await log.close()
        switch report {
        case .intact(let head):
            try printJSON(["ok": true, "head": head.position, "head_hash": head.hash.hex, "destination": destination])
        case .broken(let position, let reason):
            try printJSON(["ok": false, "position": position, "reason": reason])
            throw ExitCode(1)
        }
    }
}
