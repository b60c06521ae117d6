import HTTPTypes
import Hummingbird
import Projections
import WebhookAuth

/// Lets a request through only with one of `keys`, compared in constant time, sent as `Authorization: Bearer <key>`
/// or as `X-Dash-Key: <key>` (as EchoPilot's operators send it); with `sessions`, a `GET` also passes with a live
/// console session cookie (the console's own pages read the API that way; cookies never authorise a write). When
/// `allow` is not empty, only from one of those addresses. A key of `lesserKeys` (a read key on the admin routes) is
/// known but may not do this: 403, not 401.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let keys: [String]
    /// Keys that are valid elsewhere but may not use these routes, and what they may not do, for the message.
    var lesserKeys: [String] = []
    var lesserMessage = "this key may not use these routes"
    /// The setting that holds the keys, for the error message.
    var setting = "SWITCHYARD_API_KEYS"
    var allow: [String] = []
    /// The console's sessions, whose cookie admits reads.
    var sessions: ConsoleSessions? = nil

    static let dashKey = HTTPField.Name("X-Dash-Key")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard allow.isEmpty || allow.contains(context.remoteAddress) else {
            throw GatewayError(
                .forbidden, "forbidden", "this address may not use these routes; see SWITCHYARD_ADMIN_ALLOW")
        }
        let presented: String
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw GatewayError(
                    .unauthorized, "unauthorized", "send Authorization: Bearer <key> with a key from \(setting)")
            }
            presented = String(header.dropFirst(7))
        } else if let header = request.headers[Self.dashKey] {
            presented = header
        } else if request.method == .get, let sessions, sessions.session(for: request) != nil {
            return try await next(request, context)
        } else {
            throw GatewayError(
                .unauthorized, "unauthorized",
                "send Authorization: Bearer <key> (or X-Dash-Key: <key>) with a key from \(setting)")
        }
        var matched = false
        for key in keys where Verification.constantTimeEquals(secret: key, presented) { matched = true }
        guard matched else {
            for key in lesserKeys where Verification.constantTimeEquals(secret: key, presented) {
                throw GatewayError(.forbidden, "forbidden", lesserMessage)
            }
            throw GatewayError(.unauthorized, "unauthorized", "the key is not valid")
        }
        return try await next(request, context)
    }
}
