import Crypto
import EventLog
import Foundation

/// The secrets of the sources defined through the admin API, one file each under `<dataDir>/secrets` (the folder
/// 0700, each file 0600): outside the log, never exported, never logged; the log names them by id. A secret is
/// written before the event that names it is appended, so a source in the log always finds its secrets.
package struct SecretStore: Sendable {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    /// A new secret for a source of `kind`, as its senders expect one: `whsec_<base64>` for Standard Webhooks, 32
    /// random bytes in hex otherwise.
    package static func generate(for kind: SourceDefinition.Kind) -> String {
        let bytes = SymmetricKey(size: kind == .standard ? .init(bitCount: 192) : .bits256).withUnsafeBytes {
            Array($0)
        }
        return kind == .standard ? "whsec_" + Data(bytes).base64EncodedString() : Hex.encode(bytes)
    }

    /// Stores `secret` under a new id and returns the id.
    package func store(_ secret: String) throws -> String {
        let manager = FileManager.default
        if !manager.fileExists(atPath: directory) {
            try manager.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let id = "sec_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let path = (directory as NSString).appendingPathComponent(id)
        guard manager.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        // Durable before the event that names it is appended.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.synchronize()
        try handle.close()
        // The file's name too: the folder is synced, so a crash cannot lose the file the next event names.
        let folder = open(directory, O_RDONLY)
        if folder >= 0 {
            defer { close(folder) }
            guard fsync(folder) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        return id
    }

    /// The secret stored under `id`, or `nil` when this node has none (ids come from the log: never a path).
    package func secret(_ id: String) -> String? {
        guard id.hasPrefix("sec_"), id.count <= 64,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            return nil
        }
        return FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(id)).map {
            String(decoding: $0, as: UTF8.self)
        }
    }
}
