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
            Verify.self, Head.self, RebuildCommand.self, AsOf.self, Stats.self, Export.self, Import.self,
            CheckSignatures.self, Tail.self,
            Backup.self, Migrate.self,
        ]
    )
}

/// Options every command takes.
struct DataOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: "Data directory holding log/ and views/ (default SWITCHYARD_DATA_DIR or ./data).")
    var dataDir: String = ProcessInfo.processInfo.environment["SWITCHYARD_DATA_DIR"] ?? "./data"

    var logDirectory: String { (dataDir as NSString).appendingPathComponent("log") }
    var viewsDirectory: String { (dataDir as NSString).appendingPathComponent("views") }

    /// Opens the log, failing with one clear line when there is none, and with one line and exit status 2 when it
    /// disagrees with itself (its meta head does not name its last record), unless `checkingHead` is `false`.
    func openLog(checkingHead: Bool = true) throws -> LMDBEventLog {
        guard FileManager.default.fileExists(atPath: (logDirectory as NSString).appendingPathComponent("data.mdb"))
        else {
            throw ValidationError("no event log at \(logDirectory)")
        }
        do {
            return try LMDBEventLog(directory: logDirectory, logger: quiet, checkingHead: checkingHead)
        } catch let error as EventLogError where error.code == .inconsistent {
            say("replay: the event log at \(logDirectory) is inconsistent: \(error.message)")
            throw ExitCode(2)
        }
    }
}

let quiet = Logger(label: "replay") { _ in SwiftLogNoOpLogHandler() }

func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    try output(data + Data("\n".utf8))
}

/// Writes `data` to standard output, whole. A reader that has gone (`replay tail | head`) ends the command
/// quietly with the shell's status for a closed pipe, 141; any other failure (a full disk) ends it with a line
/// that names the error, so a cut-short export never looks finished.
func output(_ data: Data) throws {
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written >= 0 {
                offset += written
            } else if errno == EPIPE {
                throw ExitCode(141)
            } else if errno != EINTR {
                throw OutputError(code: errno)
            }
        }
    }
}

/// Standard output refused a write.
struct OutputError: Error, CustomStringConvertible {
    let code: Int32
    var description: String { "cannot write to standard output: \(String(cString: strerror(code)))" }
}

/// Writes a line to standard error.
func say(_ line: String) { standardError(line + "\n") }

/// Writes `text` to standard error; text that cannot be written is dropped.
func standardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}
