import Foundation
import Logging

/// Writes one JSON object per line to standard output: time, level, label, message and metadata. A line that
/// cannot be written is dropped.
package struct JSONLogHandler: LogHandler {
    let label: String
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    private static let lock = NSLock()

    package init(label: String) { self.label = label }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        var fields = metadata
        if let explicit = event.metadata { fields.merge(explicit) { $1 } }
        if let error = event.error { fields["error"] = "\(error)" }
        var line =
            #"{"time":"#
            + JSONText.quote(
                ISO8601DateFormatter.string(
                    from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]))
        line += #","level":"# + JSONText.quote(level.rawValue)
        line += #","label":"# + JSONText.quote(label)
        line += #","message":"# + JSONText.quote(message.description)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line += "," + JSONText.quote(key) + ":" + JSONText.quote(Self.flatten(value))
        }
        line += "}\n"
        Self.lock.lock()
        defer { Self.lock.unlock() }
        // A line that cannot be written (the reader of standard output has gone, say) is dropped: the gateway
        // goes on serving. The non-throwing `write(_:)` would stop the process instead.
        try? FileHandle.standardOutput.write(contentsOf: Data(line.utf8))
    }

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let values): "[" + values.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted { $0.key < $1.key }.map { "\($0.key)=\(flatten($0.value))" }.joined(separator: ",")
                + "}"
        }
    }
}
