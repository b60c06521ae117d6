import EventLog
import Foundation
import Projections

/// Contact2Sale lead enrichment: a new lead with a usable email or phone is looked up (`enrichment.lookup`),
/// the person found is fetched (`enrichment.fetch`), and a readable message with the data goes back to the lead
/// in Contact2Sale (`c2s.message`). An update is enriched again only when it changed the email or phone; a closed
/// lead tells the manager (`lead.closed`, on Lark or Teams). Each step is caused by the record of the last.
package struct LeadEnrichmentReactor: Reactor {
    package init(
        views: ProjectionStore, closedNotice: (channel: String, target: String)?, health: ComponentHealth? = nil,
        projectionWait: Duration = .seconds(5)
    ) {
        (self.views, self.closedNotice, self.health, self.projectionWait) = (
            views, closedNotice, health, projectionWait
        )
    }

    package let name = "lead-enrichment"
    /// The leads projection, which says whether an update changed the contact.
    let views: ProjectionStore
    /// Where a closed lead is announced: a channel (`lark` or `teams`) and its target; `nil` for nowhere.
    let closedNotice: (channel: String, target: String)?
    /// Where the reactor says it is waiting on the leads projection.
    var health: ComponentHealth?
    /// How long an update waits for the leads projection to reach it. Default 5 s.
    var projectionWait: Duration = .seconds(5)
    static let component = "reactor:lead-enrichment"

    package func react(to event: Event) async throws -> [ActionRequest] {
        if event.type == ActionEvent.succeeded, let subject = event.metadata["subject"], subject.hasPrefix("lead:") {
            return try nextStep(after: event, lead: String(subject.dropFirst(5)))
        }
        guard event.type == "webhook.received", event.source == "c2s" else { return [] }
        let delivery = try JSONPayload.decode(
            LeadsProjection.Delivery.self, from: try Upcasters.builtIn.apply(event).payload)
        guard let lead = delivery.leadID, let action = delivery.action else { return [] }
        switch action {
        case "on_create_lead":
            return lookup(lead, delivery.customer, at: event.position)
        case "on_update_lead":
            guard try await contactChanged(lead, at: event.position) else { return [] }
            return lookup(lead, delivery.customer, at: event.position)
        case "on_close_lead":
            guard let closedNotice else { return [] }
            var params = ["lead_id": lead]
            params["name"] = delivery.customer?.name
            return [
                ActionRequest(
                    reactor: name, causedBy: event.position, index: 0, kind: "lead.closed",
                    channel: closedNotice.channel,
                    target: closedNotice.target, params: params, subject: "lead:\(lead)")
            ]
        default:
            return []
        }
    }

    /// A look-up of the usable contacts, or nothing when neither is usable (the lead is `invalid_contact`).
    func lookup(_ lead: String, _ customer: LeadsProjection.Delivery.Customer?, at position: UInt64) -> [ActionRequest]
    {
        let email = ContactNormalization.email(customer?.email)
        let phone = ContactNormalization.phone(customer?.phone)
        let flags = ContactNormalization.fakeFlags(email: email, phone: phone)
        var params = ["lead_id": lead]
        if let email, !flags.contains(where: { $0.hasPrefix("email:") }) { params["email"] = email }
        if let phone, !flags.contains(where: { $0.hasPrefix("phone:") }) { params["phone"] = phone }
        guard params.count > 1 else { return [] }
        return [
            ActionRequest(
                reactor: name, causedBy: position, index: 0, kind: "enrichment.lookup", channel: "enrichment",
                target: "lookup", params: params, subject: "lead:\(lead)")
        ]
    }

    /// The step after a succeeded one: the fetch after a look-up that found someone, the message after a fetch.
    func nextStep(after event: Event, lead: String) throws -> [ActionRequest] {
        let result = try ActionCoding.decode(ActionResult.self, from: event)
        let output = result.output ?? [:]
        switch event.metadata["action-kind"] {
        case "enrichment.lookup":
            guard let person = output["person_id"] else { return [] }
            return [
                ActionRequest(
                    reactor: name, causedBy: event.position, index: 0, kind: "enrichment.fetch", channel: "enrichment",
                    target: "fetch",
                    params: ["lead_id": lead, "person_id": person, "same_person": output["same_person"] ?? "false"],
                    subject: "lead:\(lead)")
            ]
        case "enrichment.fetch":
            let details = output.filter { !["lead_id", "same_person"].contains($0.key) }.sorted { $0.key < $1.key }
            var lines = ["Dados enriquecidos do lead \(lead):"]
            lines += details.map { "- \($0.key): \($0.value)" }
            lines.append(
                output["same_person"] == "true"
                    ? "Telefone e e-mail são da mesma pessoa."
                    : "Telefone e e-mail não foram confirmados como da mesma pessoa.")
            return [
                ActionRequest(
                    reactor: name, causedBy: event.position, index: 0, kind: "c2s.message", channel: "c2s",
                    target: "messages",
                    params: ["lead_id": lead, "message": lines.joined(separator: "\n")], subject: "lead:\(lead)")
            ]
        default:
            return []
        }
    }

    /// Whether the update at `position` changed the lead's email or phone, as the leads projection saw it, waiting
    /// at most ``projectionWait`` for it to get there. When it does not (the projection has stopped, or lags far
    /// behind), the reactor shows `waiting` with the reason in `/health` and enriches the lead again, as it would a
    /// lead the projection knows nothing of: a repeated look-up costs less than a lead never enriched.
    func contactChanged(_ lead: String, at position: UInt64) async throws -> Bool {
        guard try await views.awaitCheckpoint("leads", position, timeout: projectionWait) else {
            let checkpoint = (try? views.liveCheckpoint("leads")).flatMap { $0 }.map(String.init) ?? "none"
            health?.waiting(
                Self.component,
                reason:
                    "the leads projection has not reached position \(position) within \(projectionWait) (its checkpoint: \(checkpoint)); updates are enriched without knowing whether the contact changed"
            )
            return true
        }
        health?.running(Self.component, ifWaiting: true)
        let stored =
            try views.read("leads") {
                try $0.get(LeadsProjection.Action.self, LeadsProjection.historyKey(lead, position), in: "history")
            } ?? nil
        return stored?.contactChanged ?? true
    }
}
