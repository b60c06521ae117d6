import EventLog
import Testing

@Suite("Event values")
struct EventValueTests {
    static let event = Event(
        position: 7, recordedAt: Timestamp(nanosecondsSinceEpoch: 1), type: "webhook.received", source: "stripe",
        idempotencyKey: "stripe:evt_1",
        metadata: ["event-type": "charge.refunded"], payload: Array(#"{"id":"evt_1"}"#.utf8), previousHash: .zero,
        hash: .zero
    )

    @Test("a copy changed field by field leaves the original as it was, and equality compares the fields")
    func valueSemantics() {
        var copy = Self.event
        #expect(copy == Self.event)
        copy.payload = Array("{}".utf8)
        copy.type = "webhook.rejected"
        copy.source = "c2s"
        copy.idempotencyKey = nil
        copy.metadata["reason"] = "invalid_signature"
        #expect(Self.event.payload == Array(#"{"id":"evt_1"}"#.utf8))
        #expect(
            (Self.event.type, Self.event.source, Self.event.idempotencyKey) == (
                "webhook.received", "stripe", "stripe:evt_1"
            ))
        #expect(Self.event.metadata == ["event-type": "charge.refunded"])
        #expect(
            (copy.type, copy.source, copy.idempotencyKey, copy.metadata.count) == ("webhook.rejected", "c2s", nil, 2))
        #expect(copy != Self.event)
        // Built apart with the same fields: equal.
        let twin = Event(
            position: 7, recordedAt: Timestamp(nanosecondsSinceEpoch: 1), type: "webhook.received", source: "stripe",
            idempotencyKey: "stripe:evt_1",
            metadata: ["event-type": "charge.refunded"], payload: Array(#"{"id":"evt_1"}"#.utf8), previousHash: .zero,
            hash: .zero
        )
        #expect(twin == Self.event)
        var moved = twin
        moved.position = 8
        #expect(moved != Self.event)
    }
}
