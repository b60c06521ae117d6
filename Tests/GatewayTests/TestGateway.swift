import AsyncHTTPClient
import EventLog
import Foundation
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Projections
import ServiceLifecycle
import TestSupport
@testable import GatewayApp
@testable import Outbound

/// Example secrets the tests configure and sign with.
enum Secrets {
    static let stripe = "whsec_test_stripe_secret_1"
    static let stripeRotated = "whsec_test_stripe_secret_2"
    static let intercom = "test-intercom-client-secret"
    static let c2s = "test-c2s-token-7d1f"
    static let inboundKey = Array("standard-webhooks-test-key-bytes".utf8)
    static var inbound: String { "whsec_" + Data(inboundKey).base64EncodedString() }
}

/// A gateway running in this process on an ephemeral loopback port, with its own data directory.
struct TestGateway {
    let port: Int
    let log: LMDBEventLog
    let dataDirectory: String

    static func configuration(_ dataDirectory: String) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        configuration.port = 0
        configuration.dataDirectory = dataDirectory
        configuration.stripeSecrets = [Secrets.stripe]
        configuration.intercomSecrets = [Secrets.intercom]
        configuration.c2sTokens = [Secrets.c2s]
        configuration.inbound = ["orders": [Secrets.inbound]]
        configuration.apiKeys = ["test-api-key"]
        configuration.adminKeys = ["test-admin-key"]
        return configuration
    }

    /// Runs `body` against a fresh gateway, then shuts it down gracefully and removes its data.
    static func run(
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        projections: [any Projection] = BuiltInProjections.all,
        clock: @escaping @Sendable () -> Timestamp = { .now() }, _ body: (TestGateway) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory("gateway") { directory in
            try await run(in: directory, configure: configure, projections: projections, clock: clock, body)
        }
    }

    /// Runs `body` against the application built on a fresh data directory, in process, through Hummingbird's router
    /// test client: no socket, the same application (services included) as `make run` builds.
    static func inProcess(
        configure: @escaping @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol, LMDBEventLog) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory("in-process") { directory in
            var configuration = configuration(directory)
            configure(&configuration)
            let metrics = GatewayMetrics()
            let log = try openLog(configuration, metrics: metrics, logger: quietLogger)
            let views = try openViews(configuration, logger: quietLogger)
            let app = try buildApplication(configuration, log: log, views: views, metrics: metrics, logger: quietLogger)
            try await app.test(.router) { client in try await body(client, log) }
        }
    }

    /// Runs `body` against a gateway on the data in `directory` (kept), then shuts it down gracefully: run it again
    /// on the same directory for a restart.
    static func run(
        in directory: String, configure: (inout GatewayConfiguration) -> Void = { _ in },
        projections: [any Projection] = BuiltInProjections.all,
        clock: @escaping @Sendable () -> Timestamp = { .now() }, _ body: (TestGateway) async throws -> Void
    ) async throws {
        do {
            var configuration = configuration(directory)
            configure(&configuration)
            let metrics = GatewayMetrics()
            let log = try openLog(configuration, metrics: metrics, logger: quietLogger)
            let views = try openViews(configuration, logger: quietLogger)
            let (ports, portContinuation) = AsyncStream<Int>.makeStream()
            let app = try buildApplication(
                configuration, log: log, views: views, metrics: metrics, logger: quietLogger, projections: projections,
                clock: clock
            ) {
                port in
                portContinuation.yield(port)
            }
            let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: quietLogger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw CancellationError() }
                do {
                    try await body(TestGateway(port: port, log: log, dataDirectory: directory))
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    func post(_ path: String, body: [UInt8], headers: [(String, String)]) async throws -> TestResponse {
        try await TestResponse.send(port: port, method: .POST, path: path, body: body, headers: headers)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await TestResponse.send(port: port, method: .GET, path: path, body: nil, headers: headers)
    }
}

/// One client for all tests, with room for many concurrent connections and a short connect timeout.
let testHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
    configuration.timeout.connect = .seconds(15)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

/// A response read whole, with its JSON body parsed when it is JSON.
struct TestResponse {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
    var position: UInt64? { (json?["position"] as? NSNumber)?.uint64Value }
    var text: String { String(decoding: body, as: UTF8.self) }

    static func send(
        port: Int, method: HTTPMethod, path: String, body: [UInt8]?, headers: [(String, String)]
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await testHTTPClient.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return TestResponse(
            status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }
}
