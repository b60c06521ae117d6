import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Outbound
import Projections
import WebhookAuth

/// The console at `/console`: server-rendered pages over the log and the projections, for operators, managers and
/// auditors, on the gateway's own port. Every page needs a session (sign-in with a read or an admin key); every
/// state-changing form carries the session's CSRF token; admin forms also need an admin key and an address the
/// admin allowlist admits. What each page shows and where its numbers come from: docs/console.md.
struct ConsoleController<Log: EventStore>: Sendable {
    let log: Log
    let read: ReadController<Log>
    let admin: AdminController<Log>
    let runner: ProjectionRunner<Log>
    let sessions: ConsoleSessions
    let templates: ConsoleTemplates
    let components: ComponentHealth
    let gates: TargetGates?
    let signatures: SignatureCheck
    let apiKeys: [String]
    let adminKeys: [String]
    let adminAllow: [String]
    let logger: Logger
    let rates = BuildRates()
    let signInThrottle: SignInThrottle
    /// The sources of the config file, and those defined through the admin API.
    let configuredSources: [SourceDefinition]
    let catalog: SourceCatalog
    /// The names of the built-in Standard Webhooks endpoints.
    let inbound: [String]

    var store: ProjectionStore { read.store }

    func addRoutes(to router: Router<GatewayContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/console", type: .normal) }
        router.get("/console/assets/{name}") { _, context in
            guard let response = templates.asset(try context.parameters.require("name")) else {
                throw GatewayError(.notFound, "not_found", "no such asset")
            }
            return response
        }
        router.get("/console/sign-in") { request, _ in signInPage(request, message: nil) }
        router.post("/console/sign-in") { request, context in try await signIn(request, from: context.remoteAddress) }
        router.post("/console/sign-out") { request, _ in try await signOut(request) }
        router.get("/console") { request, context in
            try await page(request, context, "overview") { try await overview(&$0) }
        }
        router.get("/console/events") { request, context in
            try await page(request, context, "events") { try await events(request, &$0) }
        }
        router.get("/console/events/{position}") { request, context in
            try await page(request, context, "events") {
                try await event(try context.parameters.require("position", as: UInt64.self), &$0)
            }
        }
        router.get("/console/payments") { request, context in
            try await page(request, context, "payments") { try payments(&$0) }
        }
        router.get("/console/payments/{id}") { request, context in
            try await page(request, context, "payments") {
                try payment(try context.parameters.requireDecoded("id"), request: request, &$0)
            }
        }
        router.post("/console/payments/{id}/refund") { request, context in
            let back = "/console/payments/\(Self.queryEscaped(try context.parameters.requireDecoded("id")))"
            return try await form(request, context, admin: true, back: back) { form, session in
                try await refund(
                    try context.parameters.requireDecoded("id"), form: form, context: context, session: session)
            }
        }
        router.get("/console/leads") { request, context in try await page(request, context, "leads") { try leads(&$0) }
        }
        router.get("/console/leads/{id}") { request, context in
            try await page(request, context, "leads") { try lead(try context.parameters.requireDecoded("id"), &$0) }
        }
        router.get("/console/actions") { request, context in
            try await page(request, context, "actions") { try actions(request, &$0) }
        }
        router.post("/console/actions/{id}/retry") { request, context in
            try await form(request, context, admin: true, back: "/console/actions") { _, _ in
                let id = try context.parameters.requireDecoded("id")
                _ = try await admin.retry(id: id, from: context.remoteAddress)
                return Response.redirect(to: "/console/actions?retried=\(Self.queryEscaped(id))", type: .found)
            }
        }
        router.get("/console/sources") { request, context in
            try await page(request, context, "sources") { try sources(&$0) }
        }
        router.get("/console/projections") { request, context in
            try await page(request, context, "projections") { try await projections(&$0) }
        }
        router.get("/console/as-of") { request, context in
            try await page(request, context, "projections") { try await asOf(request, &$0) }
        }
    }

    /// What a page handler gets: the session and the fields every page's layout uses.
    struct PageContext {
        let session: ConsoleSession
        /// Whether this session may use admin forms from this address.
        let isAdmin: Bool
        var fields: [String: Any]
    }

    /// Renders a page for a signed-in user (else a redirect to sign-in), with the layout's fields; a
    /// ``GatewayError`` becomes the error page with its status.
    private func page(
        _ request: Request, _ context: GatewayContext, _ section: String,
        _ body: (inout PageContext) async throws -> String
    ) async throws -> Response {
        guard let session = sessions.session(for: request) else {
            let next = request.uri.path.hasPrefix("/console") ? request.uri.description : "/console"
            return Response.redirect(to: "/console/sign-in?next=\(Self.queryEscaped(next))", type: .found)
        }
        let isAdmin = session.role == .admin && (adminAllow.isEmpty || adminAllow.contains(context.remoteAddress))
        var page = PageContext(
            session: session, isAdmin: isAdmin,
            fields: [
                "csrf": session.csrfToken, "role": session.role.rawValue, "is_admin": isAdmin,
                "section_\(section)": true,
            ]
        )
        do {
            let template = try await body(&page)
            return templates.page(template, page.fields)
        } catch let error as GatewayError {
            return errorPage(error, fields: page.fields, back: "/console")
        }
    }

    /// The error page for `error`, with its status, its message and a link back to `back`.
    private func errorPage(_ error: GatewayError, fields: [String: Any], back: String) -> Response {
        var fields = fields
        fields["error_status"] = Int(error.status.code)
        fields["error_code"] = error.code
        fields["error_message"] = error.message
        fields["back"] = back
        fields["title"] = "Error"
        var headers = error.headers
        headers[.contentType] = nil
        return templates.page("error", fields, status: error.status, headers: headers)
    }

    /// Handles a state-changing form: a session, its CSRF token and, for `admin`, an admin session from an allowed
    /// address; else 403. Whatever the form is refused for (those, or what it asked: a refund above what remains, an
    /// unknown payment) is shown as the console's error page with the message and a link back to `back`.
    private func form(
        _ request: Request, _ context: GatewayContext, admin: Bool, back: String,
        _ body: (String, ConsoleSession) async throws -> Response
    ) async throws -> Response {
        let session = sessions.session(for: request)
        do {
            return try await checkedForm(request, context, session: session, admin: admin, body)
        } catch let error as GatewayError {
            var fields: [String: Any] = [:]
            if let session {
                let isAdmin =
                    session.role == .admin && (adminAllow.isEmpty || adminAllow.contains(context.remoteAddress))
                fields = ["csrf": session.csrfToken, "role": session.role.rawValue, "is_admin": isAdmin]
            }
            return errorPage(error, fields: fields, back: session == nil ? "/console/sign-in" : back)
        }
    }

    private func checkedForm(
        _ request: Request, _ context: GatewayContext, session: ConsoleSession?, admin: Bool,
        _ body: (String, ConsoleSession) async throws -> Response
    ) async throws -> Response {
        let form = try await ConsoleForm.body(request)
        guard let session else {
            throw GatewayError(.unauthorized, "unauthorized", "sign in to the console first")
        }
        guard ConsoleSessions.checkCSRF(try ConsoleForm.decode(ConsoleForm.Guarded.self, from: form).csrf, for: session)
        else {
            throw GatewayError(
                .forbidden, "csrf_failed", "the form's token is missing or stale; reload the page and try again")
        }
        if admin {
            guard session.role == .admin else { throw GatewayError(.forbidden, "forbidden", "this needs an admin key") }
            guard adminAllow.isEmpty || adminAllow.contains(context.remoteAddress) else {
                throw GatewayError(
                    .forbidden, "forbidden", "this address may not use admin forms; see SWITCHYARD_ADMIN_ALLOW")
            }
        }
        return try await body(form, session)
    }

    static func queryEscaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? ""
    }

    private func signInPage(_ request: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = ConsoleSessions.token()
        let next = request.uri.queryParameters.get("next").flatMap { $0.hasPrefix("/console") ? $0 : nil } ?? "/console"
        var fields: [String: Any] = ["sign_in_token": token, "next": next, "title": "Sign in", "main_class": "sign-in"]
        if let message { fields["message"] = message }
        return templates.page(
            "sign-in", fields, status: status,
            headers: [.setCookie: sessions.cookie(ConsoleSessions.signInCookie, token, maxAge: .seconds(600))]
        )
    }

    /// `POST /console/sign-in`: a key of `apiKeys` or `adminKeys`, with the sign-in form's token; an address with too
    /// many failures within the window is refused (429) before its key is looked at.
    private func signIn(_ request: Request, from address: String) async throws -> Response {
        if let wait = signInThrottle.retryAfter(address) {
            let seconds = max(1, Int((wait + .milliseconds(999)).components.seconds))
            var response = signInPage(
                request, message: "Too many failed sign-ins from this address; try again in \(seconds) s.",
                status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        let form = try ConsoleForm.decode(ConsoleForm.SignIn.self, from: try await ConsoleForm.body(request))
        guard let cookie = request.cookies[ConsoleSessions.signInCookie]?.value, let token = form.token,
            Verification.constantTimeEquals(secret: cookie, token)
        else {
            return signInPage(request, message: "The sign-in form expired; try again.", status: .forbidden)
        }
        let key = form.key ?? ""
        var role: ConsoleSession.Role?
        for candidate in adminKeys where Verification.constantTimeEquals(secret: candidate, key) { role = .admin }
        if role == nil {
            for candidate in apiKeys where Verification.constantTimeEquals(secret: candidate, key) { role = .read }
        }
        guard let role, !key.isEmpty else {
            signInThrottle.recordFailure(address)
            return signInPage(
                request, message: "That key is not a read or an admin key of this gateway.", status: .unauthorized)
        }
        let id = sessions.start(role)
        let next =
            form.next.flatMap { $0.hasPrefix("/console") && !$0.hasPrefix("/console//") ? $0 : nil } ?? "/console"
        var headers: HTTPFields = [.location: next]
        headers.append(
            HTTPField(name: .setCookie, value: sessions.cookie(ConsoleSessions.cookie, id, maxAge: sessions.lifetime)))
        headers.append(
            HTTPField(name: .setCookie, value: sessions.cookie(ConsoleSessions.signInCookie, "", maxAge: .zero)))
        return Response(status: .seeOther, headers: headers)
    }

    /// `POST /console/sign-out`, with the session's CSRF token.
    private func signOut(_ request: Request) async throws -> Response {
        let form = try ConsoleForm.decode(ConsoleForm.Guarded.self, from: try await ConsoleForm.body(request))
        guard let session = sessions.session(for: request), ConsoleSessions.checkCSRF(form.csrf, for: session) else {
            throw GatewayError(
                .forbidden, "csrf_failed", "the form's token is missing or stale; reload the page and try again")
        }
        sessions.end(for: request)
        return Response(
            status: .seeOther,
            headers: [
                .location: "/console/sign-in", .setCookie: sessions.cookie(ConsoleSessions.cookie, "", maxAge: .zero),
            ]
        )
    }
}
