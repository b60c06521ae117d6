import AsyncHTTPClient
import EventLog
import Foundation
@testable import GatewayApp
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Outbound
import Testing
import TestSupport

/// The console's access rules in process (sign-in, sessions, CSRF, roles, headers), the read API's other ways in
/// (`X-Dash-Key`, the session cookie for reads, CORS), and `/api/stream` over real HTTP. The pages themselves are
/// driven in headless Chromium by Tests/Console/console_test.py.
@Suite("Console access")
struct ConsoleAccessTests {
    func withApplication(
        configure: @escaping @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestGateway.inProcess(configure: configure) { client, _ in try await body(client) }
    }

    /// The value of cookie `name` among a response's `Set-Cookie` fields, with its attributes.
    static func cookie(_ name: String, in headers: HTTPFields) -> (value: String, attributes: String)? {
        for field in headers[values: .setCookie] where field.hasPrefix(name + "=") {
            let value = field.dropFirst(name.count + 1).prefix { $0 != ";" }
            return (String(value), String(field))
        }
        return nil
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        return ByteBuffer(string: components.percentEncodedQuery ?? "")
    }

    /// Signs in with `key` through the sign-in form; returns the session cookie and the page's CSRF token.
    static func signIn(_ client: any TestClientProtocol, key: String) async throws -> (cookie: String, csrf: String) {
        let (token, signInCookie) = try await client.execute(uri: "/console/sign-in", method: .get) { response in
            let html = String(buffer: response.body)
            let token = try #require(html.firstMatch(of: /name="sign_in_token" value="([0-9a-f]{64})"/)?.1)
            return (String(token), try #require(Self.cookie(ConsoleSessions.signInCookie, in: response.headers)?.value))
        }
        let session = try await client.execute(
            uri: "/console/sign-in", method: .post,
            headers: [
                .contentType: "application/x-www-form-urlencoded",
                .cookie: "\(ConsoleSessions.signInCookie)=\(signInCookie)",
            ],
            body: Self.form(["sign_in_token": token, "key": key, "next": "/console/payments"])
        ) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/console/payments")
            let cookie = try #require(Self.cookie(ConsoleSessions.cookie, in: response.headers))
            #expect(cookie.attributes.contains("HttpOnly") && cookie.attributes.contains("SameSite=Strict"))
            #expect(!cookie.attributes.contains("Secure"), "not Secure unless configured")
            return cookie.value
        }
        let csrf = try await client.execute(
            uri: "/console", method: .get, headers: [.cookie: "\(ConsoleSessions.cookie)=\(session)"]
        ) { response in
            #expect(response.status == .ok)
            let policy = try #require(response.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            return String(
                try #require(String(buffer: response.body).firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1))
        }
        return (session, csrf)
    }

    @Test(
        "pages need a session; sign-in needs the form's token and a read or admin key; the cookie is HttpOnly and SameSite=Strict"
    )
    func signIn() async throws {
        try await withApplication { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console")
            }
            try await client.execute(uri: "/console/events", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/console/sign-in?next=%2Fconsole%2Fevents")
            }
            // No sign-in cookie (a cross-site form), then a wrong key.
            try await client.execute(
                uri: "/console/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: Self.form(["sign_in_token": String(repeating: "a", count: 64), "key": "test-admin-key"])
            ) { response in
                #expect(response.status == .forbidden)
                #expect(Self.cookie(ConsoleSessions.cookie, in: response.headers) == nil)
            }
            let cookie = try await client.execute(uri: "/console/sign-in", method: .get) { response in
                try #require(Self.cookie(ConsoleSessions.signInCookie, in: response.headers)?.value)
            }
            try await client.execute(
                uri: "/console/sign-in", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    .cookie: "\(ConsoleSessions.signInCookie)=\(cookie)",
                ],
                body: Self.form(["sign_in_token": cookie, "key": "not-a-key"])
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.cookie(ConsoleSessions.cookie, in: response.headers) == nil)
            }
            let (session, csrf) = try await Self.signIn(client, key: "test-api-key")
            // Signing out needs the token; after it the cookie opens nothing.
            let sessionHeader: HTTPFields = [
                .cookie: "\(ConsoleSessions.cookie)=\(session)", .contentType: "application/x-www-form-urlencoded",
            ]
            try await client.execute(
                uri: "/console/sign-out", method: .post, headers: sessionHeader, body: Self.form([:])
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/console/sign-out", method: .post, headers: sessionHeader, body: Self.form(["csrf": csrf])
            ) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/console", method: .get, headers: sessionHeader) { response in
                #expect(response.status == .found)
            }
        }
    }

    @Test(
        "state-changing forms need the session's CSRF token, and refunds and retries an admin key from an allowed address"
    )
    func forms() async throws {
        try await withApplication(configure: { $0.adminAllow = ["203.0.113.9"] }) { client in
            let reader = try await Self.signIn(client, key: "test-api-key")
            let admin = try await Self.signIn(client, key: "test-admin-key")
            func post(
                _ uri: String, _ session: String, _ fields: [String: String]
            ) async throws -> (HTTPResponse.Status, String?) {
                try await client.execute(
                    uri: uri, method: .post,
                    headers: [
                        .cookie: "\(ConsoleSessions.cookie)=\(session)",
                        .contentType: "application/x-www-form-urlencoded",
                    ],
                    body: Self.form(fields)
                ) { response in
                    // A refused form is the console's error page, never raw JSON.
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    let code = String(buffer: response.body).firstMatch(of: /<h1>\d{3}: ([a-z_]+)<\/h1>/).map {
                        String($0.1)
                    }
                    return (response.status, code)
                }
            }
            #expect(
                try await post("/console/payments/pi_1/refund", admin.cookie, ["amount": "1"]) == (
                    .forbidden, "csrf_failed"
                ))
            #expect(
                try await post("/console/payments/pi_1/refund", admin.cookie, ["csrf": reader.csrf, "amount": "1"]) == (
                    .forbidden, "csrf_failed"
                ))
            #expect(
                try await post("/console/payments/pi_1/refund", reader.cookie, ["csrf": reader.csrf, "amount": "1"])
                    == (.forbidden, "forbidden"))
            // The admin key, but from an address the allowlist does not admit (the router test client's peer).
            #expect(
                try await post("/console/actions/a-1-0/retry", admin.cookie, ["csrf": admin.csrf]) == (
                    .forbidden, "forbidden"
                ))
        }
    }

    @Test("the read API takes X-Dash-Key as it takes a bearer key, and a console session for reads only")
    func otherWaysIn() async throws {
        try await withApplication { client in
            let dashKey = HTTPField.Name("X-Dash-Key")!
            try await client.execute(uri: "/api/projections", method: .get, headers: [dashKey: "test-api-key"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/projections", method: .get, headers: [dashKey: "wrong"]) {
                #expect($0.status == .unauthorized)
            }
            // The outbox projection answers once its runner has made its slot (503 with Retry-After before).
            let answered = try await waitUntil {
                try await client.execute(uri: "/api/actions", method: .get, headers: [dashKey: "test-admin-key"]) {
                    $0.status == .ok
                }
            }
            #expect(answered, "waited for /api/actions to answer 200 to an admin key sent as X-Dash-Key")
            let session = try await Self.signIn(client, key: "test-admin-key")
            let cookie: HTTPFields = [
                .cookie: "\(ConsoleSessions.cookie)=\(session.cookie)", .contentType: "application/json",
            ]
            try await client.execute(uri: "/api/events", method: .get, headers: cookie) { #expect($0.status == .ok) }
            // A cookie never authorises a write, nor the admin API.
            try await client.execute(
                uri: "/api/payments/refund", method: .post, headers: cookie,
                body: ByteBuffer(string: #"{"payment_id":"pi_1"}"#)
            ) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/actions", method: .get, headers: cookie) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test("CORS: preflights and answers name the configured origins only")
    func cors() async throws {
        try await withApplication(configure: { $0.corsOrigins = ["https://ops.example.com"] }) { client in
            let origin = HTTPField.Name("Origin")!
            let method = HTTPField.Name("Access-Control-Request-Method")!
            let allow = HTTPField.Name("Access-Control-Allow-Origin")!
            try await client.execute(
                uri: "/api/projections", method: .options, headers: [origin: "https://ops.example.com", method: "GET"]
            ) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[allow] == "https://ops.example.com")
                #expect(
                    response.headers[HTTPField.Name("Access-Control-Allow-Headers")!]?.contains("X-Dash-Key") == true)
            }
            try await client.execute(
                uri: "/api/projections", method: .get,
                headers: [origin: "https://ops.example.com", .authorization: "Bearer test-api-key"]
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[allow] == "https://ops.example.com")
            }
            try await client.execute(
                uri: "/api/projections", method: .get, headers: [origin: "https://ops.example.com"]
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(
                    response.headers[allow] == "https://ops.example.com",
                    "errors carry the header too, so the page can read them")
            }
            try await client.execute(
                uri: "/api/projections", method: .options, headers: [origin: "https://evil.example", method: "GET"]
            ) { response in
                #expect(response.status != .noContent)
                #expect(response.headers[allow] == nil)
            }
        }
    }

    @Test("a bad console or CORS setting stops start-up with the setting named")
    func settings() throws {
        var configuration = GatewayConfiguration()
        configuration.corsOrigins = ["https://ops.example.com/path"]
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration.corsOrigins = []
        configuration.console.sessionMinutes = 0
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        var loaded = GatewayConfiguration()
        try loaded.apply(
            file: Data(
                #"{"corsOrigins":["http://127.0.0.1:3000"],"console":{"sessionMinutes":30,"secureCookies":true}}"#.utf8),
            path: "c.json")
        #expect(loaded.corsOrigins == ["http://127.0.0.1:3000"])
        #expect(loaded.console.sessionMinutes == 30 && loaded.console.secureCookies)
        try loaded.apply(environment: [
            "SWITCHYARD_CONSOLE_ENABLED": "false", "SWITCHYARD_CORS_ORIGINS": "https://a.example, https://b.example",
        ])
        #expect(!loaded.console.enabled)
        #expect(loaded.corsOrigins == ["https://a.example", "https://b.example"])
    }

    @Test("amounts typed in a currency's own decimals become minor units, with no floating point and no overflow")
    func amounts() {
        #expect(MoneyText.parse("12.34", currency: "brl") == 1234)
        #expect(MoneyText.parse("12.3", currency: "brl") == 1230)
        #expect(MoneyText.parse("12", currency: "brl") == 1200)
        #expect(MoneyText.parse("500", currency: "jpy") == 500)
        #expect(MoneyText.parse("5.5", currency: "jpy") == nil)
        #expect(MoneyText.parse("1.250", currency: "kwd") == 1250)
        #expect(MoneyText.parse("1.2345", currency: "brl") == nil)
        for bad in ["", "-1", "1e3", "1,00", "1.", ".5", "92233720368547758.08", "99999999999999999999"] {
            #expect(MoneyText.parse(bad, currency: "usd") == nil, "\(bad)")
        }
        #expect(MoneyText.parse("92233720368547758.07", currency: "usd") == .max)
    }

    @Test("charts escape what they are given and draw whole-number grid lines")
    func chart() {
        let svg = SVGBarChart(title: "<a & b>", labels: ["x\"y"], series: [.init(name: "s<", values: [3])]).svg
        #expect(svg.contains("&lt;a &amp; b&gt;") && svg.contains("x&quot;y") && svg.contains("s&lt;"))
        #expect(!svg.contains("<a &"))
        #expect(
            svg.contains(">4</text>") && svg.contains(">1</text>"), "3 rounds up to 4 for grid lines of 0, 1, 2, 3, 4")
    }

    @Test("/api/stream sends the head at once and again when a webhook lands, then the projections' checkpoints")
    func stream() async throws {
        try await TestGateway.run { gateway in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(gateway.port)/api/stream")
            request.headers.add(name: "Authorization", value: "Bearer test-api-key")
            let response = try await testHTTPClient.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            var text = ""
            var iterator = response.body.makeAsyncIterator()
            func read(until marker: String) async throws {
                let deadline = ContinuousClock.now + .seconds(20)
                while !text.contains(marker) {
                    guard ContinuousClock.now < deadline, let chunk = try await iterator.next() else {
                        Issue.record("the stream ended or stalled before \(marker); it sent: \(text)")
                        return
                    }
                    text += String(buffer: chunk)
                }
            }
            try await read(until: #"data: {"position":0,"#)
            #expect(text.hasPrefix("retry: 2000"))
            let body = try fixture("stripe/payment_intent.succeeded.json")
            let answer = try await gateway.post(
                "/webhooks/stripe", body: body,
                headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))])
            #expect(answer.status == 200)
            try await read(until: #"event: head"# + "\n" + #"data: {"position":1,"#)
            try await read(until: #""name":"payments","checkpoint":1,"lag":0"#)
        }
    }
}

@Suite("Console sign-in limits")
struct SignInLimitTests {
    @Test("after N failed sign-ins an address gets 429 with Retry-After, even with a right key; other addresses do not")
    func limited() async throws {
        try await TestGateway.inProcess(configure: { $0.console.signInAttempts = 3 }) { client, _ in
            func attempt(_ key: String) async throws -> (HTTPResponse.Status, String?) {
                let cookie = try await client.execute(uri: "/console/sign-in", method: .get) { response in
                    try #require(ConsoleAccessTests.cookie(ConsoleSessions.signInCookie, in: response.headers)?.value)
                }
                return try await client.execute(
                    uri: "/console/sign-in", method: .post,
                    headers: [
                        .contentType: "application/x-www-form-urlencoded",
                        .cookie: "\(ConsoleSessions.signInCookie)=\(cookie)",
                    ],
                    body: ConsoleAccessTests.form(["sign_in_token": cookie, "key": key])
                ) { ($0.status, $0.headers[.retryAfter]) }
            }
            for _ in 0..<3 { #expect(try await attempt("wrong").0 == .unauthorized) }
            let refused = try await attempt("wrong")
            #expect(refused.0 == .tooManyRequests)
            let seconds = try #require(refused.1.flatMap { Int($0) })
            #expect((1...300).contains(seconds))
            #expect(try await attempt("test-api-key").0 == .tooManyRequests, "the key is not looked at")
        }
    }

    @Test("the window: failures older than it no longer count; addresses count apart")
    func window() {
        let throttle = SignInThrottle(attempts: 2, window: .seconds(60))
        let start = ContinuousClock.now
        throttle.recordFailure("198.51.100.1", now: start)
        throttle.recordFailure("198.51.100.1", now: start + .seconds(10))
        #expect(throttle.retryAfter("198.51.100.1", now: start + .seconds(20)) == .seconds(40))
        #expect(throttle.retryAfter("198.51.100.2", now: start + .seconds(20)) == nil)
        #expect(throttle.retryAfter("198.51.100.1", now: start + .seconds(61)) == nil)
    }
}

@Suite("Console templates")
struct ConsoleTemplateLoadingTests {
    @Test("a template that does not parse, or a missing layout, stops loading with a message naming it")
    func brokenTemplates() async throws {
        try await withTemporaryDirectory("templates") { directory in
            let root = URL(fileURLWithPath: directory)
            let templates = root.appendingPathComponent("Templates")
            try FileManager.default.createDirectory(at: templates, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("Assets"), withIntermediateDirectories: true)
            try "{{#open}} never closed".write(
                to: templates.appendingPathComponent("events.mustache"), atomically: true, encoding: .utf8)
            #expect {
                _ = try ConsoleTemplates.load(from: root)
            } throws: { error in
                "\(error)".contains("events.mustache does not parse")
            }
            try "<p>fine</p>".write(
                to: templates.appendingPathComponent("events.mustache"), atomically: true, encoding: .utf8)
            #expect {
                _ = try ConsoleTemplates.load(from: root)
            } throws: { error in
                "\(error)".contains("layout.mustache is missing")
            }
        }
        _ = try ConsoleTemplates.load()
    }
}
