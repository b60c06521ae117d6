import ArgumentParser
import EventLog
import Foundation
import Projections

/// `replay verify`: the hash chain, the head and the keys index; receipts given with `--expect`; then every
/// projection rebuilt in a temporary directory and compared with the live one. Always prints a JSON report with the
/// chain first, then the projections on their own; the exit status says what did not hold (``Outcome``).
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Verify the hash chain, the head, the keys index and receipts; compare every projection with a fresh build.",
        discussion: """
            A receipt is POS:HASH, as an accepted webhook's answer or `replay head` gives it: the log must still hold the \
            record at POS with that hash. Since each hash covers every record before it, a kept receipt proves that \
            nothing up to POS was removed or rewritten, even by someone who recomputed the chain after a change.

            Exit status: 0 everything holds; 1 the chain, the head, the keys index or a receipt does not hold (the \
            projections are then not compared); 3 a projection's live state differs from a fresh build; 4 a \
            projection stopped in the fresh build (an event it cannot apply: a bug). 2 is an event log inconsistent on \
            opening, as for every command.
            """
    )

    /// What the exit status says, worst first.
    enum Outcome: Int32 {
        case holds = 0
        case chainBroken = 1
        case projectionsDiffer = 3
        case projectionStopped = 4
    }

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("expect"), help: "A receipt POS:HASH the log must hold (repeatable), or a file of such lines."
    )
    var expectations: [String] = []

    @Flag(name: .customLong("rebuild-views"), help: "Build the views from the log first when there are none.")
    var rebuildViews = false

    func run() async throws {
        let receipts = try Self.receipts(expectations)
        // Opened without the head check: an inconsistent head is reported here as a chain failure, with its position.
        let log = try data.openLog(checkingHead: false)
        var report: [String: Any] = [:]
        var outcome = Outcome.holds
        switch try log.verify() {
        case .intact(let head):
            report["chain"] = ["ok": true, "head": head.position, "head_hash": head.hash.hex, "keys_index": "ok"]
        case .broken(let position, let reason):
            report["chain"] = ["ok": false, "position": position, "reason": reason]
            outcome = .chainBroken
        }
        if !receipts.isEmpty {
            var results = [[String: Any]]()
            for (position, hash) in receipts {
                let stored = try log.event(at: position)?.hash.hex
                let held = stored == hash
                if !held { outcome = .chainBroken }
                results.append([
                    "position": position, "expected": hash, "found": stored as Any? ?? NSNull(), "ok": held,
                ])
            }
            report["receipts"] = results
        }
        if outcome == .holds {
            do {
                report["projections"] = try await compareProjections(log, outcome: &outcome)
            } catch {
                report["projections"] = ["compared": false, "reason": "\(error)"]
                outcome = .projectionStopped
            }
        } else {
            report["projections"] = [
                "compared": false, "reason": "the log does not hold: a rebuild from it proves nothing",
            ]
        }
        await log.close()
        report["ok"] = outcome == .holds
        report["exit_status"] = outcome.rawValue
        try printJSON(report)
        if outcome != .holds { throw ExitCode(outcome.rawValue) }
    }

    /// Every projection rebuilt in a scratch directory, compared with the live views; when there are no views
    /// (they are disposable), says so, or builds them first with `--rebuild-views`. A projection that stops in the
    /// fresh build is reported as stopped, the others compared all the same.
    func compareProjections(_ log: LMDBEventLog, outcome: inout Outcome) async throws -> [String: Any] {
        let hasViews = FileManager.default.fileExists(
            atPath: (data.viewsDirectory as NSString).appendingPathComponent("data.mdb"))
        if !hasViews {
            guard rebuildViews else {
                return [
                    "compared": false,
                    "reason":
                        "there are no views at \(data.viewsDirectory), so nothing to compare the projections with; --rebuild-views builds them from the log",
                ]
            }
            say("building the views from position 0…")
            _ = try await Rebuild.buildReporting(
                log: log, into: data.viewsDirectory, projections: BuiltInProjections.all, logger: quiet)
        }
        let scratch = NSTemporaryDirectory() + "replay-verify-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        say("rebuilding every projection from position 0 to compare…")
        let fresh = try await Rebuild.buildReporting(
            log: log, into: scratch, projections: BuiltInProjections.all, logger: quiet)
        let live = try ProjectionStore(directory: data.viewsDirectory, logger: quiet)
        defer { live.close() }
        var projections = [String: Any]()
        for projection in BuiltInProjections.all {
            let liveDigest = try live.digest(projection.name)
            if let reason = fresh.stopped[projection.name] {
                outcome = .projectionStopped
                projections[projection.name] = [
                    "stopped": true, "reason": reason, "live_digest": liveDigest as Any? ?? NSNull(),
                ]
                continue
            }
            let equal = liveDigest == fresh.digests[projection.name]
            if !equal, outcome == .holds { outcome = .projectionsDiffer }
            projections[projection.name] = [
                "equal": equal, "live_digest": liveDigest as Any? ?? NSNull(),
                "rebuilt_digest": fresh.digests[projection.name] as Any? ?? NSNull(),
                "live_checkpoint": try live.liveCheckpoint(projection.name) as Any? ?? NSNull(),
            ]
        }
        return projections
    }

    /// The receipts of `values`: each `POS:HASH`, or the path of a file with one per line (blank lines and `#`
    /// comments skipped).
    static func receipts(_ values: [String]) throws -> [(UInt64, String)] {
        var lines = [String]()
        for value in values {
            if parse(value) == nil, FileManager.default.fileExists(atPath: value) {
                lines += try String(contentsOfFile: value, encoding: .utf8).split(whereSeparator: \.isNewline).map(
                    String.init)
            } else {
                lines.append(value)
            }
        }
        return try lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { line in
                guard let receipt = parse(line) else {
                    throw ValidationError(
                        "a receipt is POS:HASH (a position, a colon, 64 hexadecimal digits), not \"\(line.prefix(100))\""
                    )
                }
                return receipt
            }
    }

    static func parse(_ text: String) -> (UInt64, String)? {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let position = UInt64(parts[0]), position > 0 else { return nil }
        let hash = parts[1].lowercased()
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { return nil }
        return (position, hash)
    }
}
