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
