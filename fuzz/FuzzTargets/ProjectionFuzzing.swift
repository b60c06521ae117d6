import EventLog
import Foundation
import Logging
@testable import Projections

/// Each built-in projection's decode and apply over an arbitrary payload, as an event of a chosen type and source,
/// folded into a state over a views store of its own and stored there, in LMDB: a stop, a change after a rejection,
/// or a change that storage refuses (a key from the input, empty or too long) is a crash.
enum ProjectionFuzzing {
    /// The envelopes the projections read: (type, source, metadata).
    static let envelopes: [(String, String, [String: String])] = [
        ("webhook.received", "stripe", ["event-type": "payment_intent.succeeded"]),
        ("webhook.received", "intercom", ["event-type": "conversation.admin.closed"]),
        ("webhook.received", "intercom", ["event-type": "conversation.deleted"]),
        ("webhook.received", "c2s", ["hook-action": "on_create_lead"]),
        ("webhook.received", "in:orders", ["event-type": "order.created"]),
        (RefundRequest.eventType, "admin", [:]),
        (ActionEvent.requested, "reactor", ["action-kind": "lark.card", "subject": "lead:1"]),
        (ActionEvent.succeeded, "dispatcher", ["action-kind": "enrichment.lookup", "subject": "lead:1"]),
        (ActionEvent.failed, "dispatcher", ["action-kind": "teams.message"]),
        (ActionEvent.dead, "dispatcher", ["action-kind": "stripe.refund"]),
        ("alert.fired", "alerts", [:]),
    ]

    /// The store the harness folds into, made once per process.
    static let store: (ProjectionStore, [(AnyProjection, [String: Database<String, [UInt8]>])]) = {
        let directory = NSTemporaryDirectory() + "switchyard-fuzz-\(getpid())"
        let store = try! ProjectionStore(
            directory: directory, logger: .init(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        let projections = BuiltInProjections.all.map {
            projection -> (AnyProjection, [String: Database<String, [UInt8]>]) in
            let erased = AnyProjection(projection)
            let slot = ProjectionSlot(name: erased.name, version: erased.version, generation: 0)
            return (erased, try! store.createTables(slot, tables: erased.tables))
        }
        return (store, projections)
    }()

    static func run(_ input: inout FuzzInput) {
        let (type, source, metadata) = envelopes[Int(input.byte()) % envelopes.count]
        let event = Event(
            position: UInt64(input.byte()) + 1, recordedAt: Timestamp(nanosecondsSinceEpoch: input.int64()), type: type,
            source: source,
            idempotencyKey: nil, metadata: metadata, payload: Array(input.rest), previousHash: .zero, hash: .zero
        )
        let (store, projections) = store
        for (erased, databases) in projections {
            let state = ProjectionState(databases: databases, capacity: 100)
            var changes = [ProjectionState.Change]()
            try? store.env.read { txn in
                try state.reading(txn) {
                    let decoded = [event].withUnsafeBufferPointer { erased.decodeAll($0, .builtIn) }
                    do {
                        try [event].withUnsafeBufferPointer { events in try erased.applyAll([decoded], events, 1, state)
                        }
                    } catch let failure as ApplyFailure {
                        // The failure policy's promise: what a sender sends costs one record (a rejection), never a
                        // stop; a rejected event changes nothing.
                        fatalError("\(erased.name) stopped on a sender's input: \(failure.reason)")
                    }
                    changes = try state.changes()
                }
            }
            // Stored in the real LMDB store, as the runner stores them: every key built from input must be storable.
            do {
                try UnstorableKey.check(changes)
                try store.env.write { txn in for change in changes { try change.store(in: txn) } }
            } catch {
                fatalError("\(erased.name): a sender's input made changes storage refuses: \(error)")
            }
        }
    }
}
