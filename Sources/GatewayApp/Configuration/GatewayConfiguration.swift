import Projections
import WebhookAuth
import Outbound

/// Everything the gateway reads at start-up. Each key can come from the config file (the name in brackets),
/// be overridden by an environment variable, and (host, port, data directory) by the command line.
package struct GatewayConfiguration: Sendable, Equatable {
    /// Address to listen on [`host`, `SWITCHYARD_HOST`]. Default `127.0.0.1`.
    package var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free one [`port`, `SWITCHYARD_PORT`]. Default 8080.
    package var port = 8080
    /// Directory holding `log/` and `views/` [`dataDir`, `SWITCHYARD_DATA_DIR`]. Default `./data`.
    package var dataDirectory = "./data"
    /// Largest accepted request body in bytes [`maxBodyBytes`, `SWITCHYARD_MAX_BODY_BYTES`]. Default 1 MiB.
    var maxBodyBytes = 1 << 20
    /// The webhook secrets: `stripe.secrets`, `intercom.secrets`, `c2s.tokens`, `inbound.<name>.secrets` and their
    /// variables (see ``WebhookSecrets``). Default none, so every source fails closed.
    var secrets = WebhookSecrets()
    /// Stripe endpoint secrets, `whsec_…`.
    var stripeSecrets: [String] {
        get { secrets.stripe }
        set { secrets.stripe = newValue }
    }
    /// How far a Stripe signature time may be from now, in seconds [`stripe.toleranceSeconds`,
    /// `SWITCHYARD_STRIPE_TOLERANCE_SECONDS`]. Default 300.
    var stripeToleranceSeconds: Int64 = 300
    /// Intercom app client secrets.
    var intercomSecrets: [String] {
        get { secrets.intercom }
        set { secrets.intercom = newValue }
    }
    /// Contact2Sale `X-Webhook-Token` values.
    var c2sTokens: [String] {
        get { secrets.c2sTokens }
        set { secrets.c2sTokens = newValue }
    }
    /// Standard Webhooks endpoints by name, each with its secrets.
    var inbound: [String: [String]] {
        get { secrets.inbound }
        set { secrets.inbound = newValue }
    }
    /// How far a Standard Webhooks timestamp may be from now, in seconds [`inboundToleranceSeconds`,
    /// `SWITCHYARD_INBOUND_TOLERANCE_SECONDS`]. Default 300.
    var inboundToleranceSeconds: Int64 = 300
    /// How long a source's old secret stays valid after a rotation through the admin API, in seconds
    /// [`sourceRotationOverlapSeconds`, `SWITCHYARD_SOURCE_ROTATION_OVERLAP_SECONDS`]. Default 86400 (24 hours).
    var sourceRotationOverlapSeconds: Int64 = 86_400
    /// Bearer keys of the read API [`apiKeys`, `SWITCHYARD_API_KEYS`]. Default none.
    var apiKeys: [String] = []
    /// Bearer keys of the admin API [`adminKeys`, `SWITCHYARD_ADMIN_KEYS`]. Default none, so the admin API refuses everyone.
    var adminKeys: [String] = []
    /// Addresses the admin API answers, when not empty [`adminAllow`, `SWITCHYARD_ADMIN_ALLOW`]. Default any.
    var adminAllow: [String] = []
    /// Origins whose pages may call the read API from a browser (CORS), such as `https://ops.example.com`; preflights
    /// from others are not answered [`corsOrigins`, `SWITCHYARD_CORS_ORIGINS`]. Default none.
    var corsOrigins: [String] = []
    /// Where the event log lives [`log`; see ``LogConfiguration``].
    package var log = LogConfiguration()
    /// The console at `/console` [`console`; see ``ConsoleConfiguration``].
    var console = ConsoleConfiguration()
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client, as addresses or CIDR ranges; for
    /// requests from anyone else those headers are ignored [`trustedProxies`, `SWITCHYARD_TRUSTED_PROXIES`].
    /// Default none: every request's address is its peer's.
    var trustedProxies = AddressRanges()
    /// Requests per second allowed from one remote address to the webhook routes; 0 turns the limit off
    /// [`rateLimit.perSecond`, `SWITCHYARD_RATE_LIMIT_PER_SECOND`]. Default 500.
    var rateLimitPerSecond = 500
    /// The same limit as requests per minute, for senders tuned that way; when set, it replaces `perSecond`
    /// [`rateLimit.perMinute`, `SWITCHYARD_RATE_LIMIT_PER_MINUTE`]. Default none.
    var rateLimitPerMinute: Int? = nil
    /// Burst size of that limit [`rateLimit.burst`, `SWITCHYARD_RATE_LIMIT_BURST`]. Default 1000.
    var rateLimitBurst = 1000
    /// Whether clients reach the gateway over TLS (behind a proxy that ends it): answers then carry
    /// `Strict-Transport-Security` [`servedOverTLS`, `SWITCHYARD_SERVED_OVER_TLS`]. Default false.
    var servedOverTLS = false
    /// The request headers a CORS preflight from `corsOrigins` may name [`corsAllowHeaders`,
    /// `SWITCHYARD_CORS_ALLOW_HEADERS`]. Default `Authorization, X-Dash-Key, Content-Type, Idempotency-Key, If-Match`.
    var corsAllowHeaders = ["Authorization", "X-Dash-Key", "Content-Type", "Idempotency-Key", "If-Match"]
    /// Rejections per remote address per minute that are recorded in the log as `webhook.rejected`; beyond
    /// it they are only counted [`rejectionsPerAddressPerMinute`, `SWITCHYARD_REJECTIONS_PER_MINUTE`]. Default 30.
    var rejectionsPerAddressPerMinute = 30
    /// Log level: trace, debug, info, notice, warning, error, critical [`logLevel`, `SWITCHYARD_LOG_LEVEL`]. Default info.
    package var logLevel = "info"

    /// Outbound actions: connectors, delivery modes, retries [`actions`; see ``ActionsConfiguration``].
    var actions = ActionsConfiguration()

    /// The defaults.
    init() {}
}
