import ArgumentParser
import EventLog
import Foundation
import Projections

/// `replay verify`: the hash chain, then every projection rebuilt in a temporary directory and compared with
/// the live one. Prints a JSON report; exits 1 on any difference.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify the hash chain and compare every projection with a fresh build.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let log = try data.openLog()
        var report: [String: Any] = [:]
        var ok = true
        switch try log.verify() {
        case .intact(let head):
            report["chain"] = ["ok": true, "head": head.position, "head_hash": head.hash.hex]
        case .broken(let position, let reason):
            report["chain"] = ["ok": false, "position": position, "reason": reason]
            ok = false
        }
        if ok {
            let scratch = NSTemporaryDirectory() + "replay-verify-\(getpid())-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            say("rebuilding every projection from position 0 to compare…")
            let fresh = try await Rebuild.build(log: log, into: scratch, projections: BuiltInProjections.all, logger: quiet)
            let live = try ProjectionStore(directory: data.viewsDirectory, logger: quiet)
            var projections = [String: Any]()
            for projection in BuiltInProjections.all {
                let liveDigest = try live.digest(projection.name)
                let equal = liveDigest == fresh[projection.name]
                if !equal { ok = false }
                projections[projection.name] = [
                    "equal": equal, "live_digest": liveDigest as Any? ?? NSNull(), "rebuilt_digest": fresh[projection.name] as Any? ?? NSNull(),
                ]
            }
            live.close()
            report["projections"] = projections
        }
        await log.close()
        report["ok"] = ok
        try printJSON(report)
        if !ok { throw ExitCode(1) }
    }
}
