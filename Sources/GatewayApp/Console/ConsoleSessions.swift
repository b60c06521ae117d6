import Foundation
import Hummingbird
import Synchronization
import WebhookAuth

/// A signed-in console user: what their key allows, until when, and the token every form of theirs must carry.
struct ConsoleSession: Sendable {
    enum Role: String, Sendable {
        /// A key of `apiKeys`: every page, no state-changing form.
        case read
        /// A key of `adminKeys`: also refunds and retries (from an address the admin allowlist admits).
        case admin
    }

    let role: Role
    /// The anti-forgery token of this session's forms, compared in constant time.
    let csrfToken: String
    let expires: ContinuousClock.Instant
}

/// The console's sessions, in memory: a restart signs everyone out. Session ids and CSRF tokens are 256 random
/// bits; expired sessions are dropped as new ones are made, and at most ``capacity`` live at once (the oldest goes).
final class ConsoleSessions: Sendable {
    /// The session cookie's name.
    static let cookie = "switchyard_session"
    /// The cookie that carries a sign-in form's token before any session exists.
    static let signInCookie = "switchyard_sign_in"

    private let sessions = Mutex<[String: ConsoleSession]>([:])
    let lifetime: Duration
    let secureCookies: Bool
    let capacity: Int

    init(lifetime: Duration, secureCookies: Bool, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.secureCookies = secureCookies
        self.capacity = capacity
    }

    /// A new random token: 32 bytes from the system's generator, as hex.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).zeroPadded(16) }.joined()
    }

    /// Starts a session; returns its id.
    func start(_ role: ConsoleSession.Role) -> String {
        let id = Self.token()
        let now = ContinuousClock.now
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })?.key {
                sessions[oldest] = nil
            }
            sessions[id] = ConsoleSession(role: role, csrfToken: Self.token(), expires: now + lifetime)
        }
        return id
    }

    /// The live session named by the request's cookie, if any.
    func session(for request: Request) -> ConsoleSession? {
        guard let id = request.cookies[Self.cookie]?.value, id.utf8.count == 64 else { return nil }
        let now = ContinuousClock.now
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session named by the request's cookie.
    func end(for request: Request) {
        guard let id = request.cookies[Self.cookie]?.value else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// The `Set-Cookie` value for `name` = `value`, `HttpOnly` and `SameSite=Strict`, `Secure` when configured;
    /// `maxAge` 0 removes it.
    func cookie(_ name: String, _ value: String, maxAge: Duration) -> String {
        Cookie(
            name: name, value: value, maxAge: Int(maxAge.components.seconds), path: "/", secure: secureCookies,
            httpOnly: true, sameSite: .strict
        ).description
    }

    /// Whether `presented` is `session`'s CSRF token.
    static func checkCSRF(_ presented: String?, for session: ConsoleSession) -> Bool {
        guard let presented else { return false }
        return Verification.constantTimeEquals(secret: session.csrfToken, presented)
    }
}

extension String {
    fileprivate func zeroPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
