import ArgumentParser
import EventLog
import Foundation
import Hummingbird
import Logging
import NIOCore
import Projections
import GatewayApp
import Outbound

/// `gateway`: receives webhooks, verifies them, and appends them durably to the event log.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Receive, verify and durably record webhooks.",
        discussion: "Settings come from the config file, then SWITCHYARD_* variables, then these options; see docs/configuration.md."
    )

    @Option(help: "Path of the JSON config file (or SWITCHYARD_CONFIG).")
    var config: String?

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free port (default 8080).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory holding log/ and views/ (default ./data).")
    var dataDir: String?

    func run() async throws {
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(
                file: config, environment: ProcessInfo.processInfo.environment, host: host, port: port, dataDirectory: dataDir
            )
        } catch let error as ConfigurationError {
            try? FileHandle.standardError.write(contentsOf: Data("gateway: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "switchyard.gateway")
        let metrics = GatewayMetrics()
        let log: LMDBEventLog
        let views: ProjectionStore
        do {
            log = try openLog(configuration, metrics: metrics, logger: logger)
            views = try openViews(configuration, logger: logger)
        } catch let error as EventLogError where error.code == .inconsistent {
            // Never repaired silently: the next append would write over the missing positions.
            try? FileHandle.standardError.write(
                contentsOf: Data("gateway: the event log in \(configuration.dataDirectory) is inconsistent: \(error.message)\n".utf8))
            throw ExitCode(2)
        } catch {
            try? FileHandle.standardError.write(contentsOf: Data("gateway: cannot open the data directory \(configuration.dataDirectory): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let app = buildApplication(configuration, log: log, views: views, metrics: metrics, logger: logger)
        do {
            try await app.runService()
        } catch let error as IOError where [EADDRINUSE, EACCES, EADDRNOTAVAIL].contains(error.errnoCode) {
            let reason =
                switch error.errnoCode {
                case EADDRINUSE: "the address is in use (is another gateway running?)"
                case EACCES: "permission denied (ports below 1024 need privileges)"
                default: "the host is not an address of this machine"
                }
            try? FileHandle.standardError.write(
                contentsOf: Data(
                    "gateway: cannot listen on \(configuration.host):\(configuration.port): \(reason); set SWITCHYARD_HOST / SWITCHYARD_PORT or --host / --port\n"
                        .utf8
                ))
            throw ExitCode(1)
        }
    }
}
