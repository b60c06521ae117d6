import EventLog
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Opens the log under `configuration.dataDirectory`, reporting to `metrics`.
func openLog(_ configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger) throws -> LMDBEventLog {
    try LMDBEventLog(
        directory: (configuration.dataDirectory as NSString).appendingPathComponent("log"), logger: logger, metrics: metrics.factory
    )
}

/// Builds the gateway application around an open log, which it closes when it shuts down.
///
/// `onServerRunning` receives the bound port (useful with port 0).
func buildApplication(
    _ configuration: GatewayConfiguration, log: LMDBEventLog, metrics: GatewayMetrics, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let health = LogHealth()
    let router = Router(context: GatewayContext.self)
    router.add(middleware: ResponseHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    IngestController(log: log, configuration: configuration, metrics: metrics, health: health).addRoutes(to: router)
    OperationsController(log: log, metrics: metrics, health: health, dataDirectory: configuration.dataDirectory)
        .addRoutes(to: router)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "switchyard"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("gateway listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
            await onServerRunning(port)
        },
        logger: logger
    )
    app.addServices(LogService(log: log))
    return app
}
