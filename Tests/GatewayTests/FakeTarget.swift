import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport

/// An outbound target (Lark, Teams, Stripe, C2S, an enrichment provider) played by a small HTTP server on
/// loopback: it records every request and answers as the test says.
final class FakeTarget: Sendable {
    /// One request as received.
    struct Received: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: [UInt8]
        /// When it arrived.
        var at = ContinuousClock.now
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    /// How to answer: a status, headers and a body.
    typealias Answer = (status: Int, headers: [String: String], body: String)

    private let received = Mutex<[Received]>([])
    private let answer = Mutex<@Sendable (Int, Received) -> Answer>({ _, _ in (200, [:], #"{"ok":true}"#) })
    private let boundPort = Mutex(0)
    private let delay = Mutex<@Sendable (Int) -> Duration>({ _ in .zero })

    /// The port it listens on.
    var port: Int { boundPort.withLock { $0 } }

    /// The requests so far.
    var requests: [Received] { received.withLock { $0 } }

    /// Answers the `n`-th request (from 1) with `respond(n)`.
    func respond(_ respond: @escaping @Sendable (Int) -> Answer) { answer.withLock { $0 = { n, _ in respond(n) } } }

    /// Answers each request by what it is.
    func route(_ route: @escaping @Sendable (Received) -> Answer) {
        answer.withLock { $0 = { _, request in route(request) } }
    }

    /// Holds the `n`-th request (from 1) for `hold(n)` before answering.
    func hold(_ hold: @escaping @Sendable (Int) -> Duration) { delay.withLock { $0 = hold } }

    /// The base URL, such as `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` with a fake target listening on an ephemeral loopback port.
    static func run(_ body: (FakeTarget) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        let target = FakeTarget()
        router.on("**", method: .post) { request, _ in try await target.handle(request) }
        router.on("**", method: .get) { request, _ in try await target.handle(request) }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quietLogger
        )
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            target.boundPort.withLock { $0 = port }
            do {
                try await body(target)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func handle(_ request: Request) async throws -> Response {
        let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        let target = self
        var headers = [String: String]()
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let this = Received(method: request.method.rawValue, path: request.uri.string, headers: headers, body: body)
        let count = target.received.withLock { received in
            received.append(this)
            return received.count
        }
        let wait = target.delay.withLock { $0 }(count)
        if wait > .zero { try? await Task.sleep(for: wait) }
        let answer = target.answer.withLock { $0 }(count, this)
        var response = Response(
            status: .init(code: answer.status), body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        response.headers[.contentType] = "application/json"
        for (name, value) in answer.headers { response.headers[HTTPField.Name(name)!] = value }
        return response
    }
}
