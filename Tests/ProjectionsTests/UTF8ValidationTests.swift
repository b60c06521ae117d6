@testable import Projections
import Testing
@testable import JSONScan

@Suite("UTF-8 in scanned JSON")
struct UTF8ValidationTests {
    @Test("the scanner's UTF-8 check agrees with the standard library's on random bytes and on the edge cases")
    func agreesWithStandardLibrary() {
        var generator = SplitMix(seed: 3)
        // Bytes around the boundaries of each form, so that most sequences are near-valid.
        let pool: [UInt8] = [
            0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF,
            0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ]
        var valid = 0
        for _ in 0..<50_000 {
            let bytes = (0..<Int.random(in: 0...6, using: &generator)).map { _ in pool.randomElement(using: &generator)!
            }
            let ours = bytes.withUnsafeBytes { JSONFieldScanner.isValidUTF8($0) }
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
            if ours { valid += 1 }
        }
        #expect(valid > 1000)
        let cases: [[UInt8]] = [
            Array("Dúvida sobre a fatura 😀".utf8), [0xC3, 0xA9], [0xE9], [0xC0, 0xAF], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBF, 0xBD],
        ]
        for bytes in cases {
            #expect(
                bytes.withUnsafeBytes { JSONFieldScanner.isValidUTF8($0) }
                    == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test("a body with a string that is not UTF-8 is not JSON; one that is, is read")
    func scannerRefusesBadStrings() throws {
        func scan(_ body: [UInt8]) throws -> [String?] {
            try body.withUnsafeBytes { bytes in try JSONFieldScanner.scan(bytes, paths: [["id"]]).values }
        }
        #expect(try scan(Array(#"{"id":"café","n":1}"#.utf8)) == ["café"])
        for bad in [
            Array(#"{"id":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8),
            Array(#"{""#.utf8) + [0xFF] + Array(#"":1}"#.utf8),
        ] {
            #expect(throws: JSONFieldScanner.Failure.self) { try scan(bad) }
        }
    }
}
