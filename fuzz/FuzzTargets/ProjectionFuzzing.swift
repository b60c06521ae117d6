import EventLog
import Foundation
import Logging
@testable import Projections

/// Each built-in projection's decode and apply over an arbitrary payload, as an event of a chosen type and source,
/// folded into a state over a views store of its own.
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
        let store = try! ProjectionStore(directory: directory, logger: .init(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        let projections = BuiltInProjections.all.map { projection -> (AnyProjection, [String: Database<String, [UInt8]>]) in
            let erased = AnyProjection(projection)
            let slot = ProjectionSlot(name: erased.name, version: erased.version, generation: 0)
            return (erased, try! store.createTables(slot, tables: erased.tables))
        }
        return (store, projections)
    }()

    static func run(_ input: inout FuzzInput) {
        let (type, source, metadata) = envelopes[Int(input.byte()) % envelopes.count]
        let event = Event(
            position: UInt64(input.byte()) + 1, recordedAt: Timestamp(nanosecondsSinceEpoch: input.int64()), type: type, source: source,
            idempotencyKey: nil, metadata: metadata, payload: Array(input.rest), previousHash: .zero, hash: .zero
        )
        let (store, projections) = store
        for (erased, databases) in projections {
            let state = ProjectionState(databases: databases, capacity: 100)
            try? store.env.read { txn in
                try state.reading(txn) {
                    let decoded = [event].withUnsafeBufferPointer { erased.decodeAll($0, .builtIn) }
                    do {
                        try [event].withUnsafeBufferPointer { events in try erased.applyAll([decoded], events, 1, state) }
                    } catch let failure as ApplyFailure where failure.reason.contains("after changing its state") {
                        // The failure policy's promise: a rejected event changes nothing.
                        fatalError("\(erased.name): \(failure.reason)")
                    } catch {
                        // Any other error is an answer: a bug of ours stops the projection, saying where.
                    }
                    _ = try state.changes()
                }
            }
        }
    }
}
