import EventLog
import Foundation
import Hummingbird
import Logging
import NIOCore
import Projections
import Outbound
import AsyncHTTPClient
import WebhookAuth

/// Opens the log under `configuration.dataDirectory`, reporting to `metrics`.
package func openLog(_ configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger) throws -> LMDBEventLog {
    try LMDBEventLog(
        directory: (configuration.dataDirectory as NSString).appendingPathComponent("log"), logger: logger, metrics: metrics.factory
    )
}

/// Opens the projections' views environment under `configuration.dataDirectory`.
package func openViews(_ configuration: GatewayConfiguration, logger: Logger) throws -> ProjectionStore {
    try ProjectionStore(directory: (configuration.dataDirectory as NSString).appendingPathComponent("views"), logger: logger)
}

/// Builds the gateway application around an open log and views store, which it closes when it shuts down.
///
/// `onServerRunning` receives the bound port (useful with port 0).
package func buildApplication<Log: EventStore>(
    _ configuration: GatewayConfiguration, log: Log, views: ProjectionStore, metrics: GatewayMetrics, logger: Logger,
    projections: [any Projection] = BuiltInProjections.all, clock: @escaping @Sendable () -> Timestamp = { .now() },
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let runner = ProjectionRunner(log: log, store: views, projections: projections, logger: logger)
    let components = ComponentHealth()
    let actions = configuration.actions
    let dispatcher = Dispatcher(
        log: log, views: views,
        connectors: [
            LarkConnector(actions), TeamsConnector(url: actions.teamsURL), StripeConnector(apiBase: actions.stripeAPIBase, apiKey: actions.stripeAPIKey),
            EnrichmentConnector(lookupURL: actions.enrichmentLookupURL, fetchURL: actions.enrichmentFetchURL, token: actions.enrichmentToken),
            C2SConnector(baseURL: actions.c2sBaseURL, messagePath: actions.c2sMessagePath, token: actions.c2sToken),
        ], configuration: actions,
        client: .shared, health: components, metrics: metrics, logger: logger
    )
    let router = buildRouter(
        configuration, log: log, views: views, runner: runner, metrics: metrics, components: components,
        gates: actions.enabled ? dispatcher.gates : nil, logger: logger
    )
    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [HTTPParseErrorResponder()])),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "switchyard"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("gateway listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
            await onServerRunning(port)
        },
        logger: logger
    )
    let evaluator = AlertEvaluator(
        log: log, views: views, configuration: actions.alerts, clock: clock, logger: logger, evaluations: metrics.alertEvaluations
    )
    // Shut down in reverse: the server, the alert evaluator, the dispatcher, the reactors, the projection runner,
    // then storage.
    app.addServices(StorageService(log: log, views: views), runner)
    if actions.enabled {
        app.addServices(
            ReactorService(log: log, reactors: reactors(actions, views: views, health: components), health: components, logger: logger), dispatcher, evaluator
        )
    }
    return app
}

/// The reactors the configuration turns on.
func reactors(_ actions: ActionsConfiguration, views: ProjectionStore, health: ComponentHealth? = nil) -> [any Reactor] {
    var reactors = [any Reactor]()
    let closed = actions.leadClosedChannel.map { (channel: $0, target: actions.leadClosedTarget ?? "manager") }
    if actions.enrichmentLookupURL != nil || closed != nil {
        reactors.append(LeadEnrichmentReactor(views: views, closedNotice: closed, health: health))
    }
    if let team = actions.intercomTeamId, !actions.larkBots.isEmpty {
        reactors.append(IntercomLarkReactor(teamId: team, bots: actions.larkBots.map(\.name)))
    }
    if actions.teamsURL != nil { reactors.append(StripeTeamsReactor()) }
    reactors.append(StripeRefundReactor())
    if let channel = actions.alerts.channel {
        reactors.append(AlertReactor(channel: channel, target: actions.alerts.target ?? "alerts"))
    }
    return reactors
}

/// The gateway's routes and middleware.
func buildRouter<Log: EventStore>(
    _ configuration: GatewayConfiguration, log: Log, views: ProjectionStore, runner: ProjectionRunner<Log>,
    metrics: GatewayMetrics, components: ComponentHealth, gates: TargetGates? = nil, logger: Logger
) -> Router<GatewayContext> {
    let router = Router(context: GatewayContext.self)
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    router.add(middleware: ResponseHeadersMiddleware())
    if !configuration.corsOrigins.isEmpty { router.add(middleware: CORSOriginsMiddleware(origins: Set(configuration.corsOrigins))) }
    router.add(middleware: ErrorMiddleware())
    let sessions = ConsoleSessions(lifetime: .seconds(configuration.console.sessionMinutes * 60), secureCookies: configuration.console.secureCookies)
    IngestController(log: log, configuration: configuration, metrics: metrics).addRoutes(to: router)
    OperationsController(
        log: log, metrics: metrics, components: components, dataDirectory: configuration.dataDirectory,
        runner: runner, views: views
    )
    .addRoutes(to: router)
    let api = router.group("api").add(
        middleware: APIKeyMiddleware(keys: configuration.apiKeys, sessions: configuration.console.enabled ? sessions : nil))
    let read = ReadController(log: log, store: views, runner: runner, metrics: metrics)
    read.addRoutes(to: api)
    let adminGroup = router.group("api").add(
        middleware: APIKeyMiddleware(keys: configuration.adminKeys, setting: "SWITCHYARD_ADMIN_KEYS", allow: configuration.adminAllow))
    let admin = AdminController(log: log, read: read)
    admin.addRoutes(to: adminGroup)
    if configuration.console.enabled {
        do {
            ConsoleController(
                log: log, read: read, admin: admin, runner: runner, sessions: sessions, templates: try ConsoleTemplates.load(),
                components: components, gates: gates, signatures: SignatureCheck(secrets: configuration.secrets),
                apiKeys: configuration.apiKeys, adminKeys: configuration.adminKeys, adminAllow: configuration.adminAllow, logger: logger
            ).addRoutes(to: router)
        } catch {
            logger.error("the console is off: its templates could not be loaded", metadata: ["error": "\(error)"])
        }
    }
    return router
}
