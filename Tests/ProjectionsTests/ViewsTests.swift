import EventLog
import Projections
import Testing

@Suite("Leads, deliveries, conversations and notifications")
struct ViewsTests {
    @Test(
        "contact rules: email syntax, E.164 with Brazil by default, fake patterns",
        arguments: [
            ("(11) 98765-4321", "+5511987654321"), ("+55 11 91234-5678", "+5511912345678"),
            ("011 3456-7890", "+551134567890"),
            ("5511987654321", "+5511987654321"), ("+1 415 555 2671", "+14155552671"), ("12345", nil),
            ("(11) 88765-4321", nil),
        ] as [(String, String?)])
    func phones(raw: String, expected: String?) {
        #expect(ContactNormalization.phone(raw) == expected)
    }

    @Test("emails")
    func emails() {
        #expect(ContactNormalization.email(" Carla.Mendes@Example.com.br ") == "carla.mendes@example.com.br")
        #expect(ContactNormalization.email("no-at-sign.example.com") == nil)
        #expect(ContactNormalization.email("a@b") == nil)
        #expect(ContactNormalization.email("a..b@example.com") == nil)
        #expect(
            ContactNormalization.fakeFlags(email: "123456789@gmail.com", phone: "+5511999999999") == [
                "phone:999999", "email:123456789",
            ])
    }

    @Test("leads: received, updated, closed; a lead with no usable contact is invalid_contact; daily stats")
    func leads() async throws {
        try await Harness.with { h in
            try await h.receive("c2s", fixture: "c2s/on_create_lead.json")
            try await h.receive("c2s", fixture: "c2s/on_update_lead.json")
            try await h.receive("c2s", fixture: "c2s/on_close_lead.json")
            try await h.receive(
                "c2s",
                payload: json(
                    #"{"data":{"id":"L-wrapped","type":"lead","hook_action":"on_create_lead","attributes":{"updated_at":"y","customer":{"email":"ana@example.com"}}}}"#
                ))
            try await h.receive(
                "c2s",
                payload: json(
                    #"{"id":"L-fake","hook_action":"on_create_lead","attributes":{"updated_at":"x","customer":{"name":"Test","email":"nope","phone":"(11) 99999-9999"}}}"#
                ))
            _ = try await h.project([LeadsProjection()])
            let state = try h.store.read("leads") { reader in
                (
                    try reader.get(LeadsProjection.Lead.self, "9f3c2a71-5b8e-4d0f-a6c4-1e2d7b9a8c05", in: "leads"),
                    try reader.get(LeadsProjection.Lead.self, "L-fake", in: "leads"),
                    try reader.list(LeadsProjection.Stats.self, in: "stats", limit: 10),
                    try reader.get(LeadsProjection.Lead.self, "L-wrapped", in: "leads"),
                    try LeadsProjection.history(of: "9f3c2a71-5b8e-4d0f-a6c4-1e2d7b9a8c05", in: reader)
                )
            }
            let lead = try #require(state?.0)
            #expect(lead.status == "closed")
            #expect(lead.normalizedPhone == "+5511912345678")
            #expect(lead.normalizedEmail == "carla.mendes@example.com.br")
            // A lead's hook actions are records of their own, in log order; the lead's record does not grow with them.
            #expect(lead.actions.isEmpty)
            let history = try #require(state?.4)
            #expect(history.map(\.hookAction) == ["on_create_lead", "on_update_lead", "on_close_lead"])
            #expect(history.map(\.position) == [1, 2, 3])
            #expect(history.map { $0.contactChanged } == [nil, true, nil])
            // The older, wrapped shape is upcast to today's before the projection sees it.
            #expect(state?.3?.normalizedEmail == "ana@example.com")
            #expect(state?.3?.status == "received")
            let fake = try #require(state?.1)
            #expect(fake.status == "invalid_contact")
            #expect(fake.fakeFlags == ["phone:999999"])
            let created = state?.2.first { $0.key.hasSuffix("|on_create_lead") }?.value
            #expect(created?.total == 3)
            #expect(created?.completed == 2)
            #expect(created?.failed == 1)
        }
    }

    @Test("deliveries count received and rejected by reason per source and minute")
    func deliveries() async throws {
        try await Harness.with { h in
            try await h.receive("stripe", payload: json("{}"))
            try await h.receive(
                "stripe", payload: [], metadata: ["reason": "invalid_signature"], type: "webhook.rejected")
            try await h.receive(
                "stripe", payload: [], metadata: ["reason": "invalid_signature"], type: "webhook.rejected")
            try await h.receive("c2s", payload: [], metadata: ["reason": "invalid_token"], type: "webhook.rejected")
            _ = try await h.project([DeliveriesProjection()])
            let stripe = try h.store.read("deliveries") {
                try $0.get(DeliveriesProjection.SourceTotals.self, "stripe", in: "sources")
            }
            #expect(stripe??.received == 1)
            #expect(stripe??.rejected == 2)
            #expect(stripe??.rejectedByReason == ["invalid_signature": 2])
            let recent = try h.store.read("deliveries") {
                try DeliveriesProjection.window($0, source: "stripe", minutes: 5, now: .now())
            }
            #expect(recent?.received == 1)
            #expect(recent?.rejected == 2)
            let tomorrow = Timestamp(nanosecondsSinceEpoch: Timestamp.now().nanosecondsSinceEpoch + 86_400_000_000_000)
            #expect(
                try h.store.read("deliveries") {
                    try DeliveriesProjection.window($0, source: "stripe", minutes: 5, now: tomorrow)
                }?.rejected == 0)
        }
    }

    @Test(
        "minute buckets keep the last 24 hours: a day later the same minute starts afresh, and the table stays bounded")
    func deliveriesRing() throws {
        let state = try ProjectionStateHarness()
        defer { state.close() }
        let start = Timestamp(iso8601: "2026-11-23T10:00:30Z")!
        for hour in 0..<48 {
            for minute in stride(from: 0, to: 60, by: 20) {
                let at = Timestamp(
                    nanosecondsSinceEpoch: start.nanosecondsSinceEpoch + Int64(hour * 3600 + minute * 60)
                        * 1_000_000_000)
                try state.apply(DeliveriesProjection(), "received", source: "stripe", at: at)
                try state.apply(DeliveriesProjection(), "invalid_signature", source: "stripe", at: at)
            }
        }
        let buckets = try state.count("minutes")
        #expect(buckets == 24 * 3, "one bucket per minute seen in the last 24 hours, not 48")
        let end = Timestamp(iso8601: "2026-11-25T09:40:59Z")!
        let window = try state.read { try DeliveriesProjection.window($0, source: "stripe", minutes: 60, now: end) }
        #expect(window.received == 3)
        #expect(window.rejected == 3)
    }

    @Test("conversations keep the last topic, assignees and state; notifications follow an action to delivery")
    func conversationsAndNotifications() async throws {
        try await Harness.with { h in
            for topic in ["admin.assigned", "admin.noted", "admin.closed"] {
                try await h.receive(
                    "intercom", fixture: "intercom/conversation.\(topic).json",
                    metadata: ["event-type": "conversation.\(topic)"])
            }
            try await h.receive(
                "reactor", payload: json(#"{"action_id":"a1","channel":"lark","target":"bot-1","caused_by":2}"#),
                type: "action.requested")
            try await h.receive("dispatcher", payload: json(#"{"action_id":"a1"}"#), type: "action.attempted")
            try await h.receive(
                "dispatcher", payload: json(#"{"action_id":"a1","error":"HTTP 503"}"#), type: "action.failed")
            try await h.receive("dispatcher", payload: json(#"{"action_id":"a1"}"#), type: "action.attempted")
            try await h.receive("dispatcher", payload: json(#"{"action_id":"a1"}"#), type: "action.succeeded")
            _ = try await h.project([ConversationsProjection(), NotificationsProjection()])
            let conversation = try h.store.read("conversations") {
                try $0.get(ConversationsProjection.Conversation.self, "215471832004591", in: "conversations")
            }
            #expect(conversation??.lastTopic == "conversation.admin.closed")
            #expect(conversation??.teamAssigneeId == "5372074")
            #expect(conversation??.state == "closed")
            let action = try h.store.read("notifications") {
                try $0.get(NotificationsProjection.Notification.self, "a1", in: "actions")
            }
            #expect(action??.status == "delivered")
            #expect(action??.attempts == 2)
            #expect(action??.lastError == "HTTP 503")
            #expect(action??.channel == "lark")
            #expect(action??.causedBy == 2)
            #expect((action??.timeToDeliveryMs ?? -1) >= 0)
        }
    }
}
