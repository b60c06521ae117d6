import Crypto
import Foundation

/// What ``LMDBEventLog/verify()`` found.
package enum VerificationReport: Sendable, Equatable {
    /// Every record links to the one before and hashes to its stored hash.
    case intact(head: LogHead)
    /// The first record that does not hold, and why.
    case broken(position: UInt64, reason: String)

    /// Whether the chain holds.
    package var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }
}

extension LMDBEventLog {
    /// Walks the whole chain from position 1: positions gapless, each record's previous hash equal to the hash
    /// before it, each hash equal to `SHA-256(previousHash ‖ canonicalBytes)`, and each recording time at or after
    /// the one before; then that `meta head` names the
    /// last record (records cut from the end show here), and that the `keys` index is exactly the records' keys:
    /// every record with a key has its entry pointing at it, and every entry points at a record with that key.
    /// The first disagreement is reported with its position.
    package func verify() throws -> VerificationReport {
        try guardOpen {
            try env.read { txn in
                var expected: UInt64 = 1
                var previous = EventHash.zero
                var previousTime: Timestamp?
                var failure: VerificationReport?
                var keyed = 0
                try events.scan(in: txn) { key, value in
                    let position = try UInt64(storedBytes: key)
                    if let problem = Self.check(record: value, at: position, expected: expected, previous: previous) {
                        failure = .broken(position: min(position, expected), reason: problem)
                        return false
                    }
                    guard let record = try? RecordCodec.decode(value) else {
                        failure = .broken(position: position, reason: "the record's fields do not parse")
                        return false
                    }
                    if let previousTime, record.recordedAt < previousTime {
                        failure = .broken(
                            position: position,
                            reason:
                                "recorded at \(record.recordedAt), before the record before it (\(previousTime)): recording times never go backwards"
                        )
                        return false
                    }
                    previousTime = record.recordedAt
                    if let idempotencyKey = record.idempotencyKey {
                        keyed += 1
                        let indexed = try keys.get(idempotencyKey, in: txn)
                        guard indexed == position else {
                            let found = indexed.map { "points at position \($0)" } ?? "is missing"
                            failure = .broken(
                                position: position,
                                reason: "the keys index entry for this record's idempotency key \(found)")
                            return false
                        }
                    }
                    previous = EventHash(copying: UnsafeRawBufferPointer(rebasing: value.suffix(RecordCodec.hashSize)))
                    expected = position + 1
                    return true
                }
                if let failure { return failure }
                if let disagreement = try Self.headDisagreement(events: events, meta: meta, env: env) {
                    return .broken(position: disagreement.position, reason: disagreement.message)
                }
                if try keys.count(in: txn) != keyed, let extra = try extraKey(in: txn) { return extra }
                return .intact(head: LogHead(position: expected - 1, hash: previous))
            }
        }
    }

    /// The first entry of `keys` that points at no record with its key: an entry added without its record.
    private func extraKey(in txn: ReadTransaction) throws -> VerificationReport? {
        var found: VerificationReport?
        try keys.scan(in: txn) { keyBytes, positionBytes in
            let key = String(decoding: keyBytes, as: UTF8.self)
            let position = try UInt64(storedBytes: positionBytes)
            let recordKey =
                try events.withValue(for: position, in: txn) { try? RecordCodec.decode($0).idempotencyKey } ?? nil
            guard recordKey == key else {
                found = .broken(
                    position: position,
                    reason:
                        "the keys index has an entry \"\(key.prefix(80))\" pointing at position \(position), whose record \(recordKey == nil ? "has no such key" : "has another key")"
                )
                return false
            }
            return true
        }
        return found
    }

    private static func check(
        record: UnsafeRawBufferPointer, at position: UInt64, expected: UInt64, previous: EventHash
    ) -> String? {
        guard position == expected else { return "position \(expected) is missing; the next record is at \(position)" }
        let minimum = 1 + 8 + RecordCodec.trailerSize
        guard record.count >= minimum else { return "the record is \(record.count) bytes, shorter than any record" }
        guard record[0] == RecordCodec.version else { return "unknown format version \(record[0])" }
        let stored = record[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard stored == position else { return "the record says position \(stored) but is stored at \(position)" }
        let canonical = UnsafeRawBufferPointer(rebasing: record[0..<(record.count - RecordCodec.trailerSize)])
        let link = EventHash(
            copying: UnsafeRawBufferPointer(
                rebasing: record[(record.count - RecordCodec.trailerSize)..<(record.count - RecordCodec.hashSize)]))
        guard link == previous else { return "the previous-hash link does not match the record before" }
        let computed = RecordCodec.chainHash(previous: previous, canonical: canonical)
        guard computed == EventHash(copying: UnsafeRawBufferPointer(rebasing: record.suffix(RecordCodec.hashSize)))
        else {
            return "the stored hash does not match the record's bytes"
        }
        return nil
    }

    /// Writes a hot, compacted copy of the log into `directory` (created if absent, and it must be empty), then
    /// opens the copy and verifies its chain.
    package func backup(to directory: String) async throws -> VerificationReport {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard try files.contentsOfDirectory(atPath: directory).isEmpty else {
            throw EventLogError(.storageFailure, "the backup directory \(directory) is not empty")
        }
        try guardOpen { try env.copy(to: directory) }
        let copy = try LMDBEventLog(directory: directory, logger: logger)
        let report: VerificationReport
        do {
            report = try copy.verify()
        } catch {
            await copy.close()
            throw error
        }
        await copy.close()
        return report
    }
}
