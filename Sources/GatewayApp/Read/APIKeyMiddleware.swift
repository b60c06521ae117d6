import Hummingbird
import Projections
import WebhookAuth

/// Lets a request through only with `Authorization: Bearer <key>` for one of `keys`, compared in constant time,
/// and, when `allow` is not empty, only from one of those addresses.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let keys: [String]
    /// The setting that holds the keys, for the error message.
    var setting = "SWITCHYARD_API_KEYS"
    var allow: [String] = []

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard allow.isEmpty || allow.contains(context.remoteAddress) else {
            throw GatewayError(.forbidden, "forbidden", "this address may not use these routes; see SWITCHYARD_ADMIN_ALLOW")
        }
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer ") else {
            throw GatewayError(.unauthorized, "unauthorized", "send Authorization: Bearer <key> with a key from \(setting)")
        }
        let presented = String(header.dropFirst(7))
        var matched = false
        for key in keys where Verification.constantTimeEquals(secret: key, presented) { matched = true }
        guard matched else { throw GatewayError(.unauthorized, "unauthorized", "the bearer key is not valid") }
        return try await next(request, context)
    }
}
