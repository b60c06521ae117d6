import EventLog

/// One JetStream message: the records of one group commit in the log's own stored format (docs/log-format.md), and
/// the checkpoints committed with them (a reactor's progress travels with the actions it appends, so whichever node
/// runs the reactors next starts where the last one stopped).
///
/// Layout: the tag `SWYG` and version 1 and a reserved byte; a 4-byte big-endian record count, then each record as a
/// 4-byte length and its stored bytes; then each checkpoint as a 4-byte name length, the UTF-8 name and an 8-byte
/// position, to the end.
enum GroupFrame {
    static let tag: [UInt8] = Array("SWYG".utf8) + [1, 0]

    static func encode(_ records: [[UInt8]], checkpoints: [CheckpointUpdate] = []) -> [UInt8] {
        var out = tag
        append(UInt32(records.count), to: &out)
        for record in records {
            append(UInt32(record.count), to: &out)
            out.append(contentsOf: record)
        }
        for checkpoint in checkpoints {
            let name = Array(checkpoint.name.utf8)
            append(UInt32(name.count), to: &out)
            out.append(contentsOf: name)
            append(checkpoint.position, to: &out)
        }
        return out
    }

    private static func append(_ value: some FixedWidthInteger, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    static func corrupt(_ message: String) -> NATSError {
        NATSError(code: .corrupt, message: message, jetStreamCode: 0)
    }

    /// The records and checkpoints of a message.
    static func decode(_ bytes: [UInt8]) throws -> (records: [Event], checkpoints: [CheckpointUpdate]) {
        guard bytes.starts(with: tag) else { throw corrupt("a stream message is not a Switchyard group") }
        var index = tag.count
        func integer(_ size: Int) throws -> UInt64 {
            guard size <= bytes.count - index else { throw corrupt("a group ends inside a number") }
            defer { index += size }
            return bytes[index..<(index + size)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        let count = try integer(4)
        var records = [Event]()
        for _ in 0..<count {
            let length = Int(try integer(4))
            guard length <= bytes.count - index else { throw corrupt("a group's record runs past its end") }
            let event = try bytes[index..<(index + length)].withUnsafeBytes { raw in
                do {
                    return try RecordCodec.decode(raw)
                } catch {
                    throw corrupt("a group's record does not decode: \(error)")
                }
            }
            records.append(event)
            index += length
        }
        var checkpoints = [CheckpointUpdate]()
        while index < bytes.count {
            let length = Int(try integer(4))
            guard length <= bytes.count - index else { throw corrupt("a checkpoint's name runs past the group's end") }
            let name = String(decoding: bytes[index..<(index + length)], as: UTF8.self)
            index += length
            checkpoints.append(CheckpointUpdate(name: name, position: try integer(8)))
        }
        return (records, checkpoints)
    }
}
