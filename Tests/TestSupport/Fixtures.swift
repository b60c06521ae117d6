import Foundation

/// The project's root directory, found from this file's place in it.
package let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The bytes of `fixtures/<path>`: a payload in a sender's real shape (see `fixtures/README.md`).
package func fixture(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: projectRoot.appendingPathComponent("fixtures/\(path)")))
}
