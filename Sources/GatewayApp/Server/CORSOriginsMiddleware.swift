import HTTPTypes
import Hummingbird

/// CORS for the origins of `corsOrigins` only: a preflight (`OPTIONS` with `Access-Control-Request-Method`) from one
/// of them is answered 204 with what the API accepts, and every answer to one of them names it in
/// `Access-Control-Allow-Origin`. Requests from other origins get no CORS headers, so browsers keep their pages out.
struct CORSOriginsMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let origins: Set<String>
    /// The request headers a preflight may name (`corsAllowHeaders`).
    var allowedHeaders = ["Authorization", "X-Dash-Key", "Content-Type", "Idempotency-Key", "If-Match"]

    static let allowOrigin = HTTPField.Name("Access-Control-Allow-Origin")!
    static let allowMethods = HTTPField.Name("Access-Control-Allow-Methods")!
    static let allowHeaders = HTTPField.Name("Access-Control-Allow-Headers")!
    static let maxAge = HTTPField.Name("Access-Control-Max-Age")!
    static let requestMethod = HTTPField.Name("Access-Control-Request-Method")!
    static let origin = HTTPField.Name("Origin")!
    static let vary = HTTPField.Name("Vary")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[Self.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[Self.requestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    Self.allowOrigin: origin, Self.allowMethods: "GET, POST, PUT, DELETE, OPTIONS",
                    Self.allowHeaders: allowedHeaders.joined(separator: ", "),
                    Self.maxAge: "600", Self.vary: "Origin",
                ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.allowOrigin] = origin
        response.headers.append(HTTPField(name: Self.vary, value: "Origin"))
        return response
    }
}
