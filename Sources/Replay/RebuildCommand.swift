import ArgumentParser
import EventLog
import Foundation
import Projections
import UnixSignals

/// `replay rebuild`: builds projections from position 0 beside the live views and switches readers to them,
/// also while the gateway serves and appends; or, with `--into DIR`, builds an auditor's copy elsewhere.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild projections from position 0 and switch to them, without stopping the gateway.",
        discussion: "Ctrl-C abandons the builds and leaves the live views as they were."
    )

    @OptionGroup var data: DataOptions
    @Option(name: .customLong("projection"), help: "A projection to rebuild (all by default); may repeat.") var names:
        [String] = []
    @Option(help: "Build into this directory instead, leaving the live views untouched (an auditor's copy).") var into:
        String?

    func run() async throws {
        let known = BuiltInProjections.all
        let unknown = names.filter { name in !known.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw ValidationError(
                "no projection named \(unknown.joined(separator: ", ")); known: \(known.map(\.name).joined(separator: ", "))"
            )
        }
        let chosen = names.isEmpty ? known : known.filter { names.contains($0.name) }
        let log = try data.openLog()
        let progress = RebuildProgress("rebuild")
        let started = ContinuousClock.now
        let digests: [String: String]
        do {
            if let into {
                digests = try await Rebuild.build(
                    log: log, into: (into as NSString).appendingPathComponent("views"), projections: chosen,
                    logger: quiet, progress: progress.report
                )
            } else {
                let store = try ProjectionStore(directory: data.viewsDirectory, logger: quiet)
                defer { store.close() }
                digests = try await Self.untilSignalled {
                    try await Rebuild.inPlace(
                        log: log, store: store, projections: chosen, logger: quiet, progress: progress.report)
                }
            }
        } catch {
            progress.finish()
            await log.close()
            throw error
        }
        progress.finish()
        let head = try log.head().position
        await log.close()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try printJSON([
            "head": head, "digests": digests, "seconds": seconds,
            "events_per_second": seconds > 0 ? Int(Double(head) / seconds) : 0,
            "into": into as Any? ?? NSNull(), "switched": into == nil,
        ])
    }

    /// Runs `build`, cancelling it at the first SIGINT or SIGTERM; a cancelled build abandons its work and throws,
    /// saying so.
    static func untilSignalled(
        _ build: @escaping @Sendable () async throws -> [String: String]
    ) async throws -> [String: String] {
        // Trapped before the build starts: a signal that came first would otherwise end the process with its
        // build's claim still held.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: [String: String]?.self) { group in
            group.addTask { try await build() }
            group.addTask {
                for await _ in signals { return nil }
                return nil
            }
            while let next = try await group.next() {
                if let digests = next {
                    group.cancelAll()
                    return digests
                }
                // A signal: the build gives up, and its error says what was left as it was.
                group.cancelAll()
            }
            throw CancellationError()
        }
    }
}
