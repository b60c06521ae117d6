import HTTPTypes
import Hummingbird

/// Behind a reverse proxy, takes the client's address from `Forwarded` (RFC 7239) or `X-Forwarded-For`, but only
/// for a request whose peer is one of `trustedProxies`; from anyone else those headers are ignored, so they cannot
/// be spoofed. The rate limit, the admin allowlist and the recorded `remote-address` then see the client.
///
/// The client is the right-most address that is not itself a trusted proxy: each proxy appends the address it
/// received from, so everything left of the first untrusted hop may have been written by the client.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let trustedProxies: AddressRanges

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !trustedProxies.isEmpty, trustedProxies.contains(context.peerAddress) else {
            return try await next(request, context)
        }
        var context = context
        if let client = Self.client(request.headers, trusting: trustedProxies) { context.remoteAddress = client }
        return try await next(request, context)
    }

    /// The client address the headers name, or `nil` when they name none that parses.
    static func client(_ headers: HTTPFields, trusting proxies: AddressRanges) -> String? {
        let forwarded = headers[values: .forwarded].flatMap { $0.split(separator: ",") }.compactMap(Self.forElement)
        let hops =
            forwarded.isEmpty
            ? headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }.map { $0.trimmed(of: " \t") }
            : forwarded
        var client: String?
        for hop in hops.reversed() {
            guard AddressRanges.bytes(of: hop) != nil else { break }
            client = hop
            if !proxies.contains(hop) { break }
        }
        return client
    }

    /// The address of a `Forwarded` element's `for=` parameter, without quotes, brackets or port.
    static func forElement(_ element: Substring) -> String? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmed(of: " \t").lowercased() == "for" else { continue }
            var value = Substring(parts[1].trimmed(of: " \t\""))
            if value.hasPrefix("[") {
                guard let close = value.firstIndex(of: "]") else { return nil }
                return String(value[value.index(after: value.startIndex)..<close])
            }
            if let colon = value.firstIndex(of: ":"), value.filter({ $0 == ":" }).count == 1 { value = value[..<colon] }
            return String(value)
        }
        return nil
    }
}

extension HTTPField.Name {
    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

private extension StringProtocol {
    func trimmed(of set: String) -> String {
        var view = Substring(self)
        while let first = view.first, set.contains(first) { view = view.dropFirst() }
        while let last = view.last, set.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
