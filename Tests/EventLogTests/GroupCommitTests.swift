import EventLog
import Foundation
import Testing
import TestSupport

/// The append rules as a value (``GroupCommit``), and the LMDB store keeping them: dedupe, gapless positions, the
/// chain, recording times that never go backwards, checkpoint names.
@Suite("Group commit rules")
struct GroupCommitTests {
    static let t0 = Timestamp(nanosecondsSinceEpoch: 1_764_000_000_000_000_000)

    @Test("a group dedupes against stored keys and its own, numbers positions from the head and chains each record")
    func dedupeAndChain() throws {
        let head = LogHead(position: 41, hash: EventHash(bytes: Array(repeating: 7, count: 32)))
        var commit = GroupCommit(head: head, lastRecordedAt: Self.t0, now: Self.t0)
        let stored = EventHash(bytes: Array(repeating: 9, count: 32))
        let first = commit.add([
            NewEvent(type: "a", source: "s", idempotencyKey: "k1"),
            NewEvent(type: "b", source: "s", idempotencyKey: "old"),
            NewEvent(type: "c", source: "s"),
        ]) { $0 == "old" ? (3, stored) : nil }
        let second = commit.add([NewEvent(type: "d", source: "s", idempotencyKey: "k1")]) { _ in nil }
        #expect(first.map(\.position) == [42, 3, 43])
        #expect(first[1] == .duplicate(of: 3, hash: stored))
        #expect(second == [.duplicate(of: 42, hash: commit.appended[0].hash)])
        #expect(commit.appended.map(\.position) == [42, 43])
        #expect(commit.appended[0].previousHash == head.hash)
        #expect(commit.appended[1].previousHash == commit.appended[0].hash)
        #expect(commit.head == LogHead(position: 43, hash: commit.appended[1].hash))
        #expect(throws: EventLogError.self) { try GroupCommit.validateCheckpointName("") }
        #expect(throws: EventLogError.self) {
            try GroupCommit.validateCheckpointName(String(repeating: "c", count: 201))
        }
        try GroupCommit.validateCheckpointName("reactor:stripe-refunds")
    }

    @Test("the recording time is the wall clock's, or the last record's when the clock went back")
    func timeNeverGoesBack() {
        let later = Timestamp(nanosecondsSinceEpoch: Self.t0.nanosecondsSinceEpoch + 5_000_000_000)
        #expect(GroupCommit(head: .empty, lastRecordedAt: nil, now: Self.t0).recordedAt == Self.t0)
        #expect(GroupCommit(head: .empty, lastRecordedAt: Self.t0, now: later).recordedAt == later)
        #expect(
            GroupCommit(head: .empty, lastRecordedAt: later, now: Self.t0).recordedAt == later,
            "a clock stepped back by 5 s")
    }

    @Test(
        "on LMDB, an append after a record from later than the clock is recorded at that record's time, and verify holds"
    )
    func lmdbClampsTime() async throws {
        try await withLog { log, _ in
            _ = try await log.append(NewEvent(type: "first", source: "test"))
            let first = try #require(try log.event(at: 1))
            // A record restored from a log whose clock ran an hour ahead: this machine's clock is now "behind".
            let ahead = Timestamp(nanosecondsSinceEpoch: Timestamp.now().nanosecondsSinceEpoch + 3_600_000_000_000)
            let encoded = RecordCodec.encode(
                NewEvent(type: "ahead", source: "test"), position: 2, recordedAt: ahead, previousHash: first.hash)
            try await log.restore([
                Event(
                    position: 2, recordedAt: ahead, type: "ahead", source: "test", idempotencyKey: nil, metadata: [:],
                    payload: [],
                    previousHash: first.hash, hash: encoded.hash)
            ])
            _ = try await log.append(NewEvent(type: "after", source: "test"))
            let after = try #require(try log.event(at: 3))
            #expect(
                after.recordedAt >= ahead, "recorded at \(after.recordedAt), before the record before it (\(ahead))")
            #expect(try log.verify().isIntact)
            #expect(try await log.lastPosition(recordedAtOrBefore: first.recordedAt) == 1)
        }
    }

    @Test("verify reports a record recorded before the one before it")
    func verifyChecksTime() async throws {
        try await withLog { log, _ in
            let t1 = Timestamp(nanosecondsSinceEpoch: Self.t0.nanosecondsSinceEpoch + 1_000)
            var previous = EventHash.zero
            var records = [Event]()
            for (position, time) in [(UInt64(1), t1), (2, Self.t0)] {
                let encoded = RecordCodec.encode(
                    NewEvent(type: "t", source: "test"), position: position, recordedAt: time, previousHash: previous)
                records.append(
                    Event(
                        position: position, recordedAt: time, type: "t", source: "test", idempotencyKey: nil,
                        metadata: [:], payload: [],
                        previousHash: previous, hash: encoded.hash))
                previous = encoded.hash
            }
            try await log.restore(records)
            guard case .broken(let position, let reason) = try log.verify() else {
                Issue.record("verify passed a log whose times go backwards")
                return
            }
            #expect(position == 2)
            #expect(reason.contains("never go backwards"), "\(reason)")
        }
    }
}
