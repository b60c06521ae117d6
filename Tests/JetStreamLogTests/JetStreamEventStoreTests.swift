import EventLog
import Foundation
@testable import JetStreamLog
import Testing
import TestSupport

/// The JetStream log against real `nats-server` processes on loopback: one node, and a three-node cluster with the
/// stream on three replicas.
@Suite("The log on JetStream", .serialized)
struct JetStreamEventStoreTests {
    static func event(_ n: Int, key: String? = nil) -> NewEvent {
        NewEvent(
            type: "test.event", source: "test", idempotencyKey: key, metadata: ["n": "\(n)"],
            payload: Array(#"{"n":\#(n)}"#.utf8))
    }

    /// Opens a node's store on `cluster` with its own replica folder, retrying while the cluster elects its leaders.
    static func open(_ cluster: NATSCluster, replicas: Int, name: String) async throws -> JetStreamEventStore {
        var configuration = JetStreamConfiguration()
        configuration.urls = cluster.urls
        configuration.replicas = replicas
        configuration.stream = "TEST_LOG"
        configuration.requestTimeoutMilliseconds = 3_000
        let directory = cluster.root + "/replica-\(name)"
        var last: (any Error)?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            do {
                return try await JetStreamEventStore(
                    configuration: configuration, directory: directory, logger: quietLogger)
            } catch {
                last = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw last ?? CancellationError()
    }

    @Test(
        "appends are gapless, hash-chained and deduplicated by key; a second node reads the same records with the same hashes"
    )
    func oneNode() async throws {
        let cluster = try await NATSCluster.launch(size: 1)
        defer { cluster.stop() }
        let a = try await Self.open(cluster, replicas: 1, name: "a")
        let outcomes = try await a.append(
            [Self.event(1, key: "k1"), Self.event(2, key: "k2"), Self.event(3, key: "k1")], checkpoint: nil)
        #expect(outcomes.map(\.position) == [1, 2, 1])
        #expect(outcomes[2].isDuplicate)
        let again = try await a.append(Self.event(4, key: "k2"))
        #expect(again.isDuplicate && again.position == 2, "a key is deduplicated across appends")
        let b = try await Self.open(cluster, replicas: 1, name: "b")
        #expect(try await b.head() == (try await a.head()))
        let fromB = try await b.append(Self.event(5, key: "k1"))
        #expect(fromB.isDuplicate && fromB.position == 1, "a key appended on one node is a duplicate on another")
        let third = try await b.append(Self.event(6, key: "k3"))
        #expect(third.position == 3)
        // A appended nothing since: its next append finds B's record first and chains after it.
        let fourth = try await a.append(Self.event(7))
        #expect(fourth.position == 4)
        try await b.refresh()
        #expect(try await a.head() == (try await b.head()))
        #expect(try a.mirror.verify().isIntact)
        #expect(try b.mirror.verify().isIntact)
        // A publish that expects an older last sequence is refused by JetStream and stores nothing: the check every
        // append relies on when another node appended first.
        var configuration = JetStreamConfiguration()
        (configuration.urls, configuration.stream, configuration.replicas) = (cluster.urls, "TEST_LOG", 1)
        let connection = try JetStreamConnection(configuration)
        defer { connection.close() }
        let last = try connection.lastSequence()
        #expect(throws: NATSError.self) {
            try connection.publish(GroupFrame.encode([[UInt8]]()), expectedLastSequence: last - 1)
        }
        do {
            _ = try connection.publish(GroupFrame.encode([[UInt8]]()), expectedLastSequence: last - 1)
        } catch {
            #expect(error.isWrongLastSequence, "\(error)")
        }
        #expect(try connection.lastSequence() == last)
        // Concurrent appends on one node share group commits: 64 appends, fewer stream messages.
        let before = try connection.lastSequence()
        let positions = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for n in 0..<64 { group.addTask { try await a.append(Self.event(100 + n, key: "group-\(n)")).position } }
            var all = [UInt64]()
            for try await position in group { all.append(position) }
            return all
        }
        #expect(Set(positions).count == 64)
        let messages = try connection.lastSequence() - before
        #expect(messages < 64, "64 appends took \(messages) messages")
        #expect(try a.mirror.verify().isIntact)
        await a.close()
        await b.close()
    }

    @Test("two nodes appending at once on a three-replica stream: every event stored once, gapless, one chain")
    func contention() async throws {
        let cluster = try await NATSCluster.launch(size: 3)
        defer { cluster.stop() }
        let a = try await Self.open(cluster, replicas: 3, name: "a")
        let b = try await Self.open(cluster, replicas: 3, name: "b")
        // Both nodes get every key (a webhook delivered to both gateways); each key must be stored once.
        async let fromA: [AppendOutcome] = (0..<60).asyncMap { n in try await a.append(Self.event(n, key: "key-\(n)")) }
        async let fromB: [AppendOutcome] = (0..<60).asyncMap { n in try await b.append(Self.event(n, key: "key-\(n)")) }
        let (outcomesA, outcomesB) = try await (fromA, fromB)
        for n in 0..<60 {
            #expect(outcomesA[n].position == outcomesB[n].position, "key-\(n) has one position on both nodes")
        }
        try await a.refresh()
        try await b.refresh()
        let head = try await a.head()
        #expect(head.position == 60, "60 keys, 60 records")
        #expect(try await b.head() == head)
        #expect(try a.mirror.verify().isIntact)
        #expect(try b.mirror.verify().isIntact)
        await a.close()
        await b.close()
    }

    @Test("without a quorum nothing is acknowledged; with it back, appends go on and nothing acknowledged is lost")
    func quorum() async throws {
        let cluster = try await NATSCluster.launch(size: 3)
        defer { cluster.stop() }
        let a = try await Self.open(cluster, replicas: 3, name: "a")
        let first = try await a.append(Self.event(1, key: "before"))
        #expect(first.position == 1)
        cluster.kill(1)
        cluster.kill(2)
        await #expect(throws: (any Error).self, "two of three nodes down: no ack") {
            try await a.append(Self.event(2, key: "during"))
        }
        try await cluster.start(1)
        try await cluster.start(2)
        var after: AppendOutcome?
        let deadline = ContinuousClock.now + .seconds(45)
        while after == nil, ContinuousClock.now < deadline {
            after = try? await a.append(Self.event(3, key: "after"))
        }
        let appended = try #require(after, "an append after the quorum came back")
        #expect(appended.position >= 2)
        #expect(try a.mirror.event(at: 1)?.idempotencyKey == "before")
        #expect(try a.mirror.verify().isIntact)
        await a.close()
    }
}

extension Range<Int> {
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var out = [T]()
        for n in self { out.append(try await transform(n)) }
        return out
    }
}
