import EventLog
import Testing

@Suite("Event hashes")
struct EventHashTests {
    @Test("a hash keeps its 32 bytes in order, as bytes, as hex and from raw memory, and compares by them")
    func bytesInOrder() {
        let bytes = (0..<32).map { UInt8($0 * 7 + 1) }
        let hash = EventHash(bytes: bytes)
        #expect(hash.bytes == bytes)
        #expect(
            hash.hex
                == bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
                .joined())
        #expect(EventHash(hex: hash.hex) == hash)
        #expect(bytes.withUnsafeBytes { EventHash(copying: $0) } == hash)
        hash.withUnsafeBytes { #expect(Array($0) == bytes) }
        var other = bytes
        other[31] ^= 1
        #expect(EventHash(bytes: other) != hash)
        #expect(Set([hash, EventHash(bytes: bytes), EventHash(bytes: other)]).count == 2)
        #expect(EventHash.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(EventHash(hex: String(repeating: "0", count: 63)) == nil)
    }
}
