import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// A projection that counts events per source; its version, a poison type (that it cannot decode), a type that it
/// rejects in `apply`, and a type that meets a bug of its own are set per test.
struct CountingProjection: Projection {
    var name = "counting"
    var version = 1
    var poisonType: String? = nil
    var rejectedType: String? = nil
    /// Rejected after a write: a bug, since a rejection must change nothing.
    var rejectedLateType: String? = nil
    var bugType: String? = nil
    let tables = ["counts"]

    func decode(_ event: Event) throws -> String? {
        if event.type == poisonType { throw ProjectionError("cannot read \(event.type)") }
        return event.source
    }

    func apply(_ source: String, event: EventInfo, to state: ProjectionState) throws {
        if event.type == rejectedType { throw EventRejected("refused \(event.type)") }
        if event.type == bugType { throw ProjectionError("an invariant broke at \(event.type)") }
        try state.update(source, in: "counts", initial: version) { $0 += 1 }
        if event.type == rejectedLateType { throw EventRejected("refused \(event.type) too late") }
    }
}

/// A projection that counts events by their payload's text: a long payload makes a key too long to store.
struct PayloadKeyedProjection: Projection {
    let name = "keyed-by-payload"
    let version = 1
    let tables = ["payloads"]

    func decode(_ event: Event) throws -> String? { String(decoding: event.payload, as: UTF8.self) }

    func apply(_ payload: String, event: EventInfo, to state: ProjectionState) throws {
        try state.update(payload, in: "payloads", initial: 0) { $0 += 1 }
    }
}

/// A projection that counts events by the length of their source: its keys are always short.
struct SourceLengthProjection: Projection {
    let name = "source-lengths"
    let version = 1
    let tables = ["lengths"]

    func decode(_ event: Event) throws -> Int? { event.source.utf8.count }

    func apply(_ length: Int, event: EventInfo, to state: ProjectionState) throws {
        try state.update(String(length), in: "lengths", initial: 0) { $0 += 1 }
    }
}

@Suite("Projection engine")
struct EngineTests {
    func seed(_ h: Harness, count: Int) async throws {
        for n in 0..<count {
            try await h.receive(
                ["stripe", "c2s", "intercom"][n % 3], payload: json(#"{"n":\#(n)}"#), type: "test.event")
        }
    }

    @Test(
        "many small batches (each folded while the one before is stored), and a cache that forgets between them, give byte-identical state to one big batch"
    )
    func batchingIsDeterministic() async throws {
        var digests = [String]()
        for (batchSize, cacheCapacity) in [(1, 0), (7, 1), (3, 4), (7, 100_000), (64, 0), (1024, 100_000)] {
            try await Harness.with { h in
                try await seed(h, count: 100)
                _ = try await h.project([CountingProjection()], batchSize: batchSize, cacheCapacity: cacheCapacity)
                digests.append(try #require(try h.store.digest("counting")))
                let stripe = try h.store.read("counting") { try $0.get(Int.self, "stripe", in: "counts") }
                #expect(stripe == 1 + 34)
            }
        }
        #expect(Set(digests).count == 1)
    }

    @Test(
        "an event a projection cannot decode or rejects costs one record: listed in rejected_events, the events after it applied"
    )
    func poisonEventIsSkipped() async throws {
        try await Harness.with { h in
            try await seed(h, count: 10)
            try await h.receive("stripe", payload: json("{}"), type: "poison")
            try await seed(h, count: 3)
            try await h.receive("c2s", payload: json("{}"), type: "refused")
            try await seed(h, count: 2)
            let runner = try await h.project([
                CountingProjection(name: "fragile", poisonType: "poison", rejectedType: "refused"),
                CountingProjection(name: "sturdy"),
            ])
            let statuses = Dictionary(uniqueKeysWithValues: runner.statuses().map { ($0.name, $0) })
            #expect(statuses["fragile"]?.state == .live)
            #expect(try h.store.liveCheckpoint("fragile") == 17)
            #expect(try h.store.liveCheckpoint("sturdy") == 17)
            let (rejected, counts) = try #require(
                try h.store.read("fragile") { reader in
                    (
                        try reader.list(RejectedEvent.self, in: RejectedEvent.table, limit: 10).map(\.value),
                        try ["stripe", "c2s", "intercom"].map { try reader.get(Int.self, $0, in: "counts") }
                    )
                })
            #expect(rejected.map(\.position) == [11, 15])
            #expect(rejected.map(\.type) == ["poison", "refused"])
            #expect(rejected[0].reason == "cannot decode: cannot read poison")
            #expect(rejected[1].reason == "refused refused")
            #expect(rejected.allSatisfy { $0.version == 1 })
            // Seeded: stripe 4 + 1 + 1, c2s 3 + 1 + 1, intercom 3 + 1 (a count starts at the version, 1); the two
            // skipped events count nowhere.
            #expect(counts == [1 + 6, 1 + 5, 1 + 4])
            #expect(try h.store.read("sturdy") { try $0.count(RejectedEvent.table) } == 0)
        }
    }

    @Test("skipped events are part of the state: any batching gives the same digest")
    func skipsAreDeterministic() async throws {
        var digests = Set<String>()
        for batchSize in [1, 3, 64] {
            try await Harness.with { h in
                try await seed(h, count: 20)
                try await h.receive("stripe", payload: json("{}"), type: "poison")
                try await seed(h, count: 20)
                _ = try await h.project(
                    [CountingProjection(poisonType: "poison")], batchSize: batchSize, cacheCapacity: 0)
                digests.insert(try #require(try h.store.digest("counting")))
            }
        }
        #expect(digests.count == 1)
    }

    @Test("a bug of ours stops only its projection, at that position, with the reason; the rest is committed")
    func bugStopsTheProjection() async throws {
        try await Harness.with { h in
            try await seed(h, count: 10)
            try await h.receive("stripe", payload: json("{}"), type: "bug")
            try await seed(h, count: 5)
            let runner = try await h.project([
                CountingProjection(name: "fragile", bugType: "bug"), CountingProjection(name: "sturdy"),
            ])
            let statuses = Dictionary(uniqueKeysWithValues: runner.statuses().map { ($0.name, $0) })
            #expect(statuses["fragile"]?.state == .failed(position: 11, reason: "an invariant broke at bug"))
            #expect(statuses["fragile"]?.checkpoint == 10)
            #expect(statuses["sturdy"]?.state == .live)
            #expect(try h.store.liveCheckpoint("fragile") == 10)
            #expect(try h.store.liveCheckpoint("sturdy") == 16)
        }
    }

    @Test("a projection that rejects an event after changing its state has a bug: it stops there")
    func lateRejectionStops() async throws {
        try await Harness.with { h in
            try await seed(h, count: 4)
            try await h.receive("stripe", payload: json("{}"), type: "late")
            let runner = try await h.project([CountingProjection(name: "sloppy", rejectedLateType: "late")])
            guard case .failed(let position, let reason)? = runner.statuses().first?.state else {
                Issue.record("the projection did not stop: \(String(describing: runner.statuses().first?.state))")
                return
            }
            #expect(position == 5)
            #expect(reason.contains("after changing its state"))
            #expect(try h.store.liveCheckpoint("sloppy") == 4)
        }
    }

    @Test("a bug after full batches whose changes wait to be stored together: everything before it is stored")
    func bugAfterWaitingBatches() async throws {
        try await Harness.with { h in
            try await seed(h, count: 13)
            try await h.receive("stripe", payload: json("{}"), type: "bug")
            // Batches of two: six full ones wait to be stored together when the seventh meets the bug.
            let runner = try await h.project([CountingProjection(name: "fragile", bugType: "bug")], batchSize: 2)
            #expect(runner.statuses().first?.state == .failed(position: 14, reason: "an invariant broke at bug"))
            #expect(try h.store.liveCheckpoint("fragile") == 13)
            let counts = try h.store.read("fragile") { reader in
                try ["stripe", "c2s", "intercom"].map { try reader.get(Int.self, $0, in: "counts") }
            }
            #expect(counts == [1 + 5, 1 + 4, 1 + 4])
        }
    }

    @Test(
        "a key storage refuses (empty or over 511 bytes) costs its event, recorded with the reason; the projection goes on"
    )
    func unstorableKeyCostsOneEvent() async throws {
        try await Harness.with { h in
            try await seed(h, count: 10)
            try await h.receive(
                "stripe", payload: json(#"{"long":"\#(String(repeating: "s", count: 600))"}"#), type: "test.event")
            try await h.receive("stripe", payload: [], type: "test.event")
            try await seed(h, count: 5)
            let runner = try await h.project([PayloadKeyedProjection(), SourceLengthProjection()], batchSize: 1)
            let statuses = Dictionary(uniqueKeysWithValues: runner.statuses().map { ($0.name, $0) })
            #expect(statuses["keyed-by-payload"]?.state == .live)
            #expect(try h.store.liveCheckpoint("keyed-by-payload") == 17)
            let rejected = try h.store.rejections("keyed-by-payload", recent: 10)
            #expect(rejected.count == 2)
            #expect(rejected.recent.map(\.position).sorted() == [11, 12])
            #expect(
                rejected.recent.contains { $0.position == 11 && $0.reason.contains("611 bytes") }, "\(rejected.recent)")
            #expect(
                rejected.recent.contains { $0.position == 12 && $0.reason.contains("empty key") }, "\(rejected.recent)")
            #expect(statuses["source-lengths"]?.state == .live)
            #expect(try h.store.liveCheckpoint("source-lengths") == 17)
        }
    }

    @Test("a version bump builds beside the old one, switches when caught up, and equals a fresh build")
    func versionBump() async throws {
        try await Harness.with { h in
            try await seed(h, count: 30)
            _ = try await h.project([CountingProjection(version: 1)])
            #expect(try h.store.read("counting") { try $0.get(Int.self, "stripe", in: "counts") } == 1 + 10)
            try await seed(h, count: 30)
            _ = try await h.project([CountingProjection(version: 2)])
            #expect(try h.store.liveVersion("counting") == 2)
            let reading = try h.store.read("counting") { ($0.version, try $0.get(Int.self, "stripe", in: "counts")) }
            #expect(reading?.0 == 2)
            #expect(reading?.1 == 2 + 20)
            let bumped = try h.store.digest("counting")
            let old = ProjectionSlot(name: "counting", version: 1, generation: 0)
            #expect(
                try h.store.env.read { try h.store.checkpoint(old, in: $0) } == 0,
                "the old version's checkpoint is gone")
            #expect(
                try h.store.env.read { try h.store.buildClaim("counting", in: $0) } == nil, "no build is left claimed")

            try await Harness.with { fresh in
                for event in try h.log.events(from: 1, limit: 1000) {
                    try await fresh.receive(event.source, payload: event.payload, type: event.type)
                }
                _ = try await fresh.project([CountingProjection(version: 2)])
                #expect(try fresh.store.digest("counting") == bumped)
            }
        }
    }
}

/// The failure policy on the built-in projections: an event each one cannot use is listed and skipped, and the event
/// after it is applied.
@Suite("A poison event for each projection")
struct PoisonPerProjectionTests {
    /// A projection, an event of the kind it reads that it cannot use, and the table a good event after it fills.
    static let cases:
        [(
            String, type: String, source: String, metadata: [String: String], poison: String, good: String,
            table: String
        )] = [
            (
                "payments", "webhook.received", "stripe", ["event-type": "charge.refunded"],
                #"{"id":"evt_p","type":"charge.refunded","data":{"object":{"id":5,"object":"charge"}}}"#,
                #"{"id":"evt_g","type":"payment_intent.succeeded","created":1764590400,"data":{"object":{"id":"pi_g","object":"payment_intent","amount":10,"amount_received":10,"currency":"usd","status":"succeeded"}}}"#,
                "payments"
            ),
            (
                "leads", "webhook.received", "c2s", ["hook-action": "on_create_lead"],
                #"{"id":true,"hook_action":"on_create_lead","attributes":{"updated_at":"t"}}"#,
                #"{"id":"L-9","hook_action":"on_create_lead","attributes":{"updated_at":"t","customer":{"name":"Ana","phone":"11987654321"}}}"#,
                "leads"
            ),
            (
                "notifications", ActionEvent.requested, "reactor", [:], #"{"action_id":7}"#,
                #"{"action_id":"a1","channel":"lark","target":"bot","caused_by":1}"#, "actions"
            ),
            (
                "outbox", ActionEvent.requested, "reactor", [:], #"{"action_id":"a0"}"#,
                #"{"action_id":"a1","kind":"lark.card","channel":"lark","target":"bot","params":{},"caused_by":1,"reactor":"r","index":0}"#,
                "queue"
            ),
            (
                "alerts", "alert.fired", "alerts", [:], #"{"name":17}"#,
                #"{"name":"webhook_rejections","severity":"warning","message":"m","state":"","at":"","position":0}"#,
                "active"
            ),
        ]

    @Test("listed in rejected_events with the reason, and the event after it applied", arguments: cases.map(\.0))
    func poison(name: String) async throws {
        let c = try #require(Self.cases.first { $0.0 == name })
        let projection = try #require(BuiltInProjections.all.first { $0.name == name })
        try await Harness.with { h in
            try await h.receive(c.source, payload: json(c.poison), metadata: c.metadata, type: c.type)
            try await h.receive(c.source, payload: json(c.good), metadata: c.metadata, type: c.type)
            let runner = try await h.project([projection])
            #expect(
                runner.statuses().first?.state == .live,
                "\(name): \(String(describing: runner.statuses().first?.state))")
            let (rejected, filled) = try #require(
                try h.store.read(name) { reader in
                    (
                        try reader.list(RejectedEvent.self, in: RejectedEvent.table, limit: 10).map(\.value),
                        try reader.count(c.table)
                    )
                })
            #expect(rejected.map(\.position) == [1], "\(name)")
            #expect(rejected.first?.reason.hasPrefix("cannot decode") == true, "\(name): \(rejected)")
            #expect(filled > 0, "\(name): the event after the poison filled \(c.table)")
        }
    }
}

@Suite("Rebuild reports")
struct RebuildReportTests {
    @Test("a projection that stops in a fresh build is reported with where and why; the others' digests are there")
    func stoppedIsReported() async throws {
        try await Harness.with { h in
            for n in 0..<5 {
                try await h.receive("stripe", payload: json(#"{"n":\#(n)}"#), type: n == 3 ? "bug.event" : "test.event")
            }
            let built = try await Rebuild.buildReporting(
                log: h.log, into: h.directory + "/scratch",
                projections: [CountingProjection(name: "buggy", bugType: "bug.event"), SourceLengthProjection()],
                logger: quietLogger)
            #expect(built.stopped.keys.sorted() == ["buggy"])
            #expect(built.stopped["buggy"]?.contains("position 4") == true, "\(built.stopped)")
            #expect(built.stopped["buggy"]?.contains("an invariant broke") == true, "\(built.stopped)")
            #expect(built.digests.keys.sorted() == ["source-lengths"])
            await #expect(throws: ProjectionError.self) {
                _ = try await Rebuild.build(
                    log: h.log, into: h.directory + "/scratch2",
                    projections: [CountingProjection(name: "buggy", bugType: "bug.event")],
                    logger: quietLogger)
            }
        }
    }
}
