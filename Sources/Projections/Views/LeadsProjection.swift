import EventLog
import Foundation
import JSONScan

/// Contact2Sale leads: contacts as received and as normalised, status, each hook action, the enrichment's
/// outcome, and daily stats per hook action.
///
/// A lead's hook actions are records of their own in `history` (keyed by ``historyKey(_:_:)``), not a list in
/// the lead's record: so an update costs the same whatever the lead's history, and ``history(of:in:)`` reads
/// them back (the read API serves a lead with its history in `actions`).
///
/// Status: `received`, `invalid_contact` (neither email nor phone usable), `enrichment_pending` (a look-up was
/// requested), `enriched` (the person's data was fetched), `enrichment_failed` (a step died, or nobody was
/// found), `closed`.
package struct LeadsProjection: Projection {
    package let name = "leads"
    package let version = 3
    package let tables = ["leads", "stats", "history"]

    /// Creates the projection.
    package init() {}

    /// What the projection reads: a Contact2Sale delivery, or a step of a lead's enrichment.
    package enum Input: Sendable {
        case delivery(Delivery)
        case enrichment(kind: String, leadID: String, result: ActionResult?)
    }

    /// What the projection reads of a Contact2Sale delivery (today's flat shape; see ``C2SWrappedLeadUpcaster``).
    package struct Delivery: Decodable, Sendable, Equatable {
        /// The lead's contact as the sender typed it.
        package struct Customer: Decodable, Sendable, Equatable {
            package let name: String?
            package let email: String?
            package let phone: String?
        }
        struct Attributes: Decodable, Sendable, Equatable {
            let updated_at: String?
            let customer: Customer?
        }
        let id: FlexibleID?
        let hook_action: String?
        let attributes: Attributes?

        /// The lead's id.
        package var leadID: String? { id?.value }
        /// The hook action, such as `on_create_lead`.
        package var action: String? { hook_action }
        /// The contact.
        package var customer: Customer? { attributes?.customer }
    }

    /// One hook action received for a lead.
    package struct Action: Codable, Sendable, Equatable {
        package var hookAction: String
        package var position: UInt64
        package var at: String
        /// For an update: whether it changed the normalised email or phone.
        package var contactChanged: Bool?
    }

    /// A lead as it stands.
    package struct Lead: Codable, Sendable, Equatable {
        package var id: String
        package var name: String?
        package var email: String?
        package var phone: String?
        package var normalizedEmail: String?
        package var normalizedPhone: String?
        package var fakeFlags: [String]
        package var status: String
        /// The hook actions received, oldest first: empty as stored (they are in `history`); filled when served.
        package var actions: [Action]
        package var lastError: String?
        /// The person the enrichment found, and whether phone and email both led to it.
        package var personId: String?
        package var samePerson: Bool?
        /// The person's data, as the provider returned it.
        package var enrichment: [String: String]?
    }

    /// A day's totals for one hook action: `completed` had a usable contact, `failed` did not.
    package struct Stats: Codable, Sendable, Equatable {
        package var total = 0
        package var completed = 0
        package var failed = 0
    }

    package func decode(_ event: Event) throws -> Input? {
        if event.type.hasPrefix("action."), let kind = event.metadata["action-kind"], kind.hasPrefix("enrichment."),
            let subject = event.metadata["subject"], subject.hasPrefix("lead:")
        {
            let result =
                event.type == ActionEvent.requested ? nil : try ActionCoding.decode(ActionResult.self, from: event)
            return .enrichment(kind: kind, leadID: String(subject.dropFirst(5)), result: result)
        }
        guard event.type == "webhook.received", event.source == "c2s" else { return nil }
        return .delivery(try Delivery.scanned(event.payload) ?? JSONPayload.decode(Delivery.self, from: event.payload))
    }

    package func apply(_ input: Input, event: EventInfo, to state: ProjectionState) throws {
        switch input {
        case .delivery(let delivery): try apply(delivery, event: event, to: state)
        case .enrichment(let kind, let leadID, let result):
            guard var lead = try state.get(Lead.self, leadID, in: "leads"), lead.status != "closed" else { return }
            switch (event.type, kind) {
            case (ActionEvent.requested, "enrichment.lookup"):
                lead.status = "enrichment_pending"
                lead.lastError = nil
            case (ActionEvent.succeeded, "enrichment.lookup"):
                lead.personId = result?.output?["person_id"]
                lead.samePerson = result?.output?["same_person"] == "true"
                if lead.personId == nil {
                    lead.status = "enrichment_failed"
                    lead.lastError = "no person was found for the lead's contact"
                }
            case (ActionEvent.succeeded, "enrichment.fetch"):
                lead.status = "enriched"
                lead.enrichment = result?.output?.filter { $0.key != "lead_id" && $0.key != "same_person" }
            case (ActionEvent.dead, _):
                lead.status = "enrichment_failed"
                lead.lastError = result?.error
            default:
                return
            }
            try state.put(lead, leadID, in: "leads")
        }
    }

    func apply(_ input: Delivery, event: EventInfo, to state: ProjectionState) throws {
        guard let id = input.leadID, let action = input.action else {
            throw EventRejected("a Contact2Sale delivery without a lead id or hook_action")
        }
        let day = event.recordedAt.iso8601(.day)
        try ProjectionState.checkKey(id, in: "leads")
        try ProjectionState.checkKey(Self.historyKey(id, event.position), in: "history")
        try ProjectionState.checkKey("\(day)|\(action)", in: "stats")
        let customer = input.customer
        var lead =
            try state.get(Lead.self, id, in: "leads")
            ?? Lead(
                id: id, fakeFlags: [], status: "received", actions: []
            )
        if let customer {
            lead.name = customer.name ?? lead.name
            lead.email = customer.email ?? lead.email
            lead.phone = customer.phone ?? lead.phone
        }
        let before = (lead.normalizedEmail, lead.normalizedPhone)
        lead.normalizedEmail = ContactNormalization.email(lead.email)
        lead.normalizedPhone = ContactNormalization.phone(lead.phone)
        let contactChanged = before.0 != lead.normalizedEmail || before.1 != lead.normalizedPhone
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
        try state.put(
            Action(
                hookAction: action, position: event.position, at: event.recordedAt.iso8601,
                contactChanged: action == "on_update_lead" ? contactChanged : nil
            ), Self.historyKey(id, event.position), in: "history")
        try state.put(lead, id, in: "leads")
        try state.update("\(day)|\(action)", in: "stats", initial: Stats()) { stats in
            stats.total += 1
            if usable || action == "on_close_lead" { stats.completed += 1 } else { stats.failed += 1 }
        }
    }
}

extension LeadsProjection {
    /// The key of lead `id`'s hook action at `position` in `history`: the id, a zero byte, then the position in
    /// 20 digits, so that a lead's actions are together and in log order.
    package static func historyKey(_ id: String, _ position: UInt64) -> String {
        id + "\u{0}" + String.zeroPadded(position, width: 20)
    }

    /// Lead `id`'s hook actions, oldest first.
    package static func history(of id: String, in reader: ProjectionReader) throws -> [Action] {
        try reader.list(Action.self, in: "history", prefix: id + "\u{0}", limit: .max).map(\.value)
    }
}
