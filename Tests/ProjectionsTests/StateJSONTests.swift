import Foundation
@testable import Projections
import Testing

@Suite("State encoding")
struct StateJSONTests {
    struct Record: Codable {
        var name: String
        var small: Int8
        var big: UInt64
        var least: Int64
        var flag: Bool
        var missing: String?
        var present: Int?
        var tags: [String]
        var nested: [String: [Int32]]
        var children: [Record]?
        var nothing: [String: String]
    }

    static let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    @Test("the same bytes as JSONEncoder with sorted keys: escapes, Unicode, key order, integer limits, nesting, absent optionals")
    func sameBytes() throws {
        let awkward = "a/b \"q\" \\ \n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f} é e\u{301} \u{2028} 😀"
        let child = Record(name: "", small: -128, big: 0, least: 0, flag: false, missing: nil, present: nil, tags: [], nested: [:], children: nil, nothing: [:])
        let record = Record(
            name: awkward, small: 127, big: .max, least: .min, flag: true, missing: nil, present: 0, tags: ["z", awkward, ""],
            nested: ["B": [1, -2], "a10": [], "a9": [.max], "_": [.min], "é": [3], "e": [4], awkward: [5]],
            children: [child, child], nothing: [:]
        )
        let values: [any Encodable] = [
            record, child, awkward, "", 42, Int64.min, UInt64.max, true, [String](), [String: Int](), ["k": Optional<Int>.none],
            [[1, 2], [3]], ["x": ["y": ["z": "deep"]]],
        ]
        for value in values {
            #expect(try StateJSON.encode(value) == Array(Self.reference.encode(value)), "\(value)")
        }
    }

    @Test("what JSONEncoder treats specially is left to it, with the same result")
    func fallback() throws {
        struct Special: Codable {
            var when = Date(timeIntervalSince1970: 1_763_900_000.25)
            var bytes = Data([1, 2, 3])
            var ratio = 0.1
        }
        #expect(throws: StateJSON.Unsupported.self) { try StateJSON.encode(Special()) }
        #expect(throws: StateJSON.Unsupported.self) { try StateJSON.encode([1.5]) }
        #expect(try StateJSON.encode(Special(), fallback: Self.reference) == Array(Self.reference.encode(Special())))
    }

    /// Decodes `json` both ways; returns whether they agree (same value, or both fail).
    func agree<T: Codable>(_ type: T.Type, _ json: String) -> Bool {
        let bytes = Array(json.utf8)
        let ours = bytes.withUnsafeBytes { try? StateJSON.decode(T.self, from: $0, fallback: JSONDecoder()) }
        let theirs = try? JSONDecoder().decode(T.self, from: Data(bytes))
        let encode = { (value: T?) in value.flatMap { try? Self.reference.encode($0) } }
        return encode(ours) == encode(theirs) && (ours == nil) == (theirs == nil)
    }

    @Test("decoding gives what JSONDecoder gives, or falls back to it: escapes, numbers, nulls, repeated keys, large objects, bad input")
    func decoding() throws {
        let record = Record(
            name: "a/b \"q\" é 😀 \u{1}", small: -128, big: .max, least: .min, flag: true, missing: nil, present: 7, tags: ["x"],
            nested: Dictionary(uniqueKeysWithValues: (0..<40).map { ("k\($0)", [Int32($0)]) }), children: [], nothing: [:]
        )
        let encoded = String(decoding: try Self.reference.encode(record), as: UTF8.self)
        #expect(encoded.contains(#""present":7"#))
        let cases: [(any Codable.Type, String)] = [
            (Record.self, encoded),
            (Record.self, encoded.replacingOccurrences(of: ",", with: " ,\n\t")),
            // Optionals: null, of the wrong type, present.
            (Record.self, encoded.replacingOccurrences(of: #""present":7"#, with: #""present":null"#)),
            (Record.self, encoded.replacingOccurrences(of: #""present":7"#, with: #""present":"7""#)),
            (Record.self, encoded.replacingOccurrences(of: #""present":7"#, with: #""present":7,"missing":"here""#)),
            (Record.self, encoded.replacingOccurrences(of: #""present":7"#, with: #""present":7,"missing":5"#)),
            (String.self, #""\u00e9\/\n\t\b\f\r\"\\""#), (String.self, #""\ud83d\ude00""#), (String.self, #""\u0000""#),
            (Int.self, "-0"), (Int64.self, "-9223372036854775808"), (UInt64.self, "18446744073709551615"), (Int64.self, "18446744073709551615"),
            (Int.self, "1.5"), (Int.self, "1e3"), (Int.self, "01"), (Int8.self, "300"), (Int.self, "\"1\""), (Double.self, "0.1"),
            ([String: Int].self, #"{"a":1,"a":2}"#), ([String: Int].self, #"{"a":1,}"#), ([Int?].self, "[1,null,3]"),
            (Record.self, #"{"name":"x"}"#), (Record.self, "{"), (String.self, "\"\u{FFFD}\""), (Bool.self, "tru"),
            // Numbers JSON does not allow, in a member nothing reads: JSONDecoder refuses the whole document.
            (Record.self, encoded.dropLast() + #","zz":1.}"#), (Record.self, encoded.dropLast() + #","zz":1e}"#),
            (Record.self, encoded.dropLast() + #","zz":-}"#), (Record.self, encoded.dropLast() + #","zz":.5}"#),
            (Record.self, encoded.dropLast() + #","zz":1.5e-3}"#), (Record.self, encoded.dropLast() + #","zz":[1E+2,{"y":null}]}"#),
        ]
        for (type, json) in cases {
            let agreed = agree(type, json)
            #expect(agreed, "\(type) from \(json)")
        }
        // Not UTF-8: both refuse it.
        let bad: [UInt8] = [0x22, 0xFF, 0x22]
        #expect(bad.withUnsafeBytes { (try? StateJSON.decode(String.self, from: $0, fallback: JSONDecoder())) == nil })
    }
}

/// The records that write their own JSON give JSONEncoder's bytes, with every optional present and absent.
@Suite("State records that write their own JSON")
struct StateJSONWritableTests {
    static let awkward = "a/b \"q\" \\ \n\r\t\u{1} é 😀"

    static func samples() -> [(String, any StateJSONWritable)] {
        let refund = PaymentsProjection.Refund(id: "re_1", amount: 5, created: 1_763_900_000, status: awkward)
        let payment = PaymentsProjection.Payment(
            id: "pi_1", kind: "payment_intent", amount: 1000, currency: "brl", status: "succeeded", amountRefunded: 0, customer: nil, created: 1,
            livemode: false, lastFailureCode: nil, paymentIntent: nil, refunds: [], refundRequested: nil
        )
        var full = payment
        (full.customer, full.lastFailureCode, full.paymentIntent, full.refundRequested, full.livemode) = ("cus_1", "card_declined", "pi_0", 7, true)
        full.refunds = [refund, PaymentsProjection.Refund(id: "re_2", amount: -1, created: nil, status: nil)]
        let action = LeadsProjection.Action(hookAction: "on_update_lead", position: .max, at: awkward, contactChanged: true)
        let lead = LeadsProjection.Lead(
            id: "L-1", name: nil, email: nil, phone: nil, normalizedEmail: nil, normalizedPhone: nil, fakeFlags: [], status: "received",
            actions: [], lastError: nil, personId: nil, samePerson: nil, enrichment: nil
        )
        var fullLead = lead
        (fullLead.name, fullLead.email, fullLead.phone, fullLead.normalizedEmail, fullLead.normalizedPhone) = (awkward, "a@b.co", "1", "a@b.co", "+1")
        (fullLead.fakeFlags, fullLead.actions, fullLead.lastError, fullLead.personId, fullLead.samePerson) = (
            ["phone:999999", awkward], [action], "x", "p", false
        )
        fullLead.enrichment = ["b": "2", "a": awkward, "B": "", "é": "e", "a10": "", "a9": ""]
        var totals = DeliveriesProjection.SourceTotals()
        totals.rejectedByReason = ["invalid_signature": 3, "Bad": -1, "z": Int.max]
        return [
            ("payment", payment), ("payment with everything", full), ("refund", refund),
            ("payment event", PaymentsProjection.PaymentEvent(eventId: "evt_1", type: "charge.refunded", created: -5, mode: "live", position: 1)),
            ("daily", PaymentsProjection.Daily(gross: 10, refunded: 3)), ("hourly", PaymentsProjection.Hourly(attempts: 2, failures: 1)),
            ("lead", lead), ("lead with everything", fullLead), ("action", action),
            ("action without a change", LeadsProjection.Action(hookAction: "on_create_lead", position: 0, at: "", contactChanged: nil)),
            ("stats", LeadsProjection.Stats(total: 3, completed: 2, failed: 1)), ("totals", DeliveriesProjection.SourceTotals()),
            ("totals with reasons", totals), ("minute", DeliveriesProjection.Minute(minute: "2026-11-26T19:00", received: 1, rejected: 0)),
            (
                "conversation",
                ConversationsProjection.Conversation(
                    id: "1", lastTopic: "t", teamAssigneeId: nil, adminAssigneeId: nil, state: nil, lastEventAt: nil, lastPosition: 9
                )
            ),
            (
                "conversation with everything",
                ConversationsProjection.Conversation(
                    id: awkward, lastTopic: "t", teamAssigneeId: "5372074", adminAssigneeId: "4820115", state: "open", lastEventAt: 1, lastPosition: 9
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
        (awkward.id, awkward.customer, awkward.amount, awkward.created) = (StateJSONWritableTests.awkward, "cus_é", .min, .max)
        for payment in samples + [awkward] {
            var writer = StateJSON.Writer()
            payment.write(to: &writer)
            let read = writer.bytes.withUnsafeBytes { try? StateJSON.decode(Payment.self, from: $0, fallback: JSONDecoder()) }
            #expect(read == payment)
            let scanned = writer.bytes.withUnsafeBytes { Payment.scanned($0) }
            #expect(scanned == (payment.refunds.isEmpty ? payment : nil))
        }
    }

    @Test("other shapes read as JSONDecoder reads them, or fail with it")
    func otherShapes() throws {
        let stored =
            #"{"amount":1000,"amountRefunded":0,"chargeIds":[],"created":1,"currency":"brl","disputeIds":[],"disputed":0,"hubRefunds":[],"id":"pi_1","kind":"payment_intent","livemode":false,"refundIds":[],"refundOutstanding":0,"refundedKnown":0,"refunds":[],"status":"succeeded"}"#
        let variants = [
            stored, stored.replacingOccurrences(of: ",", with: " ,\n "), stored.replacingOccurrences(of: #""refunds":[]"#, with: #""refunds":[ ]"#),
            stored.replacingOccurrences(of: #""created":1,"#, with: ""), stored.replacingOccurrences(of: #""amount":1000"#, with: #""amount":"1000""#),
            stored.replacingOccurrences(of: #""amount":1000"#, with: #""amount":1.5"#),
            stored.replacingOccurrences(of: #""livemode":false"#, with: #""livemode":0"#),
            stored.replacingOccurrences(of: #""status""#, with: #""customer":null,"paymentIntent":"pi_0","refundRequested":null,"status""#),
            stored.replacingOccurrences(of: #""status""#, with: #""customer":7,"status""#),
            stored.replacingOccurrences(of: #""refunds":[]"#, with: #""refunds":{}"#),
            stored.replacingOccurrences(of: #""refunds":[],"#, with: ""), stored.replacingOccurrences(of: #""id":"pi_1""#, with: #""id":"pi_1","id":"pi_2""#),
            stored.replacingOccurrences(of: #""id":"pi_1""#, with: #""id":"p\u0069_\n""#), String(stored.dropLast()),
        ]
        for variant in variants {
            let bytes = Array(variant.utf8)
            let ours = bytes.withUnsafeBytes { try? StateJSON.decode(Payment.self, from: $0, fallback: JSONDecoder()) }
            let theirs = try? JSONDecoder().decode(Payment.self, from: Data(bytes))
            #expect(ours == theirs, "\(variant)")
        }
        // The usual shape is read by scanning, id lists and bookings included.
        #expect(Array(stored.utf8).withUnsafeBytes { Payment.scanned($0) }?.amount == 1000)
        let linked = stored.replacingOccurrences(
            of: #""chargeIds":[]"#,
            with:
                #""bookedUnattributed":{"amount":5,"column":"refunded","currency":"brl","day":"2025-12-01","hour":"2025-12-01T12"},"chargeIds":["ch_1", "ch_\"2\""]"#
        )
        .replacingOccurrences(of: #""refundIds":[]"#, with: #""refundIds":[ "re_1" ,"re_2"]"#)
        let scanned = try #require(Array(linked.utf8).withUnsafeBytes { Payment.scanned($0) })
        #expect(scanned == (try JSONDecoder().decode(Payment.self, from: Data(linked.utf8))))
        #expect(scanned.chargeIds == ["ch_1", "ch_\"2\""])
        #expect(scanned.refundIds == ["re_1", "re_2"])
        #expect(scanned.bookedUnattributed?.amount == 5)
        // A list with anything but strings is left to the decoder.
        let mixed = linked.replacingOccurrences(of: #""refundIds":[ "re_1" ,"re_2"]"#, with: #""refundIds":["re_1",2]"#)
        #expect(Array(mixed.utf8).withUnsafeBytes { Payment.scanned($0) } == nil)
    }
}
