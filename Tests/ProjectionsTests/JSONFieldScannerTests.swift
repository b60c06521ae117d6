import Projections
import Testing
@testable import JSONScan

@Suite("JSON field scanner")
struct JSONFieldScannerTests {
    func scan(_ body: String, _ paths: JSONFieldScanner.Paths) throws -> [String?] {
        try Array(body.utf8).withUnsafeBytes { bytes throws(JSONFieldScanner.Failure) in
            try JSONFieldScanner.scan(bytes, paths: paths).values
        }
    }

    @Test("paths that share keys at some depth each find their own value")
    func sharedKeys() throws {
        let paths: JSONFieldScanner.Paths = [["id"], ["a", "id"], ["b", "id"], ["a", "b", "id"], ["b"], ["a", "x"]]
        let body = #"{"b":{"id":"3","x":"no"},"a":{"x":"5","b":{"id":"4"},"id":"2"},"id":"1","c":{"id":"no"}}"#
        #expect(try scan(body, paths) == ["1", "2", "3", "4", nil, "5"])
    }

    @Test("a repeated key keeps its first value, at any depth, as JSONDecoder does")
    func repeatedKeys() throws {
        let paths: JSONFieldScanner.Paths = [["id"], ["a", "id"], ["a", "y"]]
        #expect(
            try scan(#"{"id":"1","a":{"id":"2","id":"3"},"id":"4","a":{"id":"5","y":"6"}}"#, paths) == ["1", "2", nil])
    }

    @Test("an escaped key matches the key it spells; a key of the same length with other bytes does not")
    func escapedKeys() throws {
        let paths: JSONFieldScanner.Paths = [["id"], ["data", "type"], ["\u{e9}t\u{e9}"]]
        #expect(
            try scan(#"{"i\u0064":"1","d\u0061ta":{"typf":"no","type":"2"},"\u00e9t\u00e9":"3"}"#, paths) == [
                "1", "2", "3",
            ])
        #expect(try scan(#"{"ie":"1","dbta":{"type":"2"}}"#, paths) == [nil, nil, nil])
    }

    @Test("sixty-four paths, the most a scan takes, each find their value")
    func manyPaths() throws {
        let names = (0..<64).map { "k\($0)" }
        let paths = JSONFieldScanner.Paths(names.map { $0.hasSuffix("7") ? ["deep", $0] : [$0] })
        let members = names.map { $0.hasSuffix("7") ? #""\#($0)x":0"# : #""\#($0)":"\#($0)""# }
        let deep = names.filter { $0.hasSuffix("7") }.map { #""\#($0)":"\#($0)""# }
        let body = "{" + members.joined(separator: ",") + #","deep":{"# + deep.joined(separator: ",") + "}}"
        #expect(try scan(body, paths) == names.map { $0 })
    }

    @Test(
        "escapes follow RFC 8259: any other escape, a short \\u, or a lone surrogate is refused, wherever it is",
        arguments: [
            #"{"a":"\q"}"#, #"{"a":"\u12"}"#, #"{"a":"\u12G4"}"#, #"{"a":"\"}"#, #"{"a":"\u"}"#, #"{"\x":1}"#,
            #"["\'"]"#,
            #"{"a":"\ud800"}"#, #"{"a":"\ud800x"}"#, #"{"a":"\ud800\u0041"}"#, #"{"a":"\udc00"}"#,
            #"{"a":"\udfff\ud800"}"#,
            #"{"a":"\ud800\n"}"#, #"{"a":"x\"#,
        ])
    func badEscapes(body: String) {
        #expect(throws: JSONFieldScanner.Failure.self, "\(body)") { try scan(body, [["a"]]) }
    }

    @Test("every escape RFC 8259 has is accepted and read as the character it stands for")
    func goodEscapes() throws {
        #expect(
            try scan(#"{"a":"\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 \u0000"}"#, [["a"]]) == [
                "\" \\ / \u{8} \u{c} \n \r \t é 😀 \u{0}"
            ])
    }
}
