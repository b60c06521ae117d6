import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// A projection that counts events per source; its version and a poison type are set per test.
struct CountingProjection: Projection {
    var name = "counting"
    var version = 1
    var poisonType: String? = nil
    let tables = ["counts"]

    func decode(_ event: Event) throws -> String? {
        if event.type == poisonType { throw ProjectionError("cannot read \(event.type)") }
        return event.source
    }

    func apply(_ source: String, event: EventInfo, to state: ProjectionState) throws {
        try state.update(source, in: "counts", initial: version) { $0 += 1 }
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
            try await h.receive(["stripe", "c2s", "intercom"][n % 3], payload: json(#"{"n":\#(n)}"#), type: "test.event")
        }
    }

    @Test("many small batches (each folded while the one before is stored), and a cache that forgets between them, give byte-identical state to one big batch")
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

    @Test("a poison event stops only its projection, at that position, with the reason; the rest is committed")
    func poisonEvent() async throws {
        try await Harness.with { h in
            try await seed(h, count: 10)
            try await h.receive("stripe", payload: json("{}"), type: "poison")
            try await seed(h, count: 5)
            let runner = try await h.project([CountingProjection(name: "fragile", poisonType: "poison"), CountingProjection(name: "sturdy")])
            let statuses = Dictionary(uniqueKeysWithValues: runner.statuses().map { ($0.name, $0) })
            #expect(statuses["fragile"]?.state == .failed(position: 11, reason: "cannot read poison"))
            #expect(statuses["fragile"]?.checkpoint == 10)
            #expect(statuses["sturdy"]?.state == .live)
            #expect(try h.store.liveCheckpoint("fragile") == 10)
            #expect(try h.store.liveCheckpoint("sturdy") == 16)
        }
    }

    @Test("a poison event after full batches whose changes wait to be stored together: everything before it is stored")
    func poisonAfterWaitingBatches() async throws {
        try await Harness.with { h in
            try await seed(h, count: 13)
            try await h.receive("stripe", payload: json("{}"), type: "poison")
            // Batches of two: six full ones wait to be stored together when the seventh meets the poison.
            let runner = try await h.project([CountingProjection(name: "fragile", poisonType: "poison")], batchSize: 2)
            #expect(runner.statuses().first?.state == .failed(position: 14, reason: "cannot read poison"))
            #expect(try h.store.liveCheckpoint("fragile") == 13)
            let counts = try h.store.read("fragile") { reader in try ["stripe", "c2s", "intercom"].map { try reader.get(Int.self, $0, in: "counts") } }
            #expect(counts == [1 + 5, 1 + 4, 1 + 4])
        }
    }

    @Test("batches commit together on the views writer, yet a key LMDB cannot store fails only its own projection")
    func unstorableKeyStopsOnlyItsProjection() async throws {
        try await Harness.with { h in
            try await seed(h, count: 10)
            try await h.receive("stripe", payload: json(#"{"long":"\#(String(repeating: "s", count: 600))"}"#), type: "test.event")
            try await seed(h, count: 5)
            let runner = try await h.project([PayloadKeyedProjection(), SourceLengthProjection()], batchSize: 1)
            let statuses = Dictionary(uniqueKeysWithValues: runner.statuses().map { ($0.name, $0) })
            guard case .failed(_, let reason) = statuses["keyed-by-payload"]?.state else {
                Issue.record("expected keyed-by-source to fail, got \(String(describing: statuses["keyed-by-payload"]?.state))")
                return
            }
            #expect(reason.contains("611 bytes") && reason.contains("cannot be stored"), "\(reason)")
            #expect(try h.store.liveCheckpoint("keyed-by-payload") == 10)
            #expect(statuses["source-lengths"]?.state == .live)
            #expect(try h.store.liveCheckpoint("source-lengths") == 16)
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
            #expect(try h.store.env.read { try h.store.checkpoint(old, in: $0) } == 0, "the old version's checkpoint is gone")
            #expect(try h.store.env.read { try h.store.buildClaim("counting", in: $0) } == nil, "no build is left claimed")

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
