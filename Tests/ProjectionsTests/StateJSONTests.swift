import EventLog
import Foundation
@testable import Projections
import Testing
import TestSupport

/// The stored format is the reference encoder's; what has no writer of its own is stored by it.
@Suite("State encoding")
struct StateJSONTests {
    static let reference = StateJSON.referenceEncoder()

    @Test(
        "a record without a writer of its own is stored as the reference encoder gives it: sorted keys, slashes as they are"
    )
    func referenceBytes() throws {
        let notification = NotificationsProjection.Notification(
            id: "action:a/b", kind: "lark_card", channel: "lark", target: "ops", causedBy: 9, status: "sent",
            attempts: 1, lastError: nil,
            requestedAt: 1_763_900_000_000, timeToDeliveryMs: 12, sandbox: true
        )
        let stored = try storedBytes(notification)
        #expect(stored == Array(try Self.reference.encode(notification)))
        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.hasPrefix(#"{"attempts":1,"causedBy":9,"channel":"lark","id":"action:a/b","#), "\(text)")
    }

    /// What `ProjectionState` would store for `value`.
    func storedBytes<T: Codable>(_ value: T) throws -> [UInt8] {
        let directory = NSTemporaryDirectory() + "statejson-\(UUID().uuidString)"
        let environment = try Environment(path: directory, logger: quietLogger)
        defer {
            environment.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let database: Database<String, [UInt8]> = try environment.database("t")
        let state = ProjectionState(databases: ["t": database], capacity: 10)
        try state.put(value, "k", in: "t")
        return try #require(try state.changes().first?.value)
    }
}

/// The records that write their own JSON give JSONEncoder's bytes, with every optional present and absent.
@Suite("State records that write their own JSON")
struct StateJSONWritableTests {
    static let awkward = "a/b \"q\" \\ \n\r\t\u{1} é 😀"

    static func samples() -> [(String, any StateJSONWritable)] {
        let refund = PaymentsProjection.Refund(id: "re_1", amount: 5, created: 1_763_900_000, status: awkward)
        let payment = PaymentsProjection.Payment(
            id: "pi_1", kind: "payment_intent", amount: 1000, currency: "brl", status: "succeeded", amountRefunded: 0,
            customer: nil, created: 1,
            livemode: false, lastFailureCode: nil, paymentIntent: nil, refunds: [], refundRequested: nil
        )
        var full = payment
        (full.customer, full.lastFailureCode, full.paymentIntent, full.refundRequested, full.livemode) = (
            "cus_1", "card_declined", "pi_0", 7, true
        )
        full.refunds = [refund, PaymentsProjection.Refund(id: "re_2", amount: -1, created: nil, status: nil)]
        let action = LeadsProjection.Action(
            hookAction: "on_update_lead", position: .max, at: awkward, contactChanged: true)
        let lead = LeadsProjection.Lead(
            id: "L-1", name: nil, email: nil, phone: nil, normalizedEmail: nil, normalizedPhone: nil, fakeFlags: [],
            status: "received",
            actions: [], lastError: nil, personId: nil, samePerson: nil, enrichment: nil
        )
        var fullLead = lead
        (fullLead.name, fullLead.email, fullLead.phone, fullLead.normalizedEmail, fullLead.normalizedPhone) = (
            awkward, "a@b.co", "1", "a@b.co", "+1"
        )
        (fullLead.fakeFlags, fullLead.actions, fullLead.lastError, fullLead.personId, fullLead.samePerson) = (
            ["phone:999999", awkward], [action], "x", "p", false
        )
        fullLead.enrichment = ["b": "2", "a": awkward, "B": "", "é": "e", "a10": "", "a9": ""]
        let snapshot = PaymentsProjection.SnapshotOrder(created: 1_763_900_000, rank: 3, detail: -7, eventId: awkward)
        let booking = PaymentsProjection.Booking(
            day: "2025-12-01", hour: "2025-12-01T12", currency: "jpy", amount: .max, column: "refunded")
        (full.refundIds, full.chargeIds, full.disputeIds, full.hubRefunds) = (
            ["re_1"], ["ch_1", awkward], ["dp_1"], ["action:1"]
        )
        (full.refundedKnown, full.refundOutstanding, full.disputed, full.succeededAt) = (1, 2, 3, .min)
        (full.snapshot, full.bookedGross, full.bookedUnattributed) = (snapshot, booking, [booking, booking])
        let step = PaymentsProjection.RefundStep(created: 1_763_900_000, eventId: awkward, from: 3, to: .max)
        (full.refundSteps, full.refundsFailedSince) = (
            [step, PaymentsProjection.RefundStep(created: -1, eventId: "", from: nil, to: 0)], 9
        )
        let fullRefund = PaymentsProjection.Refund(
            id: "re_3", amount: 9, created: 2, status: "pending", currency: "brl", charge: "ch_1",
            paymentIntent: "pi_1", snapshot: snapshot,
            failedAt: 7, booked: booking, bookedFailure: booking
        )
        let dispute = PaymentsProjection.Dispute(
            id: "dp_1", amount: 1, currency: "usd", status: "needs_response", charge: "ch_1", paymentIntent: "pi_1",
            created: 5, snapshot: snapshot
        )
        let hubRefund = PaymentsProjection.HubRefund(
            actionId: "action:1", paymentId: "pi_1", amount: 4, state: "requested", refundId: "re_1", requestedAt: -3)
        var totals = DeliveriesProjection.SourceTotals()
        totals.rejectedByReason = ["invalid_signature": 3, "Bad": -1, "z": Int.max]
        return [
            ("payment", payment), ("payment with everything", full), ("refund", refund),
            ("refund with everything", fullRefund),
            ("dispute with everything", dispute),
            (
                "dispute",
                PaymentsProjection.Dispute(
                    id: "dp_2", amount: 0, currency: nil, status: nil, charge: nil, paymentIntent: nil, created: nil,
                    snapshot: nil)
            ),
            ("hub refund", hubRefund),
            (
                "hub refund without an id",
                PaymentsProjection.HubRefund(actionId: "a", paymentId: "p", amount: 0, state: "dead")
            ),
            ("snapshot", snapshot), ("booking", booking),
            (
                "payment event",
                PaymentsProjection.PaymentEvent(
                    eventId: "evt_1", type: "charge.refunded", created: -5, mode: "live", position: 1)
            ),
            ("daily", PaymentsProjection.Daily(gross: 10, refunded: 3, refundFailures: 2)), ("refund step", step),
            ("hourly", PaymentsProjection.Hourly(attempts: 2, failures: 1)),
            ("lead", lead), ("lead with everything", fullLead), ("action", action),
            (
                "action without a change",
                LeadsProjection.Action(hookAction: "on_create_lead", position: 0, at: "", contactChanged: nil)
            ),
            ("stats", LeadsProjection.Stats(total: 3, completed: 2, failed: 1)),
            ("totals", DeliveriesProjection.SourceTotals()),
            ("totals with reasons", totals),
            ("minute", DeliveriesProjection.Minute(minute: "2026-11-26T19:00", received: 1, rejected: 0)),
            (
                "conversation",
                ConversationsProjection.Conversation(
                    id: "1", lastTopic: "t", teamAssigneeId: nil, adminAssigneeId: nil, state: nil, lastEventAt: nil,
                    lastPosition: 9
                )
            ),
            (
                "conversation with everything",
                ConversationsProjection.Conversation(
                    id: awkward, lastTopic: "t", teamAssigneeId: "5372074", adminAssigneeId: "4820115", state: "open",
                    lastEventAt: 1, lastPosition: 9
                )
            ),
        ]
    }

    @Test("each sample's bytes are JSONEncoder's with sorted keys")
    func sameBytes() throws {
        for (label, sample) in Self.samples() {
            var writer = StateJSON.Writer()
            sample.write(to: &writer)
            #expect(writer.bytes == Array(try StateJSONTests.reference.encode(sample)), "\(label)")
        }
    }

    @Test(
        "every record type that writes its own JSON has a sample with every member present, so a new field needs its test"
    )
    func samplesAreComplete() {
        var complete = Set<String>()
        var seen = Set<String>()
        for (_, sample) in Self.samples() {
            let type = String(reflecting: Swift.type(of: sample))
            seen.insert(type)
            if Self.missingMembers(of: sample).isEmpty { complete.insert(type) }
        }
        #expect(
            seen.subtracting(complete).isEmpty,
            "types whose samples all leave a member absent or empty: \(seen.subtracting(complete).sorted())")
    }

    /// The members of `value` that are `nil` or empty collections.
    static func missingMembers(of value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap { child in
            let member = Mirror(reflecting: child.value)
            let absent = member.displayStyle == .optional && member.children.isEmpty
            let empty =
                (member.displayStyle == .collection || member.displayStyle == .dictionary) && member.children.isEmpty
            return absent || empty ? child.label ?? "?" : nil
        }
    }

    @Test("integers are written as String spells them, at every length and at the limits of each width")
    func integers() {
        var values: [Int64] = [0, -1, 1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        for value in values {
            var writer = StateJSON.Writer()
            writer.integer(value)
            #expect(writer.bytes == Array(String(value).utf8), "\(value)")
        }
        for value in [UInt64.max, UInt64.max / 10, UInt64(Int64.max) + 1] {
            var writer = StateJSON.Writer()
            writer.integer(value)
            #expect(writer.bytes == Array(String(value).utf8), "\(value)")
        }
        for value in [Int8.min, Int8.max, Int8(0)] {
            var writer = StateJSON.Writer()
            writer.integer(value)
            #expect(writer.bytes == Array(String(value).utf8), "\(value)")
        }
    }
}

/// A payment reads its stored JSON by scanning: the same value as JSONDecoder, or it leaves the bytes to it.
@Suite("State records that read their own JSON")
struct StateJSONReadableTests {
    typealias Payment = PaymentsProjection.Payment

    @Test("payments read back as written, every optional present and absent; with refunds by the general decoder")
    func roundTrip() throws {
        let samples = StateJSONWritableTests.samples().compactMap { $0.1 as? Payment }
        var awkward = try #require(samples.first)
        (awkward.id, awkward.customer, awkward.amount, awkward.created) = (
            StateJSONWritableTests.awkward, "cus_é", .min, .max
        )
        for payment in samples + [awkward] {
            var writer = StateJSON.Writer()
            payment.write(to: &writer)
            let read = writer.bytes.withUnsafeBytes {
                try? StateJSON.decode(Payment.self, from: $0, with: JSONDecoder())
            }
            #expect(read == payment)
            #expect(read == (try? JSONDecoder().decode(Payment.self, from: Data(writer.bytes))))
            let scanned = writer.bytes.withUnsafeBytes { Payment.scanned($0) }
            let plain = payment.refunds.isEmpty && payment.refundSteps.isEmpty && payment.bookedUnattributed.isEmpty
            #expect(scanned == (plain ? payment : nil))
        }
    }

    @Test("other shapes read as JSONDecoder reads them, or fail with it")
    func otherShapes() throws {
        let stored =
            #"{"amount":1000,"amountRefunded":0,"chargeIds":[],"created":1,"currency":"brl","disputeIds":[],"disputed":0,"hubRefunds":[],"id":"pi_1","kind":"payment_intent","livemode":false,"refundIds":[],"refundOutstanding":0,"refundSteps":[],"refundedKnown":0,"refunds":[],"refundsFailedSince":0,"status":"succeeded","bookedUnattributed":[]}"#
        let variants = [
            stored, stored.replacingOccurrences(of: ",", with: " ,\n "),
            stored.replacingOccurrences(of: #""refunds":[]"#, with: #""refunds":[ ]"#),
            stored.replacingOccurrences(of: #""created":1,"#, with: ""),
            stored.replacingOccurrences(of: #""amount":1000"#, with: #""amount":"1000""#),
            stored.replacingOccurrences(of: #""amount":1000"#, with: #""amount":1.5"#),
            stored.replacingOccurrences(of: #""livemode":false"#, with: #""livemode":0"#),
            stored.replacingOccurrences(
                of: #""status""#, with: #""customer":null,"paymentIntent":"pi_0","refundRequested":null,"status""#),
            stored.replacingOccurrences(of: #""status""#, with: #""customer":7,"status""#),
            stored.replacingOccurrences(of: #""refunds":[]"#, with: #""refunds":{}"#),
            stored.replacingOccurrences(of: #""refunds":[],"#, with: ""),
            stored.replacingOccurrences(of: #""id":"pi_1""#, with: #""id":"pi_1","id":"pi_2""#),
            stored.replacingOccurrences(of: #""id":"pi_1""#, with: #""id":"p\u0069_\n""#), String(stored.dropLast()),
        ]
        for variant in variants {
            let bytes = Array(variant.utf8)
            let ours = bytes.withUnsafeBytes { try? StateJSON.decode(Payment.self, from: $0, with: JSONDecoder()) }
            let theirs = try? JSONDecoder().decode(Payment.self, from: Data(bytes))
            #expect(ours == theirs, "\(variant)")
        }
        // The usual shape is read by scanning, id lists and the gross booking included; unattributed bookings and
        // refund steps are left to the decoder.
        #expect(Array(stored.utf8).withUnsafeBytes { Payment.scanned($0) }?.amount == 1000)
        let linked = stored.replacingOccurrences(
            of: #""chargeIds":[]"#,
            with:
                #""bookedGross":{"amount":5,"column":"gross","currency":"brl","day":"2025-12-01","hour":"2025-12-01T12"},"chargeIds":["ch_1", "ch_\"2\""]"#
        )
        .replacingOccurrences(of: #""refundIds":[]"#, with: #""refundIds":[ "re_1" ,"re_2"]"#)
        let scanned = try #require(Array(linked.utf8).withUnsafeBytes { Payment.scanned($0) })
        #expect(scanned == (try JSONDecoder().decode(Payment.self, from: Data(linked.utf8))))
        #expect(scanned.chargeIds == ["ch_1", "ch_\"2\""])
        #expect(scanned.refundIds == ["re_1", "re_2"])
        #expect(scanned.bookedGross?.amount == 5)
        let unattributed = stored.replacingOccurrences(
            of: #""bookedUnattributed":[]"#,
            with:
                #""bookedUnattributed":[{"amount":5,"column":"refunded","currency":"brl","day":"2025-12-01","hour":"2025-12-01T12"}]"#
        )
        #expect(Array(unattributed.utf8).withUnsafeBytes { Payment.scanned($0) } == nil)
        #expect(
            (try JSONDecoder().decode(Payment.self, from: Data(unattributed.utf8))).bookedUnattributed.first?.amount
                == 5)
        // A list with anything but strings is left to the decoder.
        let mixed = linked.replacingOccurrences(of: #""refundIds":[ "re_1" ,"re_2"]"#, with: #""refundIds":["re_1",2]"#)
        #expect(Array(mixed.utf8).withUnsafeBytes { Payment.scanned($0) } == nil)
    }
}
