import EventLog
import Foundation

/// Contact2Sale leads: contacts as received and as normalised, status, each hook action, and daily stats per
/// hook action.
public struct LeadsProjection: Projection {
    public let name = "leads"
    public let version = 1
    public let tables = ["leads", "stats"]

    /// Creates the projection.
    public init() {}

    /// What the projection reads of a Contact2Sale delivery (today's flat shape; see ``C2SWrappedLeadUpcaster``).
    public struct Input: Decodable, Sendable {
        struct Customer: Decodable, Sendable {
            let name: String?
            let email: String?
            let phone: String?
        }
        struct Attributes: Decodable, Sendable {
            let updated_at: String?
            let customer: Customer?
        }
        let id: FlexibleID?
        let hook_action: String?
        let attributes: Attributes?

        var leadID: String? { id?.value }
        var action: String? { hook_action }
        var customer: Customer? { attributes?.customer }
    }

    /// One hook action received for a lead.
    public struct Action: Codable, Sendable, Equatable {
        public var hookAction: String
        public var position: UInt64
        public var at: String
    }

    /// A lead as it stands.
    public struct Lead: Codable, Sendable, Equatable {
        public var id: String
        public var name: String?
        public var email: String?
        public var phone: String?
        public var normalizedEmail: String?
        public var normalizedPhone: String?
        public var fakeFlags: [String]
        public var status: String
        public var actions: [Action]
        public var lastError: String?
    }

    /// A day's totals for one hook action: `completed` had a usable contact, `failed` did not.
    public struct Stats: Codable, Sendable, Equatable {
        public var total = 0
        public var completed = 0
        public var failed = 0
    }

    public func decode(_ event: Event) throws -> Input? {
        guard event.type == "webhook.received", event.source == "c2s" else { return nil }
        return try JSONDecoder().decode(Input.self, from: Data(event.payload))
    }

    public func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        guard let id = input.leadID, let action = input.action else {
            throw ProjectionError("a Contact2Sale delivery without a lead id or hook_action")
        }
        let customer = input.customer
        var lead = try state.get(Lead.self, id, in: "leads") ?? Lead(
            id: id, fakeFlags: [], status: "received", actions: []
        )
        if let customer {
            lead.name = customer.name ?? lead.name
            lead.email = customer.email ?? lead.email
            lead.phone = customer.phone ?? lead.phone
        }
        lead.normalizedEmail = ContactNormalization.email(lead.email)
        lead.normalizedPhone = ContactNormalization.phone(lead.phone)
        lead.fakeFlags = ContactNormalization.fakeFlags(email: lead.normalizedEmail, phone: lead.normalizedPhone)
        let usableEmail = lead.normalizedEmail != nil && !lead.fakeFlags.contains { $0.hasPrefix("email:") }
        let usablePhone = lead.normalizedPhone != nil && !lead.fakeFlags.contains { $0.hasPrefix("phone:") }
        let usable = usableEmail || usablePhone
        if action == "on_close_lead" {
            lead.status = "closed"
        } else if !usable {
            lead.status = "invalid_contact"
            lead.lastError = "neither the email nor the phone is usable"
        } else if lead.status == "invalid_contact" || lead.status == "received" {
            lead.status = "received"
            lead.lastError = nil
        }
        lead.actions.append(Action(hookAction: action, position: event.position, at: event.recordedAt.iso8601))
        try state.put(lead, id, in: "leads")
        let day = String(event.recordedAt.iso8601.prefix(10))
        try state.update("\(day)|\(action)", in: "stats", initial: Stats()) { stats in
            stats.total += 1
            if usable || action == "on_close_lead" { stats.completed += 1 } else { stats.failed += 1 }
        }
    }
}
