import EventLog

/// One JetStream message: the records of one group commit in the log's own stored format (docs/log-format.md),
/// each as a 4-byte big-endian length and its stored bytes, after a 6-byte tag (`SWYG` and version 1, reserved).
enum GroupFrame {
    static let tag: [UInt8] = Array("SWYG".utf8) + [1, 0]

    static func encode(_ records: [[UInt8]]) -> [UInt8] {
        var out = tag
        for record in records {
            withUnsafeBytes(of: UInt32(record.count).bigEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: record)
        }
        return out
    }

    /// The records of a message, positions taken from `firstPosition` on (the stored format carries its position).
    static func decode(_ bytes: [UInt8]) throws -> [Event] {
        guard bytes.starts(with: tag) else { throw NATSError(code: "log_corrupt", message: "a stream message is not a Switchyard group", jetStreamCode: 0) }
        var events = [Event]()
        var index = tag.count
        while index < bytes.count {
            guard index + 4 <= bytes.count else { throw NATSError(code: "log_corrupt", message: "a group ends inside a length", jetStreamCode: 0) }
            let length = bytes[index..<(index + 4)].reduce(0) { $0 << 8 | Int($1) }
            index += 4
            guard length <= bytes.count - index else { throw NATSError(code: "log_corrupt", message: "a group's record runs past its end", jetStreamCode: 0) }
            let event = try bytes[index..<(index + length)].withUnsafeBytes { raw in
                do {
                    return try RecordCodec.decode(raw)
                } catch {
                    throw NATSError(code: "log_corrupt", message: "a group's record does not decode: \(error)", jetStreamCode: 0)
                }
            }
            events.append(event)
            index += length
        }
        return events
    }
}
