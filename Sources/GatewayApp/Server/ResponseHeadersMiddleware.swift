import HTTPTypes
import Hummingbird

/// Adds security headers and the request id to every response.
struct ResponseHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
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
        headers.append(HTTPField(name: Self.requestID, value: context.requestID))
    }
}
