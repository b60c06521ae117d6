import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections
import WebhookAuth

/// `GET/POST/PUT/DELETE /api/sources…` (admin): sources defined, changed, rotated and removed at run time. Each
/// change is a `config.source.*` event in the log, made from the revision the client read (`If-Match`; a stale one
/// is 409), and applied by every gateway as its `sources` projection follows the log. A source's secret is generated
/// here (or, for Stripe, given), stored outside the log (``SecretStore``) before the event naming it is appended,
/// and shown once. The config file's sources are listed too; they cannot be changed here, and a name or path the
/// file has cannot be taken.
actor SourcesController<Log: EventStore> {
    let log: Log
    let read: ReadController<Log>
    let catalog: SourceCatalog
    let configured: [SourceDefinition]
    /// How long a rotated-out secret stays valid, in seconds.
    let rotationOverlap: Int64
    private let turns = Turnstile()

    init(
        log: Log, read: ReadController<Log>, catalog: SourceCatalog, configured: [SourceDefinition],
        rotationOverlap: Int64
    ) {
        (self.log, self.read, self.catalog) = (log, read, catalog)
        (self.configured, self.rotationOverlap) = (configured, rotationOverlap)
    }

    nonisolated func addRoutes(to group: RouterGroup<GatewayContext>) {
        group.get("sources") { _, _ in try await self.list() }
        group.get("sources/{name}") { _, context in try await self.show(try context.parameters.requireDecoded("name")) }
        group.post("sources") { request, context in
            try await self.create(try await Self.body(request), from: context.remoteAddress)
        }
        group.put("sources/{name}") { request, context in
            try await self.update(
                try context.parameters.requireDecoded("name"), try await Self.body(request),
                ifMatch: request.headers[.ifMatch],
                from: context.remoteAddress)
        }
        group.delete("sources/{name}") { request, context in
            try await self.delete(
                try context.parameters.requireDecoded("name"), ifMatch: request.headers[.ifMatch],
                from: context.remoteAddress)
        }
        group.post("sources/{name}/rotate") { request, context in
            try await self.rotate(
                try context.parameters.requireDecoded("name"), ifMatch: request.headers[.ifMatch],
                overlap: try QueryParameters(request: request).integer("overlap_seconds", 0...2_592_000).map {
                    Int64($0)
                },
                from: context.remoteAddress)
        }
    }

    /// What a client sends to define or change a source (snake_case, as the rest of the API).
    struct Body: Decodable {
        var name: String?
        var kind: String
        var paths: [String]
        var hmac: HMACScheme?
        var idempotencyKey: SourceDefinition.KeyFrom?
        var toleranceSeconds: Int64?
        /// A secret to use instead of a generated one (a Stripe endpoint's, which Stripe makes).
        var secret: String?
    }

    /// A source as the API shows it: never a secret, except the one just made, once.
    struct Answer: Encodable {
        var name: String
        var kind: String
        var paths: [String]
        /// `config` (the config file's) or `api`.
        var origin: String
        var revision: UInt64?
        var secrets: [SourceSpec.SecretRef]?
        var hmac: HMACScheme?
        var idempotencyKey: SourceDefinition.KeyFrom?
        var toleranceSeconds: Int64?
        var secret: String?
    }

    static func body(_ request: Request) async throws -> Body {
        let bytes = try await request.body.collect(upTo: 64 << 10)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Body.self, from: Data(bytes.readableBytesView))
        } catch {
            throw GatewayError(
                .badRequest, "invalid_source",
                #"send {"kind":"hmac","paths":["/webhook/…"],"hmac":{"header":"X-Signature","prefix":"sha256="}} (see docs/sources.md): \#(Self.describe(error))"#
            )
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is required"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type or value"
        default: "the body is not JSON"
        }
    }

    func list() throws -> Response {
        let fromFile = configured.map {
            Answer(
                name: $0.name, kind: $0.kindName, paths: $0.paths, origin: "config", hmac: $0.hmac,
                idempotencyKey: $0.idempotencyKey, toleranceSeconds: $0.toleranceSeconds)
        }
        let fromAPI = try catalog.all().compactMap { Self.answer($0) }
        return try jsonResponse(["items": (fromFile + fromAPI).sorted { $0.name < $1.name }])
    }

    func show(_ name: String) throws -> Response {
        if let file = configured.first(where: { $0.name == name }) {
            return try jsonResponse(
                Answer(
                    name: file.name, kind: file.kindName, paths: file.paths, origin: "config", hmac: file.hmac,
                    idempotencyKey: file.idempotencyKey, toleranceSeconds: file.toleranceSeconds))
        }
        guard let record = try catalog.record(name), let answer = Self.answer(record) else {
            throw notFound("source \(name)")
        }
        return Self.tagged(try jsonResponse(answer), record.revision)
    }

    func create(_ body: Body, from address: String) async throws -> Response {
        guard let name = body.name else { throw GatewayError(.badRequest, "invalid_source", "name is required") }
        await turns.enter()
        defer { turns.leave() }
        try await caughtUp()
        let current = try catalog.record(name)
        guard current?.spec == nil else {
            throw GatewayError(
                .conflict, "source_exists", "a source named \(name) exists; change it with PUT and its ETag")
        }
        let (secret, generated) = try secret(for: body)
        try check(name: name, body, secret: secret)
        let id = try catalog.secrets.store(secret)
        let spec = SourceSpec(
            name: name, kind: body.kind, paths: body.paths, secrets: [.init(id: id)], hmac: body.hmac,
            idempotencyKey: body.idempotencyKey, toleranceSeconds: body.toleranceSeconds)
        let revision = try await append(
            SourceChange.created, spec, name: name, base: current?.revision ?? 0, from: address)
        var answer = Self.answer(spec, revision: revision)
        answer.secret = generated ? secret : nil
        return Self.tagged(try jsonResponse(answer, status: .created), revision)
    }

    func update(_ name: String, _ body: Body, ifMatch: String?, from address: String) async throws -> Response {
        await turns.enter()
        defer { turns.leave() }
        let (record, spec) = try await current(name, ifMatch: ifMatch)
        if let renamed = body.name, renamed != name {
            throw GatewayError(.badRequest, "invalid_source", "a source's name cannot change; make a new one")
        }
        guard body.kind == spec.kind else {
            throw GatewayError(
                .badRequest, "invalid_source",
                "kind: a source's kind cannot change (its secrets are of its kind); make a new one")
        }
        try check(name: name, body, secret: nil)
        var changed = SourceSpec(
            name: name, kind: body.kind, paths: body.paths, secrets: spec.secrets, hmac: body.hmac,
            idempotencyKey: body.idempotencyKey, toleranceSeconds: body.toleranceSeconds)
        // A given secret (a Stripe endpoint's, rolled in Stripe's dashboard) replaces the old ones at once.
        if let given = body.secret { changed.secrets = [.init(id: try catalog.secrets.store(given))] }
        let revision = try await append(SourceChange.updated, changed, name: name, base: record.revision, from: address)
        return Self.tagged(try jsonResponse(Self.answer(changed, revision: revision)), revision)
    }

    func delete(_ name: String, ifMatch: String?, from address: String) async throws -> Response {
        await turns.enter()
        defer { turns.leave() }
        let (record, _) = try await current(name, ifMatch: ifMatch)
        let revision = try await append(SourceChange.deleted, nil, name: name, base: record.revision, from: address)
        return try jsonResponse(["deleted": name, "revision": "\(revision)"])
    }

    func rotate(_ name: String, ifMatch: String?, overlap: Int64?, from address: String) async throws -> Response {
        await turns.enter()
        defer { turns.leave() }
        let (record, spec) = try await current(name, ifMatch: ifMatch)
        guard let kind = SourceDefinition.Kind(rawValue: spec.kind), kind != .stripe else {
            throw GatewayError(
                .badRequest, "invalid_source",
                "Stripe makes a Stripe endpoint's secrets: roll it in Stripe's dashboard, then PUT the new one as secret"
            )
        }
        let secret = SecretStore.generate(for: kind)
        let id = try catalog.secrets.store(secret)
        let now = catalog.clock().seconds
        let until = now + (overlap ?? rotationOverlap)
        var changed = spec
        changed.secrets =
            [.init(id: id)]
            + spec.secrets.filter { $0.isValid(at: now) }.map {
                .init(id: $0.id, notAfter: min($0.notAfter ?? until, until))
            }
        let revision = try await append(SourceChange.updated, changed, name: name, base: record.revision, from: address)
        var answer = Self.answer(changed, revision: revision)
        answer.secret = secret
        return Self.tagged(try jsonResponse(answer), revision)
    }

    // MARK: Steps

    private func caughtUp() async throws {
        try await read.awaitPosition(try await log.head().position, projection: "sources")
    }

    /// The source `name` as recorded, once its revision matches `ifMatch`.
    private func current(_ name: String, ifMatch: String?) async throws -> (SourcesProjection.Record, SourceSpec) {
        guard let ifMatch else {
            throw GatewayError(
                .preconditionRequired, "precondition_required",
                "send If-Match with the ETag of the source as you read it")
        }
        try await caughtUp()
        if configured.contains(where: { $0.name == name }) {
            throw GatewayError(.conflict, "source_in_config", "\(name) is defined in the config file; change it there")
        }
        guard let record = try catalog.record(name), let spec = record.spec else { throw notFound("source \(name)") }
        guard Self.revision(ifMatch) == record.revision else {
            throw GatewayError(
                .conflict, "revision_mismatch",
                "\(name) was changed since (revision \(record.revision)); read it again and retry")
        }
        return (record, spec)
    }

    /// The secret to store: the one given (required for Stripe), else a new one.
    private func secret(for body: Body) throws -> (String, generated: Bool) {
        if let given = body.secret {
            guard !given.isEmpty, given.utf8.count <= 1024 else {
                throw GatewayError(.badRequest, "invalid_source", "secret: 1 to 1024 bytes")
            }
            return (given, false)
        }
        guard let kind = SourceDefinition.Kind(rawValue: body.kind) else { return ("", true) }
        guard kind != .stripe else {
            throw GatewayError(
                .badRequest, "invalid_source",
                "secret: a Stripe source needs its endpoint's secret (whsec_…) from Stripe")
        }
        return (SecretStore.generate(for: kind), true)
    }

    /// Refuses a definition that cannot work beside the config file's and the other API sources: 400 naming the field.
    private func check(name: String, _ body: Body, secret: String?) throws {
        let kind = SourceDefinition.Kind(rawValue: body.kind)
        let probe = secret ?? body.secret ?? kind.map(SecretStore.generate(for:)) ?? "x"
        var candidate = SourceDefinition(
            name: name, kind: .hmac, paths: body.paths, secrets: [probe], hmac: body.hmac,
            idempotencyKey: body.idempotencyKey,
            toleranceSeconds: body.toleranceSeconds)
        candidate.kindName = body.kind
        // The config file's sources and the API's others keep their names and paths.
        let others = try catalog.all().compactMap(\.spec).filter { $0.name != name }
        let names = Set(configured.map(\.name) + others.map(\.name))
        var paths = [String: String]()
        for source in configured { for path in source.paths { paths[path] = source.name } }
        for source in others { for path in source.paths { paths[path] = source.name } }
        if let problem = SourceDefinition.problem(in: [candidate], names: names, paths: paths) {
            let prefix = "sources[0]"
            let field =
                problem.setting.hasPrefix(prefix)
                ? String(problem.setting.dropFirst(prefix.count).drop { $0 == "." }) : problem.setting
            throw GatewayError(.badRequest, "invalid_source", "\(field.isEmpty ? "source" : field): \(problem.message)")
        }
    }

    /// Appends a change made from revision `base`; a change already made from it (by another admin, on any gateway)
    /// makes this one a 409. Returns the new revision once the `sources` projection has applied it.
    private func append(
        _ type: String, _ spec: SourceSpec?, name: String, base: UInt64, from address: String
    ) async throws -> UInt64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let outcome = try await log.append(
            NewEvent(
                type: type, source: "admin", idempotencyKey: SourceChange.logKey(name: name, base: base),
                metadata: ["remote-address": address],
                payload: Array(try encoder.encode(SourceChange(name: name, spec: spec)))))
        guard case .appended(let position, _) = outcome else {
            throw GatewayError(
                .conflict, "revision_mismatch",
                "\(name) was changed from the same revision already; read it again and retry")
        }
        try await read.awaitPosition(position, projection: "sources")
        return position
    }

    private static func answer(_ record: SourcesProjection.Record) -> Answer? {
        record.spec.map { answer($0, revision: record.revision) }
    }

    private static func answer(_ spec: SourceSpec, revision: UInt64) -> Answer {
        Answer(
            name: spec.name, kind: spec.kind, paths: spec.paths, origin: "api", revision: revision,
            secrets: spec.secrets,
            hmac: spec.hmac, idempotencyKey: spec.idempotencyKey, toleranceSeconds: spec.toleranceSeconds)
    }

    private static func tagged(_ response: Response, _ revision: UInt64) -> Response {
        var response = response
        response.headers[.eTag] = "\"\(revision)\""
        return response
    }

    /// The revision an `If-Match` value names: `"12"`, `W/"12"` or `12`.
    static func revision(_ ifMatch: String) -> UInt64? {
        UInt64(
            ifMatch.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "").trimmingCharacters(
                in: CharacterSet(charactersIn: "\"")))
    }
}
