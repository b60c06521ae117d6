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
}
