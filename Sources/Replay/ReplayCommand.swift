import ArgumentParser
import EventLog
import Foundation
import Logging
import Projections

/// `replay`: verify, inspect and export the event log and rebuild its projections, without side effects.
@main
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Verify, inspect, export and back up the event log; rebuild projections from it.",
        subcommands: [
            Verify.self, RebuildCommand.self, AsOf.self, Stats.self, Export.self, Import.self, CheckSignatures.self, Tail.self, Backup.self,
        ]
    )
}

/// Options every command takes.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory holding log/ and views/ (default SWITCHYARD_DATA_DIR or ./data).")
    var dataDir: String = ProcessInfo.processInfo.environment["SWITCHYARD_DATA_DIR"] ?? "./data"

    var logDirectory: String { (dataDir as NSString).appendingPathComponent("log") }
    var viewsDirectory: String { (dataDir as NSString).appendingPathComponent("views") }

    /// Opens the log, failing with one clear line when there is none.
    func openLog() throws -> LMDBEventLog {
        guard FileManager.default.fileExists(atPath: (logDirectory as NSString).appendingPathComponent("data.mdb")) else {
            throw ValidationError("no event log at \(logDirectory)")
        }
        return try LMDBEventLog(directory: logDirectory, logger: quiet)
    }
}

let quiet = Logger(label: "replay") { _ in SwiftLogNoOpLogHandler() }

func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func say(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
