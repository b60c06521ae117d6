import EventLog
/// Outbound actions: the connectors' targets, their delivery modes and the retry schedule [`actions` in the
/// config file]. Every connector is in `sandbox` mode unless set `live`, so nothing calls out by default.
package struct ActionsConfiguration: Sendable, Equatable, Decodable {
    /// A connector's delivery mode.
    package enum Mode: String, Sendable, Decodable {
        /// Call the target.
        case live
        /// Record the action as delivered, with `sandbox: true`, without calling out.
        case sandbox
    }

    /// One Lark custom bot.
    package struct LarkBot: Sendable, Equatable, Decodable {
        /// The name actions use as their target.
        package var name: String
        /// The bot's webhook URL.
        var url: String
        /// The bot's signing secret, when it has one; never logged or stored.
        var secret: String?
    }

    /// Whether this gateway decides and delivers actions at all: the reactors, the dispatcher and the alert
    /// evaluator [`actions.enabled`, `SWITCHYARD_ACTIONS_ENABLED`]. Default `true`. Off, it only takes webhooks
    /// and serves the projections (a second gateway on the same data, say); the actions wait in the log.
    package var enabled = true
    /// The mode of connectors without one of their own [`actions.mode`, `SWITCHYARD_ACTIONS_MODE`]. Default `sandbox`.
    package var mode: Mode = .sandbox
    /// Seconds before each try: the first is the delay of the first try, and after the last try the action is
    /// dead [`actions.retrySchedule`]. Default 0, 5, 30, 120, 600, 3600, 21600.
    var retrySchedule: [Int] = [0, 5, 30, 120, 600, 3600, 21600]
    /// How long one call may take, in seconds [`actions.timeoutSeconds`]. Default 10.
    var timeoutSeconds: Int = 10
    /// Failures in a row after which a target's circuit opens [`actions.breakerFailures`]. Default 5.
    var breakerFailures: Int = 5
    /// How long an open circuit stays open, in seconds [`actions.breakerSeconds`]. Default 30.
    var breakerSeconds: Int = 30

    /// Lark bots that receive Intercom conversation cards [`actions.lark.bots`]. Default none.
    package var larkBots: [LarkBot] = []
    /// Lark's mode [`actions.lark.mode`]. Default: `mode`.
    var larkMode: Mode?
    /// The Intercom team whose conversations go to Lark [`actions.lark.intercomTeamId`]. Default none (no cards).
    package var intercomTeamId: String?
    /// The link to a conversation, with `{id}` [`actions.lark.conversationURL`]. Default Intercom's inbox.
    var conversationURL = "https://app.intercom.com/a/inbox/_/inbox/conversation/{id}"

    /// The Teams incoming webhook for Stripe alerts [`actions.teams.url`]. Default none (no cards).
    package var teamsURL: String?
    /// Teams' mode [`actions.teams.mode`]. Default: `mode`.
    var teamsMode: Mode?
    /// Calls per second to Teams [`actions.teams.perSecond`]. Default 4.
    var teamsPerSecond = 4

    /// Stripe's API, for refunds [`actions.stripe.apiBase`]. Default `https://api.stripe.com`.
    package var stripeAPIBase = "https://api.stripe.com"
    /// Stripe's secret API key [`actions.stripe.apiKey`, `SWITCHYARD_STRIPE_API_KEY`]; never logged or stored. Default none.
    package var stripeAPIKey: String?
    /// Stripe's mode [`actions.stripe.mode`]. Default: `mode`.
    var stripeMode: Mode?

    /// The enrichment look-up provider [`actions.enrichment.lookupURL`]. Default none.
    package var enrichmentLookupURL: String?
    /// The enrichment fetch provider, with `{id}` [`actions.enrichment.fetchURL`]. Default none.
    package var enrichmentFetchURL: String?
    /// A bearer token for both providers [`actions.enrichment.token`, `SWITCHYARD_ENRICHMENT_TOKEN`]; never stored. Default none.
    package var enrichmentToken: String?
    /// The enrichment providers' mode [`actions.enrichment.mode`]. Default: `mode`.
    var enrichmentMode: Mode?
    /// Contact2Sale's API base URL [`actions.c2s.baseURL`]. Default none.
    package var c2sBaseURL: String?
    /// The path of a lead's messages, with `{lead_id}` [`actions.c2s.messagePath`]. Default `/leads/{lead_id}/messages`.
    package var c2sMessagePath = "/leads/{lead_id}/messages"
    /// Contact2Sale's API token [`actions.c2s.token`, `SWITCHYARD_C2S_API_TOKEN`]; never stored. Default none.
    package var c2sToken: String?
    /// Contact2Sale's mode [`actions.c2s.mode`]. Default: `mode`.
    var c2sMode: Mode?
    /// Where a closed lead is announced: `lark` (with `target`, a bot's name) or `teams` [`actions.leadClosed`].
    /// Default nowhere.
    package var leadClosedChannel: String?
    package var leadClosedTarget: String?

    /// The alert rules and where alerts go [`actions.alerts`; see ``AlertsConfiguration``].
    package var alerts = AlertsConfiguration()

    /// The defaults.
    package init() {}

    private enum Keys: String, CodingKey {
        case enabled, mode, retrySchedule, timeoutSeconds, breakerFailures, breakerSeconds, lark, teams, stripe,
            enrichment, c2s, leadClosed, alerts
    }
    private struct Enrichment: Decodable {
        var lookupURL: String?
        var fetchURL: String?
        var token: String?
        var mode: Mode?
    }
    private struct C2S: Decodable {
        var baseURL: String?
        var messagePath: String?
        var token: String?
        var mode: Mode?
    }
    private struct LeadClosed: Decodable {
        var channel: String
        var target: String?
    }
    private struct Stripe: Decodable {
        var apiBase: String?
        var apiKey: String?
        var mode: Mode?
    }
    private struct Lark: Decodable {
        var bots: [LarkBot]?
        var mode: Mode?
        var intercomTeamId: String?
        var conversationURL: String?
    }
    private struct Teams: Decodable {
        var url: String?
        var mode: Mode?
        var perSecond: Int?
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.init()
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? mode
        retrySchedule = try container.decodeIfPresent([Int].self, forKey: .retrySchedule) ?? retrySchedule
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? timeoutSeconds
        breakerFailures = try container.decodeIfPresent(Int.self, forKey: .breakerFailures) ?? breakerFailures
        breakerSeconds = try container.decodeIfPresent(Int.self, forKey: .breakerSeconds) ?? breakerSeconds
        if let lark = try container.decodeIfPresent(Lark.self, forKey: .lark) {
            larkBots = lark.bots ?? larkBots
            larkMode = lark.mode
            intercomTeamId = lark.intercomTeamId
            conversationURL = lark.conversationURL ?? conversationURL
        }
        if let stripe = try container.decodeIfPresent(Stripe.self, forKey: .stripe) {
            stripeAPIBase = stripe.apiBase ?? stripeAPIBase
            stripeAPIKey = stripe.apiKey
            stripeMode = stripe.mode
        }
        if let enrichment = try container.decodeIfPresent(Enrichment.self, forKey: .enrichment) {
            enrichmentLookupURL = enrichment.lookupURL
            enrichmentFetchURL = enrichment.fetchURL
            enrichmentToken = enrichment.token
            enrichmentMode = enrichment.mode
        }
        if let c2s = try container.decodeIfPresent(C2S.self, forKey: .c2s) {
            c2sBaseURL = c2s.baseURL
            c2sMessagePath = c2s.messagePath ?? c2sMessagePath
            c2sToken = c2s.token
            c2sMode = c2s.mode
        }
        alerts = try container.decodeIfPresent(AlertsConfiguration.self, forKey: .alerts) ?? alerts
        if let closed = try container.decodeIfPresent(LeadClosed.self, forKey: .leadClosed) {
            leadClosedChannel = closed.channel
            leadClosedTarget = closed.target
        }
        if let teams = try container.decodeIfPresent(Teams.self, forKey: .teams) {
            teamsURL = teams.url
            teamsMode = teams.mode
            teamsPerSecond = teams.perSecond ?? teamsPerSecond
        }
    }

    /// The mode of `channel`.
    func mode(of channel: String) -> Mode {
        switch channel {
        case "lark": larkMode ?? mode
        case "teams": teamsMode ?? mode
        case "stripe": stripeMode ?? mode
        case "enrichment": enrichmentMode ?? mode
        case "c2s": c2sMode ?? mode
        default: mode
        }
    }

    /// Checks what the decoder cannot.
    package func validate() throws {
        guard !retrySchedule.isEmpty, retrySchedule.allSatisfy({ $0 >= 0 }) else {
            throw ConfigurationError(
                setting: "actions.retrySchedule", message: "expected one or more delays of 0 or more seconds")
        }
        guard timeoutSeconds > 0, breakerFailures > 0, breakerSeconds >= 0, teamsPerSecond > 0 else {
            throw ConfigurationError(
                setting: "actions", message: "timeoutSeconds, breakerFailures and teams.perSecond must be positive")
        }
        if let channel = leadClosedChannel, channel != "lark", channel != "teams" {
            throw ConfigurationError(setting: "actions.leadClosed.channel", message: "expected lark or teams")
        }
        if let channel = alerts.channel, channel != "lark", channel != "teams" {
            throw ConfigurationError(setting: "actions.alerts.channel", message: "expected lark or teams")
        }
        guard alerts.intervalSeconds > 0, alerts.rejectionMinutes > 0, (0...100).contains(alerts.revenueDropPercent)
        else {
            throw ConfigurationError(
                setting: "actions.alerts",
                message: "intervalSeconds and rejectionMinutes must be positive, revenueDropPercent 0 to 100")
        }
        for bot in larkBots where !bot.url.hasPrefix("http://") && !bot.url.hasPrefix("https://") {
            throw ConfigurationError(setting: "actions.lark.bots", message: "bot \(bot.name) needs an http(s) url")
        }
    }
}
