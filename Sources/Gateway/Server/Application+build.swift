import EventLog
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Opens the log under `configuration.dataDirectory` and builds the gateway application around it.
///
/// `onServerRunning` receives the bound port (useful with port 0).
func buildApplication(
    _ configuration: GatewayConfiguration, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let metrics = GatewayMetrics()
    let log = try LMDBEventLog(
        directory: (configuration.dataDirectory as NSString).appendingPathComponent("log"), logger: logger, metrics: metrics.factory
    )
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
