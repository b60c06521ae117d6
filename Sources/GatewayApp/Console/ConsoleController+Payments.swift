import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections

extension ConsoleController {
    typealias Payment = PaymentsProjection.Payment

    /// The ledger per day and currency over the last 30 days (a chart and a table per currency), the newest payment
    /// events, and the newest payment intents.
    func payments(_ page: inout PageContext) throws -> String {
        let today = Timestamp.now().seconds / 86_400
        let days = (0..<30).map { Timestamp.iso8601(secondsSinceEpoch: (today - 29 + Int64($0)) * 86_400, .day) }
        let result = try store.read("payments") {
            reader -> ([String: [String: PaymentsProjection.Daily]], [PaymentsProjection.PaymentEvent], [Payment]) in
            var ledger = [String: [String: PaymentsProjection.Daily]]()
            for (key, daily) in try reader.list(
                PaymentsProjection.Daily.self, in: "daily", prefix: "", after: days[0] + "|", limit: 10_000)
            {
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0] >= days[0] else { continue }
                ledger[parts[1], default: [:]][parts[0]] = daily
            }
            let events = try reader.last(PaymentsProjection.PaymentEvent.self, in: "events", limit: 20).map(\.value)
            let intents = try reader.list(Payment.self, in: "payments", limit: 5_000).map(\.value).filter {
                $0.kind == "payment_intent"
            }
            return (ledger, events, intents)
        }
        guard let (ledger, events, intents) = result else {
            throw GatewayError(
                .serviceUnavailable, "projection_lagging", "the payments projection has not been built yet")
        }
        page.fields["currencies"] = ledger.keys.sorted().map { currency -> [String: Any] in
            let byDay = ledger[currency]!
            let rows = days.map { day -> [String: Any] in
                let totals = byDay[day] ?? PaymentsProjection.Daily()
                return [
                    "day": day, "gross": MoneyText.format(totals.gross, currency),
                    "refunded": MoneyText.format(totals.refunded, currency),
                    "refund_failures": MoneyText.format(totals.refundFailures, currency),
                    "net": MoneyText.format(totals.net, currency),
                ]
            }
            let chart = SVGBarChart(
                title: "Ledger in \(currency.uppercased()) per day, last 30 days",
                labels: days.map { String($0.suffix(5)) },
                series: [
                    .init(name: "gross", values: days.map { byDay[$0]?.gross ?? 0 }),
                    .init(name: "refunded", values: days.map { byDay[$0]?.refunded ?? 0 }),
                ], labelEvery: 5, valueText: { MoneyText.amount($0, currency) })
            return [
                "currency": currency.uppercased(), "chart": chart.svg,
                "rows": rows.filter { day in byDay[day["day"] as! String] != nil },
            ]
        }
        page.fields["has_ledger"] = !ledger.isEmpty
        page.fields["events"] = events.map { event -> [String: Any] in
            [
                "event_id": event.eventId, "type": event.type, "created": Self.iso(event.created), "mode": event.mode,
                "position": event.position,
            ]
        }
        page.fields["payments"] = intents.sorted { ($0.created, $0.id) > ($1.created, $1.id) }.prefix(50).map(
            Self.paymentRow)
        page.fields["title"] = "Payments"
        return "payments"
    }

    /// A time for a `<time datetime>`: RFC 3339 in UTC, with its zone, so that the browser shows it in its own.
    static func iso(_ seconds: Int64) -> String { Timestamp.iso8601(secondsSinceEpoch: seconds, .second) + "Z" }

    static func paymentRow(_ payment: Payment) -> [String: Any] {
        [
            "id": payment.id, "path_id": queryEscaped(payment.id),
            "amount": MoneyText.format(payment.amount, payment.currency),
            "status": payment.status, "refundable": MoneyText.format(payment.refundable, payment.currency),
            "created": iso(payment.created),
            "customer": payment.customer ?? "",
        ]
    }

    /// One payment: its record, what remains to refund, its timeline (charges, refunds, disputes, refund requests of
    /// the hub), and for admins the refund form.
    func payment(_ id: String, request: Request, _ page: inout PageContext) throws -> String {
        let found = try store.read("payments") { reader -> (Payment, [[String: Any]])? in
            guard let payment = try reader.get(Payment.self, id, in: "payments") else { return nil }
            var timeline = [(at: Int64, row: [String: Any])]()
            timeline.append(
                (
                    payment.created,
                    [
                        "at": Self.iso(payment.created), "what": payment.kind.replacingOccurrences(of: "_", with: " "),
                        "id": payment.id, "amount": MoneyText.format(payment.amount, payment.currency),
                        "status": payment.status,
                    ]
                ))
            for chargeID in payment.chargeIds {
                guard let charge = try reader.get(Payment.self, chargeID, in: "payments") else { continue }
                timeline.append(
                    (
                        charge.created,
                        [
                            "at": Self.iso(charge.created), "what": "charge", "id": charge.id,
                            "amount": MoneyText.format(charge.amount, charge.currency), "status": charge.status,
                        ]
                    ))
            }
            for refundID in payment.refundIds {
                guard let refund = try reader.get(PaymentsProjection.Refund.self, refundID, in: "refunds") else {
                    continue
                }
                timeline.append(
                    (
                        refund.created ?? 0,
                        [
                            "at": refund.created.map(Self.iso) ?? "", "what": "refund", "id": refund.id,
                            "amount": MoneyText.format(refund.amount, refund.currency ?? payment.currency),
                            "status": refund.status ?? "succeeded",
                        ]
                    ))
            }
            for disputeID in payment.disputeIds {
                guard let dispute = try reader.get(PaymentsProjection.Dispute.self, disputeID, in: "disputes") else {
                    continue
                }
                timeline.append(
                    (
                        dispute.created ?? 0,
                        [
                            "at": dispute.created.map(Self.iso) ?? "", "what": "dispute", "id": dispute.id,
                            "amount": MoneyText.format(dispute.amount, dispute.currency ?? payment.currency),
                            "status": dispute.status ?? "",
                        ]
                    ))
            }
            for actionID in payment.hubRefunds {
                guard let hub = try reader.get(PaymentsProjection.HubRefund.self, actionID, in: "hub_refunds") else {
                    continue
                }
                timeline.append(
                    (
                        hub.requestedAt ?? Int64.max,
                        [
                            "at": hub.requestedAt.map(Self.iso) ?? "", "what": "refund requested here",
                            "id": hub.actionId,
                            "amount": MoneyText.format(hub.amount, payment.currency),
                            "status": hub.state + (hub.refundId.map { " (\($0))" } ?? ""),
                        ]
                    ))
            }
            return (payment, timeline.sorted { $0.at < $1.at }.map(\.row))
        }
        guard let (payment, timeline) = found ?? nil else {
            throw GatewayError(.notFound, "not_found", "no payment \(id) has reached the gateway")
        }
        page.fields["payment"] = Self.paymentRow(payment)
        page.fields["currency"] = payment.currency.uppercased()
        page.fields["refundable_minor"] = payment.refundable
        page.fields["can_refund"] = page.isAdmin && payment.kind == "payment_intent" && payment.refundable > 0
        page.fields["timeline"] = timeline
        if let refunded = request.uri.queryParameters.get("refunded") { page.fields["refunded_action"] = refunded }
        page.fields["title"] = "Payment \(id)"
        return "payment"
    }

    /// `POST /console/payments/{id}/refund`: without `confirm`, the confirmation page (what is refunded, what
    /// remains) with a one-time token for this refund; with it, the refund through the refund desk under that token
    /// as its idempotency key, then back to the payment. Submitting the confirmation again (a double click, a browser
    /// retry, the back button) shows the first refund and requests nothing.
    func refund(
        _ id: String, form text: String, context: GatewayContext, session: ConsoleSession
    ) async throws -> Response {
        let form = try ConsoleForm.decode(ConsoleForm.Refund.self, from: text)
        let payment = try store.read("payments") { try $0.get(Payment.self, id, in: "payments") } ?? nil
        guard let payment, payment.kind == "payment_intent" else {
            throw GatewayError(.notFound, "not_found", "no payment intent \(id) has reached the gateway")
        }
        let typed = (form.amount ?? "").trimmingCharacters(in: .whitespaces)
        let amount: Int64
        if typed.isEmpty {
            amount = payment.refundable
        } else if let parsed = MoneyText.parse(typed, currency: payment.currency) {
            amount = parsed
        } else {
            throw GatewayError(
                .badRequest, "invalid_amount",
                "\(typed) is not an amount of \(payment.currency.uppercased()) (at most \(MinorUnits.exponent(of: payment.currency)) decimals)"
            )
        }
        if form.confirm == "yes" {
            guard let token = form.refundToken, !token.isEmpty, token.utf8.count <= 64 else {
                throw GatewayError(
                    .badRequest, "invalid_form", "the confirmation carries no refund token; start the refund again")
            }
            let receipt = try await admin.refunds.refund(
                paymentID: id, amount: amount, idempotencyKey: "console:" + token, from: context.remoteAddress)
            return Response.redirect(
                to: "/console/payments/\(Self.queryEscaped(id))?refunded=\(Self.queryEscaped(receipt.actionID))",
                type: .normal)
        }
        guard amount > 0, amount <= payment.refundable else {
            throw GatewayError(
                .badRequest, "invalid_amount",
                "the amount must be above zero and at most what remains to refund: \(MoneyText.format(payment.refundable, payment.currency))"
            )
        }
        let fields: [String: Any] = [
            "csrf": session.csrfToken, "role": session.role.rawValue, "is_admin": true, "section_payments": true,
            "title": "Confirm refund", "payment": Self.paymentRow(payment),
            "refund_amount": MoneyText.format(amount, payment.currency),
            "amount_text": typed.isEmpty
                ? MoneyText.format(amount, payment.currency).split(separator: " ")[0] : Substring(typed),
            "remaining_after": MoneyText.format(payment.refundable - amount, payment.currency),
            "full": amount == payment.refundable, "refund_token": UUID().uuidString.lowercased(),
        ]
        return templates.page("refund-confirm", fields)
    }
}
