import Crypto
import Foundation

/// The on-disk form of a record, version 1 (see `docs/log-format.md`).
///
/// A stored record is its canonical bytes followed by the previous record's hash (32 bytes) and its own hash
/// (32 bytes), where `hash = SHA-256(previousHash ‖ canonicalBytes)`.
package enum RecordCodec {
    /// The format version byte that starts every record.
    static let version: UInt8 = 1
    static let hashSize = 32
    static let trailerSize = 2 * hashSize

    /// Encodes `event` at `position`, returning the stored bytes and the record's hash.
    package static func encode(
        _ event: NewEvent, position: UInt64, recordedAt: Timestamp, previousHash: EventHash
    ) -> (bytes: [UInt8], hash: EventHash) {
        var out = [UInt8]()
        out.reserveCapacity(
            96 + event.type.utf8.count + event.source.utf8.count + event.payload.count + 64 * event.metadata.count)
        out.append(version)
        appendInteger(position, to: &out)
        appendInteger(UInt64(bitPattern: recordedAt.nanosecondsSinceEpoch), to: &out)
        appendField(event.type.utf8, to: &out)
        appendField(event.source.utf8, to: &out)
        if let key = event.idempotencyKey {
            out.append(1)
            appendField(key.utf8, to: &out)
        } else {
            out.append(0)
        }
        let pairs = event.metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        appendInteger(UInt32(pairs.count), to: &out)
        for (key, value) in pairs {
            appendField(key.utf8, to: &out)
            appendField(value.utf8, to: &out)
        }
        appendField(event.payload, to: &out)
        let hash = chainHash(previous: previousHash, canonical: out)
        previousHash.withUnsafeBytes { out.append(contentsOf: $0) }
        hash.withUnsafeBytes { out.append(contentsOf: $0) }
        return (out, hash)
    }

    /// Where the recording time lies in a record: after the version byte and the position.
    static let timeOffset = 9

    /// The recording time of a stored record of at least ``timeOffset`` + 8 bytes, read without decoding the rest.
    static func recordedAt(_ record: some Collection<UInt8>) -> Timestamp {
        var nanoseconds: UInt64 = 0
        for byte in record.dropFirst(timeOffset).prefix(8) { nanoseconds = nanoseconds << 8 | UInt64(byte) }
        return Timestamp(nanosecondsSinceEpoch: Int64(bitPattern: nanoseconds))
    }

    /// `SHA-256(previous ‖ canonical)`.
    static func chainHash(previous: EventHash, canonical: some ContiguousBytes) -> EventHash {
        var hasher = SHA256()
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        canonical.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { EventHash(copying: $0) }
    }

    /// Decodes a stored record.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodingError) -> Event {
        var reader = ByteReader(bytes: bytes)
        guard bytes.count >= 1 + 8 + 8 + trailerSize else { throw .init("record of \(bytes.count) bytes is too short") }
        let format = try reader.byte()
        guard format == version else { throw .init("unknown record format version \(format)") }
        let position = try reader.uint64()
        let recordedAt = Timestamp(nanosecondsSinceEpoch: Int64(bitPattern: try reader.uint64()))
        let type = try reader.string()
        let source = try reader.string()
        let key: String? =
            switch try reader.byte() {
            case 0: nil
            case 1: try reader.string()
            case let flag: throw .init("bad idempotency key flag \(flag)")
            }
        let pairCount = try reader.uint32()
        var metadata = [String: String](minimumCapacity: Int(min(pairCount, 64)))
        for _ in 0..<pairCount {
            let name = try reader.string()
            metadata[name] = try reader.string()
        }
        let payload = Array(try reader.field())
        guard reader.remaining == trailerSize else {
            throw .init("record has \(reader.remaining) bytes after its payload, expected \(trailerSize)")
        }
        let previous = EventHash(copying: try reader.take(hashSize))
        let hash = EventHash(copying: try reader.take(hashSize))
        return Event(
            position: position, recordedAt: recordedAt, type: type, source: source, idempotencyKey: key,
            metadata: metadata, payload: payload, previousHash: previous, hash: hash
        )
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func appendField<C: Collection<UInt8>>(_ bytes: C, to out: inout [UInt8]) {
        appendInteger(UInt32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }
}

/// A stored record that does not follow the format.
package struct RecordDecodingError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// Reads big-endian fields from a record.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws(RecordDecodingError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw RecordDecodingError("record ends early: wanted \(count) bytes at offset \(offset), \(remaining) left")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func byte() throws(RecordDecodingError) -> UInt8 { try take(1)[0] }

    mutating func uint32() throws(RecordDecodingError) -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64() throws(RecordDecodingError) -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func field() throws(RecordDecodingError) -> UnsafeRawBufferPointer {
        try take(Int(try uint32()))
    }

    mutating func string() throws(RecordDecodingError) -> String {
        String(decoding: try field(), as: UTF8.self)
    }
}
