import Projections
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <key>` for one of `keys`, compared in constant time.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let keys: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer ") else {
            throw GatewayError(.unauthorized, "unauthorized", "send Authorization: Bearer <key> with a key from SWITCHYARD_API_KEYS")
        }
        let presented = String(header.dropFirst(7))
        var matched = false
        for key in keys where Verification.constantTimeEquals(secret: key, presented) { matched = true }
        guard matched else { throw GatewayError(.unauthorized, "unauthorized", "the bearer key is not valid") }
        return try await next(request, context)
    }
}
