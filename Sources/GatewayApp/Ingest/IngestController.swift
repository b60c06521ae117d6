import Crypto
import EventLog
import Foundation
import Hummingbird
import Logging
import Projections
import NIOCore
import WebhookAuth
import JSONScan
import CoreMetrics

/// The webhook routes: check, then append durably, then answer.
struct IngestController<Log: EventStore>: Sendable {
    let log: Log
    let configuration: GatewayConfiguration
    let metrics: GatewayMetrics
    let rateLimiter: RateLimiter
    let rejectionQuota: PerMinuteQuota
    /// The sources defined through the admin API.
    let catalog: SourceCatalog

    init(log: Log, configuration: GatewayConfiguration, metrics: GatewayMetrics, catalog: SourceCatalog) {
        self.log = log
        self.catalog = catalog
        self.configuration = configuration
        self.metrics = metrics
        rateLimiter =
            configuration.rateLimitPerMinute.map { RateLimiter(perMinute: $0, burst: configuration.rateLimitBurst) }
            ?? RateLimiter(perSecond: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst)
        rejectionQuota = PerMinuteQuota(limit: configuration.rejectionsPerAddressPerMinute)
    }

    func addRoutes(to router: Router<GatewayContext>) {
        let stripe = WebhookSource.stripe(configuration)
        let intercom = WebhookSource.intercom(configuration)
        let c2s = WebhookSource.c2s(configuration)
        let inbound = Dictionary(
            uniqueKeysWithValues: configuration.inbound.map { name, secrets in
                (
                    name,
                    WebhookSource.standard(
                        name: name, secrets: secrets, tolerance: configuration.inboundToleranceSeconds)
                )
            })
        router.post("/webhooks/stripe") { request, context in try await ingest(request, context, stripe) }
        router.post("/webhooks/intercom") { request, context in try await ingest(request, context, intercom) }
        router.post("/webhooks/c2s") { request, context in try await ingest(request, context, c2s) }
        // The sources users define, at each of their paths (the first, then its aliases).
        for definition in configuration.secrets.sources {
            let source = WebhookSource.defined(definition)
            for path in definition.paths {
                router.post(RouterPath(path)) { request, context in try await ingest(request, context, source) }
            }
        }
        router.post("/webhooks/in/{name}") { request, context in
            let name = context.parameters.get("name") ?? ""
            guard let source = inbound[name] else {
                metrics.request(route: "inbound", outcome: "not_found")
                throw GatewayError(
                    .notFound, "not_found", "no Standard Webhooks endpoint is configured with the name \"\(name)\"")
            }
            return try await ingest(request, context, source)
        }
    }

    func ingest(_ request: Request, _ context: GatewayContext, _ source: WebhookSource) async throws -> Response {
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        do {
            let response = try await accept(request, context, source)
            return response
        } catch let rejection as Rejection {
            metrics.request(route: source.route, outcome: rejection.error.code)
            if rejection.recordable { await record(rejection, source: source, context: context) }
            throw rejection.error
        }
    }

    private func accept(_ request: Request, _ context: GatewayContext, _ source: WebhookSource) async throws -> Response
    {
        if let retryAfter = rateLimiter.acquire(context.remoteAddress) {
            throw Rejection(
                GatewayError(
                    .tooManyRequests, "rate_limited",
                    "too many requests from this address; retry after \(retryAfter) s",
                    headers: [.retryAfter: "\(retryAfter)"]
                ), recordable: false)
        }
        let contentType = request.headers.value(.contentType) ?? ""
        let declaredLength = request.headers.value(.contentLength).flatMap { Int($0) }
        guard Self.isJSON(mediaType: contentType) else {
            throw Rejection(
                GatewayError(
                    .unsupportedMediaType, "unsupported_media_type",
                    "send the body as application/json; got \(contentType.isEmpty ? "no Content-Type" : "\"\(contentType.prefix(100))\"")"
                ), declaredLength: declaredLength)
        }
        let body = try await collectBody(request, declaredLength: declaredLength)
        let now = Timestamp.now().seconds
        let event: NewEvent = try body.withUnsafeReadableBytes { bytes in
            do {
                try source.verify(request.headers, bytes, now)
            } catch let failure as VerificationFailure {
                let unauthorized = failure.kind == .invalidSignature || failure.kind == .invalidToken
                throw Rejection(
                    GatewayError(unauthorized ? .unauthorized : .badRequest, failure.kind.rawValue, failure.message),
                    body: bytes)
            }
            return try makeEvent(bytes, request: request, contentType: contentType, context: context, source: source)
        }
        return try await append(event, source: source, context: context)
    }

    private func collectBody(_ request: Request, declaredLength: Int?) async throws -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        func tooLarge() -> Rejection {
            Rejection(
                GatewayError(
                    .contentTooLarge, "payload_too_large",
                    "the body is larger than the \(limit) bytes this gateway accepts"
                ), declaredLength: declaredLength)
        }
        if let declaredLength, declaredLength > limit { throw tooLarge() }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge()
        } catch is NIOTooManyBytesError {
            // A body sent without Content-Length (chunked) is cut off here, at the limit.
            throw tooLarge()
        }
    }

    private func makeEvent(
        _ bytes: UnsafeRawBufferPointer, request: Request, contentType: String, context: GatewayContext,
        source: WebhookSource
    ) throws -> NewEvent {
        let scan: JSONFieldScanner.Fields
        do {
            scan = try JSONFieldScanner.scan(bytes, paths: source.fields)
        } catch {
            throw Rejection(GatewayError(.badRequest, "invalid_json", error.message), body: bytes)
        }
        guard scan.isObject else {
            throw Rejection(
                GatewayError(.badRequest, "invalid_json", "the body must be a JSON object: \(source.requiredFields)"),
                body: bytes)
        }
        for rule in source.rules {
            if let violation = rule.violation(scan.kinds[rule.index], scan.values[rule.index]) {
                throw Rejection(GatewayError(.badRequest, "invalid_field", violation), body: bytes)
            }
        }
        guard let key = source.key(scan.values, request.headers, bytes) else {
            throw Rejection(
                GatewayError(.badRequest, "invalid_json", "the body must be a JSON object: \(source.requiredFields)"),
                body: bytes)
        }
        let keyBytes = key.utf8.count
        guard keyBytes <= Self.maxKeyBytes else {
            throw Rejection(
                GatewayError(
                    .badRequest, "key_too_long",
                    "the event's id makes an idempotency key of \(keyBytes) bytes; at most \(Self.maxKeyBytes) are kept (\(source.requiredFields))"
                ), body: bytes)
        }
        var metadata = [
            "content-type": contentType,
            "remote-address": context.remoteAddress,
            "request-id": context.requestID,
        ]
        for name in source.keptHeaders {
            if let value = request.headers.value(name) { metadata[name.canonicalName] = value }
        }
        for (name, index) in source.fieldMetadata { if let value = scan.values[index] { metadata[name] = value } }
        return NewEvent(
            type: "webhook.received", source: source.name, idempotencyKey: key, metadata: metadata,
            payload: Array(bytes))
    }

    private func append(_ event: NewEvent, source: WebhookSource, context: GatewayContext) async throws -> Response {
        let started = ContinuousClock.now
        let outcome: AppendOutcome
        do {
            outcome = try await log.append(event)
        } catch let error as EventLogError where error.code == .invalidEvent {
            // Permanent: the same delivery would be refused again, so no Retry-After.
            metrics.request(route: source.route, outcome: "invalid_event")
            throw GatewayError(.badRequest, "invalid_event", "the webhook cannot be stored as it is: \(error.message)")
        } catch let error as EventLogError {
            context.logger.error("append failed", metadata: ["code": "\(error.code)", "source": "\(source.name)"])
            metrics.request(route: source.route, outcome: "log_unavailable")
            throw GatewayError(
                .serviceUnavailable, "log_unavailable",
                "the event log cannot take writes right now (\(error.code)); nothing was stored, retry later",
                headers: [.retryAfter: "5"]
            )
        }
        metrics.appendDuration.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        let body: String
        switch outcome {
        case .appended(let position, let hash):
            metrics.request(route: source.route, outcome: "accepted")
            metrics.logHead.record(Int64(position))
            body = #"{"status":"accepted","position":\#(position),"hash":"\#(hash.hex)"}"#
        case .duplicate(of: let position, let hash):
            metrics.request(route: source.route, outcome: "duplicate")
            metrics.duplicate(source: source.name)
            body = #"{"status":"duplicate","position":\#(position),"hash":"\#(hash.hex)"}"#
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The longest idempotency key the log keeps, in UTF-8 bytes.
    static var maxKeyBytes: Int { LogLimits().maxKeyBytes }

    /// Whether a `Content-Type` names `application/json` (in any case, with or without parameters such as
    /// `charset`), read from its bytes.
    static func isJSON(mediaType: String) -> Bool {
        var utf8 = mediaType.utf8[...]
        while let first = utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            utf8 = utf8.dropFirst()
        }
        let expected = "application/json".utf8
        guard utf8.count >= expected.count,
            zip(utf8, expected).allSatisfy({ (0x41...0x5A).contains($0) ? $0 + 0x20 == $1 : $0 == $1 })
        else { return false }
        for byte in utf8.dropFirst(expected.count) {
            if byte == UInt8(ascii: ";") { return true }
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") { return false }
        }
        return true
    }
}
