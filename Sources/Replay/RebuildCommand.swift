import ArgumentParser
import EventLog
import Foundation
import Projections

/// `replay rebuild --into DIR`: builds projections from position 0 into a separate directory (an auditor's
/// copy), leaving the live views untouched, and prints each one's digest.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild", abstract: "Rebuild projections from position 0 into a separate directory.")

    @OptionGroup var data: DataOptions
    @Option(name: .customLong("projection"), help: "A projection to rebuild (all by default); may repeat.") var names: [String] = []
    @Option(help: "The directory to build into; the live views stay as they are.") var into: String?

    func run() async throws {
        guard let into else {
            throw ValidationError("switching the live views in place is not built yet; use --into DIR for a separate copy")
        }
        let known = BuiltInProjections.all
        let unknown = names.filter { name in !known.contains { $0.name == name } }
        guard unknown.isEmpty else { throw ValidationError("no projection named \(unknown.joined(separator: ", "))") }
        let chosen = names.isEmpty ? known : known.filter { names.contains($0.name) }
        let log = try data.openLog()
        let started = ContinuousClock.now
        let digests = try await Rebuild.build(
            log: log, into: (into as NSString).appendingPathComponent("views"), projections: chosen, logger: quiet
        ) { done, head in
            say("rebuilt \(done) of \(head)")
        }
        let head = try log.head().position
        await log.close()
        let seconds = Double((ContinuousClock.now - started).components.seconds) + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        try printJSON(["head": head, "digests": digests, "seconds": seconds, "into": into])
    }
}
