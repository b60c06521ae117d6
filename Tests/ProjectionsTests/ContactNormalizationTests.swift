@testable import Projections
import Testing

/// The ASCII fast paths of the contact rules against the general ones, which read characters, as the leads
/// projection's state must not change with them.
@Suite("Contact rules on ASCII")
struct ContactNormalizationTests {
    /// Characters that make the rules' edge cases likely: separators, case, spaces (CR LF among them), digits of
    /// the fake patterns, and the bytes an email's local part may or may not hold.
    static let alphabet = Array("aZ09 @.-\r\n\t+_(9)1x\u{0B}\"!~,".utf8)

    static func random(_ generator: inout some RandomNumberGenerator, upTo length: Int) -> String {
        let count = Int.random(in: 0...length, using: &generator)
        return String(decoding: (0..<count).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
    }

    @Test("the ASCII email rule gives what the character rule gives")
    func emails() {
        var generator = SplitMix(seed: 7)
        var valid = 0
        for _ in 0..<20_000 {
            // A valid address, then up to three random edits: most stay near the rule's edges.
            var bytes = Array(
                ["Ana.Souza@Example.com.br", "x@y.io", " j-k_9@mail-1.example.org\r\n"].randomElement(
                    using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                let at = Int.random(in: 0...bytes.count, using: &generator)
                let byte = Self.alphabet.randomElement(using: &generator)!
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.insert(byte, at: at)
                case 1 where at < bytes.count: bytes[at] = byte
                default: if at < bytes.count { bytes.remove(at: at) }
                }
            }
            let raw = String(decoding: bytes, as: UTF8.self)
            let fast = ContactNormalization.email(raw)
            #expect(fast == ContactNormalization.unicodeEmail(raw), "\(raw.debugDescription)")
            if fast != nil { valid += 1 }
        }
        for raw in [
            " Ana.Souza@Example.COM.br\r\n", "a@b.co", "a@-b.co", "a@b-.co", ".a@b.co", "a.@b.co", "a..b@c.co",
            "a@b.c0", "a@@b.co", "\r\n",
        ] {
            #expect(
                ContactNormalization.email(raw) == ContactNormalization.unicodeEmail(raw), "\(raw.debugDescription)")
        }
        // Enough of the random ones pass for the comparison to cover the whole rule.
        #expect(valid > 100)
    }

    @Test("the ASCII fake-pattern search gives what the character search gives")
    func fakeFlags() {
        var generator = SplitMix(seed: 11)
        var flagged = 0
        for _ in 0..<20_000 {
            let pattern = { (generator: inout SplitMix) in
                Bool.random(using: &generator)
                    ? ContactNormalization.fakePatterns.randomElement(using: &generator)! : ""
            }
            let email = Self.random(&generator, upTo: 4) + pattern(&generator) + Self.random(&generator, upTo: 4)
            let digits = Array("1909")
            let phone =
                "+55"
                + String(
                    (0..<Int.random(in: 0...6, using: &generator)).map { _ in digits.randomElement(using: &generator)! }
                ) + pattern(&generator)
            let fast = ContactNormalization.fakeFlags(email: email, phone: phone)
            #expect(
                fast == ContactNormalization.unicodeFakeFlags(email: email, phone: phone),
                "\(email.debugDescription) \(phone)")
            if !fast.isEmpty { flagged += 1 }
        }
        #expect(ContactNormalization.fakeFlags(email: "@@123456789@x", phone: nil) == ["email:123456789"])
        // A pattern that starts inside a partial match of itself.
        #expect(
            ContactNormalization.fakeFlags(email: "a1212345678912@b.com", phone: "+55 (11) 99999-9999") == [
                "phone:999999", "email:123456789",
            ])
        #expect(ContactNormalization.fakeFlags(email: "a12345678@b.com", phone: "+55 11 9999-8999") == [])
        #expect(flagged > 100)
    }
}

/// A small seeded generator, so that a failure can be reproduced.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
