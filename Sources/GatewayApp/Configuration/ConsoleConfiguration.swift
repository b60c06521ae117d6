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

    package init() {}

    private enum CodingKeys: String, CodingKey { case enabled, sessionMinutes, secureCookies }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        sessionMinutes = try container.decodeIfPresent(Int.self, forKey: .sessionMinutes) ?? sessionMinutes
        secureCookies = try container.decodeIfPresent(Bool.self, forKey: .secureCookies) ?? secureCookies
    }
}
