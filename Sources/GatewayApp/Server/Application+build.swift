import EventLog
import Foundation
import Hummingbird
import Logging
import NIOCore
import Projections
import Outbound
import AsyncHTTPClient
import JetStreamLog
import WebhookAuth

/// Opens the log under `configuration.dataDirectory`, reporting to `metrics`.
package func openLog(
    _ configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger
) throws -> LMDBEventLog {
    try LMDBEventLog(
        directory: (configuration.dataDirectory as NSString).appendingPathComponent("log"), logger: logger,
        metrics: metrics.factory
    )
}

/// Opens the JetStream log named by `configuration.log`, with this node's replica in `<dataDir>/log`, and catches
/// the replica up. Refuses a replica folder that holds a log of its own (an LMDB gateway's): that log is not in the
/// stream, and would be overwritten; `replay migrate` copies it into a stream.
package func openJetStreamLog(
    _ configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger
) async throws -> JetStreamEventStore {
    let directory = (configuration.dataDirectory as NSString).appendingPathComponent("log")
    if FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("data.mdb")) {
        let existing = try LMDBEventLog(directory: directory, logger: logger)
        let head = try existing.head().position
        let applied = try existing.checkpoint(named: JetStreamEventStore.appliedCheckpoint)
        await existing.close()
        guard head == 0 || applied != nil else {
            throw EventLogError(
                .inconsistent,
                "\(directory) holds an LMDB log of \(head) records that is not a replica of a stream; copy it into the stream with replay migrate, or use another data directory"
            )
        }
    }
    return try await JetStreamEventStore(
        configuration: configuration.log.jetStream, directory: directory, logger: logger, metrics: metrics.factory)
}

/// Opens the projections' views environment under `configuration.dataDirectory`.
package func openViews(_ configuration: GatewayConfiguration, logger: Logger) throws -> ProjectionStore {
    try ProjectionStore(
        directory: (configuration.dataDirectory as NSString).appendingPathComponent("views"), logger: logger)
}

/// Builds the gateway application around an open log and views store, which it closes when it shuts down.
///
/// `onServerRunning` receives the bound port (useful with port 0).
package func buildApplication<Log: EventStore>(
    _ configuration: GatewayConfiguration, log: Log, views: ProjectionStore, metrics: GatewayMetrics, logger: Logger,
    projections: [any Projection] = BuiltInProjections.all, clock: @escaping @Sendable () -> Timestamp = { .now() },
    cluster: JetStreamEventStore? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let runner = ProjectionRunner(log: log, store: views, projections: projections, logger: logger)
    let components = ComponentHealth()
    let actions = configuration.actions
    let makeDispatcher: @Sendable () -> Dispatcher<Log> = {
        Dispatcher(
            log: log, views: views,
            connectors: [
                LarkConnector(actions), TeamsConnector(url: actions.teamsURL),
                StripeConnector(apiBase: actions.stripeAPIBase, apiKey: actions.stripeAPIKey),
                EnrichmentConnector(
                    lookupURL: actions.enrichmentLookupURL, fetchURL: actions.enrichmentFetchURL,
                    token: actions.enrichmentToken),
                C2SConnector(baseURL: actions.c2sBaseURL, messagePath: actions.c2sMessagePath, token: actions.c2sToken),
            ], configuration: actions,
            client: .shared, health: components, metrics: metrics, logger: logger
        )
    }
    let makeEvaluator: @Sendable () -> AlertEvaluator<Log> = {
        AlertEvaluator(
            log: log, views: views, configuration: actions.alerts, clock: clock, logger: logger,
            evaluations: metrics.alertEvaluations)
    }
    let makeReactors: @Sendable () -> ReactorService<Log> = {
        ReactorService(
            log: log, reactors: reactors(actions, views: views, health: components), health: components, logger: logger)
    }
    // In a cluster, the reactors and the dispatcher run on the one node holding the lease, made anew each time it
    // takes it; the console then has no circuit breakers of its own to show.
    var lease: ClusterLease?
    if let cluster, actions.enabled {
        let node = configuration.log.nodeName ?? "\(ProcessInfo.processInfo.hostName)-\(configuration.port)"
        lease = ClusterLease(
            store: cluster, node: node, ttl: .seconds(configuration.log.leaseSeconds), logger: logger,
            metrics: metrics.factory
        ) {
            [makeReactors(), makeDispatcher(), makeEvaluator()]
        }
    }
    let dispatcher = lease == nil ? makeDispatcher() : nil
    let router = try buildRouter(
        configuration, log: log, views: views, runner: runner, metrics: metrics, components: components,
        gates: actions.enabled ? dispatcher?.gates : nil, cluster: cluster, lease: lease, logger: logger, clock: clock
    )
    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [HTTPParseErrorResponder()])),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "switchyard"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("gateway listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
            await onServerRunning(port)
        },
        logger: logger
    )
    // Shut down in reverse: the server, the alert evaluator, the dispatcher, the reactors (or the lease that runs
    // them), the replica's follower, the projection runner, then storage.
    app.addServices(StorageService(log: log, views: views), runner)
    if let cluster { app.addServices(JetStreamFollower(store: cluster, logger: logger)) }
    if let lease {
        app.addServices(lease)
    } else if actions.enabled, let dispatcher {
        app.addServices(makeReactors(), dispatcher, makeEvaluator())
    }
    return app
}

/// The reactors the configuration turns on.
func reactors(_ actions: ActionsConfiguration, views: ProjectionStore, health: ComponentHealth? = nil) -> [any Reactor]
{
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
    metrics: GatewayMetrics, components: ComponentHealth, gates: TargetGates? = nil,
    cluster: JetStreamEventStore? = nil,
    lease: ClusterLease? = nil, logger: Logger, clock: @escaping @Sendable () -> Timestamp = { .now() }
) throws -> Router<GatewayContext> {
    let router = Router(context: GatewayContext.self)
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    router.add(middleware: ResponseHeadersMiddleware(servedOverTLS: configuration.servedOverTLS))
    if !configuration.corsOrigins.isEmpty {
        router.add(
            middleware: CORSOriginsMiddleware(
                origins: Set(configuration.corsOrigins), allowedHeaders: configuration.corsAllowHeaders))
    }
    router.add(middleware: ErrorMiddleware())
    let catalog = SourceCatalog(
        views: views,
        secrets: SecretStore(directory: (configuration.dataDirectory as NSString).appendingPathComponent("secrets")),
        clock: clock)
    let ingest = IngestController(log: log, configuration: configuration, metrics: metrics, catalog: catalog)
    // A POST no route takes: a source defined through the admin API, if one serves its path.
    router.add(middleware: DefinedSourceMiddleware(ingest: ingest))
    ingest.addRoutes(to: router)
    let sessions = ConsoleSessions(
        lifetime: .seconds(configuration.console.sessionMinutes * 60),
        secureCookies: configuration.console.secureCookies)
    OperationsController(
        log: log, metrics: metrics, components: components, dataDirectory: configuration.dataDirectory,
        runner: runner, views: views, openAPI: try OpenAPIDocument.load(), cluster: cluster, lease: lease
    )
    .addRoutes(to: router)
    let api = router.group("api").add(
        // An admin key can also read, everywhere.
        middleware: APIKeyMiddleware(
            keys: configuration.apiKeys + configuration.adminKeys,
            sessions: configuration.console.enabled ? sessions : nil))
    let read = ReadController(log: log, store: views, runner: runner, metrics: metrics)
    read.addRoutes(to: api)
    let adminGroup = router.group("api").add(
        middleware: APIKeyMiddleware(
            keys: configuration.adminKeys, lesserKeys: configuration.apiKeys,
            lesserMessage: "this key may not use the admin API: it is a read key; use one of SWITCHYARD_ADMIN_KEYS",
            setting: "SWITCHYARD_ADMIN_KEYS", allow: configuration.adminAllow))
    let admin = AdminController(log: log, read: read)
    admin.addRoutes(to: adminGroup)
    SourcesController(
        log: log, read: read, catalog: catalog, configured: configuration.secrets.sources,
        rotationOverlap: configuration.sourceRotationOverlapSeconds
    ).addRoutes(to: adminGroup)
    if configuration.console.enabled {
        // A console that cannot load its templates stops start-up (ResourceError): it is never quietly off.
        ConsoleController(
            log: log, read: read, admin: admin, runner: runner, sessions: sessions,
            templates: try ConsoleTemplates.load(),
            components: components, gates: gates, signatures: SignatureCheck(secrets: configuration.secrets),
            apiKeys: configuration.apiKeys, adminKeys: configuration.adminKeys,
            adminAllow: configuration.adminAllow, logger: logger,
            signInThrottle: SignInThrottle(
                attempts: configuration.console.signInAttempts,
                window: .seconds(configuration.console.signInWindowSeconds)),
            configuredSources: configuration.secrets.sources, catalog: catalog,
            inbound: Array(configuration.inbound.keys)
        ).addRoutes(to: router)
    }
    return router
}
