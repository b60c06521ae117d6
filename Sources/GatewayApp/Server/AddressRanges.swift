import EventLog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Outbound

/// A set of IP addresses given as single addresses or CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`), IPv4 and
/// IPv6. An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) matches the IPv4 ranges.
struct AddressRanges: Sendable, Equatable {
    private struct Range: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int
    }

    private var ranges: [Range] = []

    /// No address.
    init() {}

    /// Parses `entries`; throws a ``ConfigurationError`` naming `setting` and the first entry that is not an
    /// address or a range.
    init(parsing entries: [String], setting: String) throws(ConfigurationError) {
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = Self.bytes(of: String(parts[0])) else {
                throw ConfigurationError(setting: setting, message: "\"\(entry)\" is not an IP address or a CIDR range")
            }
            let bits = bytes.count * 8
            var prefix = bits
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...bits).contains(value) else {
                    throw ConfigurationError(
                        setting: setting, message: "\"\(entry)\" has a prefix length outside 0–\(bits)")
                }
                prefix = value
            }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
    }

    /// Whether there is no address in the set.
    var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` (text as the socket or a header gives it) lies in one of the ranges.
    func contains(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = Self.bytes(of: address) else { return false }
        return ranges.contains { range in
            range.bytes.count == bytes.count && Self.matches(bytes, range.bytes, prefix: range.prefix)
        }
    }

    private static func matches(_ address: [UInt8], _ network: [UInt8], prefix: Int) -> Bool {
        var remaining = prefix
        for (a, n) in zip(address, network) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != n & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// The address's bytes: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; `nil` for anything else.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12...])
        }
        return bytes
    }
}
