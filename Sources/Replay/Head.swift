import ArgumentParser
import EventLog
import Foundation

/// `replay head`: the head's position and hash, a receipt of the whole log up to it. Keep it: `replay verify
/// --expect POS:HASH` later proves that the log still holds that record with that hash, so that nothing up to it was
/// removed or rewritten.
struct Head: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the head's position and hash: a receipt to verify the log against later.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let log = try data.openLog()
        let head = try log.head()
        await log.close()
        try printJSON([
            "position": head.position, "hash": head.hash.hex, "receipt": "\(head.position):\(head.hash.hex)",
        ])
    }
}
