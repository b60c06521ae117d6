import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// Intercom notifications in the shapes Intercom sends (API 1.x and 2.x, the deleted topic, the ping, contact topics):
/// read leniently, applied in the order of their creation, never a failure.
@Suite("Intercom notifications")
struct IntercomTests {
    @Test("the 2.x shape: assignees by id, state")
    func v2() throws {
        let notification = try #require(
            IntercomNotification(payload: try fixture("intercom/conversation.admin.assigned.json")))
        #expect(notification.topic == "conversation.admin.assigned")
        #expect(notification.itemID == "215471832004591")
        #expect(notification.adminAssigneeID == "4820115")
        #expect(notification.teamAssigneeID == "5372074")
        #expect(notification.state == "open")
        #expect(notification.createdAt == 1763914001)
    }

    @Test("the 1.x shape: the assignee as an object of type admin or team, open as a boolean")
    func v1() throws {
        let admin = try #require(
            IntercomNotification(payload: try fixture("intercom/v1.conversation.admin.assigned.json")))
        #expect(admin.adminAssigneeID == "4820115")
        #expect(admin.assigneeName == "Marina Costa")
        #expect(admin.teamAssigneeID == nil)
        let team = try #require(
            IntercomNotification(payload: try fixture("intercom/v1.conversation.admin.assigned.team.json")))
        #expect(team.teamAssigneeID == "5372074")
        #expect(team.adminAssigneeID == nil)
        #expect(team.state == "open", "from open: true, with no state")
    }

    @Test("conversation.deleted names the conversation by conversation_id alone; a ping and a contact topic read too")
    func minimal() throws {
        let deleted = try #require(IntercomNotification(payload: try fixture("intercom/conversation.deleted.json")))
        #expect(deleted.itemID == "215471832004591")
        let ping = try #require(IntercomNotification(payload: try fixture("intercom/ping.json")))
        #expect(ping.topic == "ping")
        #expect(ping.itemType == "ping")
        let contact = try #require(IntercomNotification(payload: try fixture("intercom/contact.user.created.json")))
        #expect(contact.itemType == "contact")
    }

    @Test(
        "fields of unexpected types read as absent, never as a failure",
        arguments: [
            #"{"topic":"conversation.admin.closed","created_at":"yesterday","data":{"item":{"id":true,"conversation_id":7,"state":1,"admin_assignee_id":{"x":1},"team_assignee_id":1.5}}}"#,
            #"{"topic":"conversation.admin.closed","data":{"item":null}}"#,
            #"{"topic":"conversation.admin.closed","data":[]}"#,
            #"{"topic":"conversation.admin.closed"}"#,
            #"{"topic":"conversation.admin.closed","data":{"item":{"assignee":"nobody"}}}"#,
        ])
    func lenient(payload: String) {
        let notification = IntercomNotification(payload: Array(payload.utf8))
        #expect(notification?.topic == "conversation.admin.closed")
        #expect(notification?.state == nil)
        #expect(notification?.adminAssigneeID == nil)
    }

    @Test("not an object with a topic: nothing", arguments: [#"[]"#, #"{"topic":3}"#, "not json", ""])
    func unreadable(payload: String) {
        #expect(IntercomNotification(payload: Array(payload.utf8)) == nil)
    }

    @Test(
        "the conversations projection: both shapes, a deletion, late deliveries ignored, and no notification stops it")
    func projection() async throws {
        try await Harness.with { h in
            func receive(_ path: String, _ topic: String) async throws {
                try await h.receive("intercom", fixture: "intercom/\(path).json", metadata: ["event-type": topic])
            }
            try await receive("conversation.admin.assigned", "conversation.admin.assigned")
            try await receive("conversation.admin.closed", "conversation.admin.closed")
            // Delivered late: created before the close, so it changes nothing.
            try await receive("conversation.admin.noted", "conversation.admin.noted")
            try await receive("v1.conversation.admin.assigned.team", "conversation.admin.assigned")
            try await receive("contact.user.created", "contact.user.created")
            try await h.receive(
                "intercom", payload: json(#"{"topic":"conversation.admin.closed","data":{"item":{"id":{"no":1}}}}"#),
                metadata: ["event-type": "conversation.admin.closed"])
            try await receive("conversation.deleted", "conversation.deleted")
            let runner = try await h.project([ConversationsProjection()])
            #expect(runner.statuses().first?.state == .live)
            let (first, second, rejected) = try #require(
                try h.store.read("conversations") { reader in
                    (
                        try reader.get(
                            ConversationsProjection.Conversation.self, "215471832004591", in: "conversations"),
                        try reader.get(
                            ConversationsProjection.Conversation.self, "215471832004778", in: "conversations"),
                        try reader.count(RejectedEvent.table)
                    )
                })
            #expect(first?.state == "deleted")
            #expect(first?.lastTopic == "conversation.deleted")
            #expect(first?.teamAssigneeId == "5372074", "a deletion keeps what was known")
            #expect(second?.teamAssigneeId == "5372074")
            #expect(second?.state == "open")
            #expect(rejected == 0)
        }
    }
}
