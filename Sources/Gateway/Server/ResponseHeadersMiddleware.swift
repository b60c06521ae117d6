import HTTPTypes
import Hummingbird

/// Adds security headers and the request id to every response.
struct ResponseHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    static var requestID: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        headers[Self.requestID] = context.requestID
    }
}
