/// The console's settings [`console`].
package struct ConsoleConfiguration: Sendable, Equatable, Decodable {
    /// Whether the gateway serves the console at `/console` [`console.enabled`, `SWITCHYARD_CONSOLE_ENABLED`].
    /// Default true.
    var enabled = true
    /// How long a console session lasts from sign-in, in minutes [`console.sessionMinutes`,
    /// `SWITCHYARD_CONSOLE_SESSION_MINUTES`]. Default 480 (8 hours).
    var sessionMinutes = 480
    /// Whether session cookies are marked `Secure`, for a gateway behind TLS [`console.secureCookies`,
    /// `SWITCHYARD_CONSOLE_SECURE_COOKIES`]. Default false (plain HTTP on loopback).
    var secureCookies = false
    /// How many failed sign-ins one client address may make within ``signInWindowSeconds`` before it is refused
    /// (429 with `Retry-After`) [`console.signInAttempts`, `SWITCHYARD_CONSOLE_SIGN_IN_ATTEMPTS`]. Default 10.
    var signInAttempts = 10
    /// The window of ``signInAttempts``, in seconds [`console.signInWindowSeconds`,
    /// `SWITCHYARD_CONSOLE_SIGN_IN_WINDOW_SECONDS`]. Default 300.
    var signInWindowSeconds = 300

    package init() {}

    private enum CodingKeys: String, CodingKey {
        case enabled, sessionMinutes, secureCookies, signInAttempts, signInWindowSeconds
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        sessionMinutes = try container.decodeIfPresent(Int.self, forKey: .sessionMinutes) ?? sessionMinutes
        secureCookies = try container.decodeIfPresent(Bool.self, forKey: .secureCookies) ?? secureCookies
        signInAttempts = try container.decodeIfPresent(Int.self, forKey: .signInAttempts) ?? signInAttempts
        signInWindowSeconds =
            try container.decodeIfPresent(Int.self, forKey: .signInWindowSeconds) ?? signInWindowSeconds
    }
}
