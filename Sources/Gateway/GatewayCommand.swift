import ArgumentParser
import EventLog
import Foundation
import Hummingbird
import Logging
import NIOCore
import GatewayApp

/// `gateway`: receives webhooks, verifies them, and appends them durably to the event log.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Receive, verify and durably record webhooks.",
        discussion:
            "Settings come from the config file, then SWITCHYARD_* variables, then these options; see docs/configuration.md."
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
                file: config, environment: ProcessInfo.processInfo.environment, host: host, port: port,
                dataDirectory: dataDir
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
        let views = try await opening(configuration) { try openViews(configuration, logger: logger) }
        switch configuration.log.backend {
        case .lmdb:
            let log = try await opening(configuration) { try openLog(configuration, metrics: metrics, logger: logger) }
            try await serve(
                starting {
                    try buildApplication(configuration, log: log, views: views, metrics: metrics, logger: logger)
                },
                configuration)
        case .jetstream:
            let log = try await opening(configuration) {
                try await openJetStreamLog(configuration, metrics: metrics, logger: logger)
            }
            try await serve(
                starting {
                    try buildApplication(
                        configuration, log: log, views: views, metrics: metrics, logger: logger, cluster: log)
                }, configuration)
        }
    }

    /// Builds the application; a failure (the console's templates missing or broken) is one line and exit status 1.
    private func starting<App>(_ build: () throws -> App) throws -> App {
        do {
            return try build()
        } catch {
            try? FileHandle.standardError.write(contentsOf: Data("gateway: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Runs `open`; a failure is one line on standard error and exit status 2 for an inconsistent log (never
    /// repaired silently: the next append would write over the missing positions), 1 otherwise.
    private func opening<T>(_ configuration: GatewayConfiguration, _ open: () async throws -> T) async throws -> T {
        do {
            return try await open()
        } catch let error as EventLogError where error.code == .inconsistent {
            try? FileHandle.standardError.write(
                contentsOf: Data(
                    "gateway: the event log in \(configuration.dataDirectory) is inconsistent: \(error.message)\n".utf8)
            )
            throw ExitCode(2)
        } catch {
            try? FileHandle.standardError.write(
                contentsOf: Data(
                    "gateway: cannot open the data directory \(configuration.dataDirectory): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Runs `app` until a signal ends it; a port that cannot be listened on is one line and exit status 1.
    private func serve(_ app: some ApplicationProtocol, _ configuration: GatewayConfiguration) async throws {
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
