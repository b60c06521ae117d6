import Foundation
import Testing
import TestSupport
@testable import Projections

/// Contact2Sale deliveries read by scanning must read as `JSONDecoder` reads them, or be left to it.
@Suite("Reading C2S webhooks by scanning")
struct WebhookScanTests {
    typealias Delivery = LeadsProjection.Delivery

    static let lead =
        #"{"id":"L-1","type":"lead","hook_action":"on_create_lead","attributes":{"updated_at":"2026-11-23T14:02:11Z","customer":{"name":"Carla","email":"carla@example.com","phone":"(11) 98765-4321","cpf":null},"product":{"price":"R$ 1"}}}"#

    static let leadVariants: [(String, String)] = [
        ("as is", lead),
        ("a numeric id", lead.replacingOccurrences(of: #""id":"L-1""#, with: #""id":42"#)),
        ("a negative zero id", lead.replacingOccurrences(of: #""id":"L-1""#, with: #""id":-0"#)),
        ("a fractional id", lead.replacingOccurrences(of: #""id":"L-1""#, with: #""id":4.0"#)),
        ("an id beyond Int64", lead.replacingOccurrences(of: #""id":"L-1""#, with: #""id":92233720368547758070"#)),
        ("an id that is an object", lead.replacingOccurrences(of: #""id":"L-1""#, with: #""id":{"v":1}"#)),
        ("a null id", lead.replacingOccurrences(of: #""id":"L-1""#, with: #""id":null"#)),
        ("no id", lead.replacingOccurrences(of: #""id":"L-1","#, with: "")),
        (
            "a numeric hook action",
            lead.replacingOccurrences(of: #""hook_action":"on_create_lead""#, with: #""hook_action":1"#)
        ),
        ("no attributes", #"{"id":"L-2","hook_action":"on_close_lead"}"#),
        ("attributes null", #"{"id":"L-2","attributes":null}"#),
        ("attributes an array", #"{"id":"L-2","attributes":[]}"#),
        ("customer null", lead.replacingOccurrences(of: #""customer":{"#, with: #""customer":null,"x":{"#)),
        ("customer a string", lead.replacingOccurrences(of: #""customer":{"#, with: #""customer":"Carla","x":{"#)),
        ("a null email", lead.replacingOccurrences(of: #""email":"carla@example.com""#, with: #""email":null"#)),
        (
            "a numeric phone",
            lead.replacingOccurrences(of: #""phone":"(11) 98765-4321""#, with: #""phone":11987654321"#)
        ),
        ("escapes", lead.replacingOccurrences(of: #""name":"Carla""#, with: #""name":"Carla \u00c9\n\"C\"\/""#)),
        ("a repeated key", lead.replacingOccurrences(of: #""name":"Carla""#, with: #""name":"Carla","name":"Other""#)),
        ("whitespace", lead.replacingOccurrences(of: ",", with: " ,\n\t").replacingOccurrences(of: ":", with: " : ")),
        ("not an object", #"["L-1"]"#),
        ("not JSON", #"{"id":}"#),
    ]

    @Test(
        "C2S deliveries read the same by scanning as by decoding, or are left to the decoder", arguments: leadVariants)
    func deliveries(label: String, payload: String) {
        let bytes = Array(payload.utf8)
        if let scanned = Delivery.scanned(bytes) {
            #expect(scanned == (try? JSONDecoder().decode(Delivery.self, from: Data(bytes))), "\(label)")
        }
    }

    @Test("the common shapes and the fixtures are read by scanning")
    func whichWay() throws {
        #expect(
            Self.leadVariants.filter { Delivery.scanned(Array($0.1.utf8)) != nil }.map(\.0) == [
                "as is", "a numeric id", "a negative zero id", "a null id", "no id", "no attributes", "attributes null",
                "customer null",
                "a null email", "escapes", "a repeated key", "whitespace",
            ])
        #expect(Delivery.scanned(Array(Self.leadVariants[1].1.utf8))?.leadID == "42")
        #expect(Delivery.scanned(Array(Self.leadVariants[16].1.utf8))?.customer?.name == "Carla É\n\"C\"/")
        for name in ["on_create_lead", "on_update_lead", "on_close_lead"] {
            let bytes = try fixture("c2s/\(name).json")
            let scanned = try #require(Delivery.scanned(bytes), "\(name)")
            #expect(scanned == (try JSONDecoder().decode(Delivery.self, from: Data(bytes))))
        }
    }
}
