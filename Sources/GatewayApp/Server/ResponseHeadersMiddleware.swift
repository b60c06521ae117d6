import HTTPTypes
import Hummingbird

/// Adds security headers and the request id to every response, as Helmet sets them for such apps: no sniffing, no
/// framing, no referrer, no caching unless said; a restrictive `Content-Security-Policy` on every answer that does not
/// carry its own (the console's pages do); `Cross-Origin-Resource-Policy: same-origin`; and, when the gateway is
/// served over TLS, `Strict-Transport-Security`.
struct ResponseHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    var servedOverTLS = false
    static let resourcePolicy = HTTPField.Name("Cross-Origin-Resource-Policy")!
    static let transportSecurity = HTTPField.Name("Strict-Transport-Security")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            var response = try await next(request, context)
            decorate(&response.headers, context: context)
            return response
        } catch let error as GatewayError {
            var error = error
            decorate(&error.headers, context: context)
            throw error
        }
    }

    private func decorate(_ headers: inout HTTPFields, context: Context) {
        headers.append(HTTPField(name: Self.contentTypeOptions, value: "nosniff"))
        headers.append(HTTPField(name: Self.frameOptions, value: "DENY"))
        headers.append(HTTPField(name: Self.referrerPolicy, value: "no-referrer"))
        if headers[.cacheControl] == nil { headers.append(HTTPField(name: .cacheControl, value: "no-store")) }
        if headers[.contentSecurityPolicy] == nil {
            headers.append(HTTPField(name: .contentSecurityPolicy, value: "default-src 'none'; frame-ancestors 'none'"))
        }
        headers.append(HTTPField(name: Self.resourcePolicy, value: "same-origin"))
        if servedOverTLS {
            headers.append(HTTPField(name: Self.transportSecurity, value: "max-age=31536000; includeSubDomains"))
        }
        headers.append(HTTPField(name: Self.requestID, value: context.requestID))
    }
}
