import EventLog
import Foundation
import HTTPTypes
import JetStreamLog
import Projections
import WebhookAuth
import Outbound

extension GatewayConfiguration {
    /// The defaults, then the config file (if any), then environment variables, then the command line.
    package static func load(
        file: String?, environment: [String: String], host: String?, port: Int?, dataDirectory: String?
    ) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        if let path = file ?? environment["SWITCHYARD_CONFIG"] {
            let setting = file != nil ? "--config" : "SWITCHYARD_CONFIG"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(setting: setting, message: "cannot read the config file \(path)")
            }
            try configuration.apply(file: data, path: path)
        }
        try configuration.apply(environment: environment)
        if let host { configuration.host = host }
        if let port {
            guard (0...65535).contains(port) else {
                throw ConfigurationError(setting: "--port", message: "expected 0–65535, got \(port)")
            }
            configuration.port = port
        }
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        try configuration.validate()
        return configuration
    }

    mutating func apply(environment: [String: String]) throws {
        func list(_ name: String) -> [String]? {
            environment[name].map {
                $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw ConfigurationError(
                    setting: name,
                    message: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            }
            return value
        }
        func boolean(_ name: String) throws -> Bool? {
            guard let text = environment[name] else { return nil }
            guard let value = ["true": true, "false": false][text.lowercased()] else {
                throw ConfigurationError(setting: name, message: "expected true or false, got \"\(text)\"")
            }
            return value
        }
        if let value = environment["SWITCHYARD_HOST"] { host = value }
        if let value = try integer("SWITCHYARD_PORT", 0...65535) { port = value }
        if let value = environment["SWITCHYARD_DATA_DIR"] { dataDirectory = value }
        if let value = try integer("SWITCHYARD_MAX_BODY_BYTES", 1...(64 << 20)) { maxBodyBytes = value }
        if let value = try integer("SWITCHYARD_STRIPE_TOLERANCE_SECONDS", 1...86_400) {
            stripeToleranceSeconds = Int64(value)
        }
        do {
            try secrets.apply(environment: environment)
        } catch {
            throw ConfigurationError(setting: error.setting, message: error.message)
        }
        if let value = try integer("SWITCHYARD_INBOUND_TOLERANCE_SECONDS", 1...86_400) {
            inboundToleranceSeconds = Int64(value)
        }
        if let value = list("SWITCHYARD_API_KEYS") { apiKeys = value }
        if let value = list("SWITCHYARD_ADMIN_KEYS") { adminKeys = value }
        if let value = list("SWITCHYARD_ADMIN_ALLOW") { adminAllow = value }
        if let value = list("SWITCHYARD_CORS_ORIGINS") { corsOrigins = value }
        if let value = list("SWITCHYARD_CORS_ALLOW_HEADERS") { corsAllowHeaders = value }
        if let value = try boolean("SWITCHYARD_SERVED_OVER_TLS") { servedOverTLS = value }
        if let value = environment["SWITCHYARD_LOG_BACKEND"] {
            guard let backend = LogConfiguration.Backend(rawValue: value) else {
                throw ConfigurationError(
                    setting: "SWITCHYARD_LOG_BACKEND", message: "expected lmdb or jetstream, got \"\(value)\"")
            }
            log.backend = backend
        }
        if let value = list("SWITCHYARD_JETSTREAM_URLS") { log.jetStream.urls = value }
        if let value = environment["SWITCHYARD_JETSTREAM_STREAM"] { log.jetStream.stream = value }
        if let value = try integer("SWITCHYARD_JETSTREAM_REPLICAS", 1...5) { log.jetStream.replicas = value }
        if let value = environment["SWITCHYARD_JETSTREAM_CREDENTIALS"] { log.jetStream.credentialsFile = value }
        if let value = environment["SWITCHYARD_JETSTREAM_TOKEN"] { log.jetStream.token = value }
        if let value = try integer("SWITCHYARD_JETSTREAM_TIMEOUT_MS", 100...60_000) {
            log.jetStream.requestTimeoutMilliseconds = Int64(value)
        }
        if let value = environment["SWITCHYARD_NODE_NAME"] { log.nodeName = value }
        if let value = try integer("SWITCHYARD_LEASE_SECONDS", 2...300) { log.leaseSeconds = value }
        if let value = try integer("SWITCHYARD_SOURCE_ROTATION_OVERLAP_SECONDS", 0...2_592_000) {
            sourceRotationOverlapSeconds = Int64(value)
        }
        if let value = try boolean("SWITCHYARD_CONSOLE_ENABLED") { console.enabled = value }
        if let value = try integer("SWITCHYARD_CONSOLE_SESSION_MINUTES", 1...10_080) { console.sessionMinutes = value }
        if let value = try boolean("SWITCHYARD_CONSOLE_SECURE_COOKIES") { console.secureCookies = value }
        if let value = try integer("SWITCHYARD_CONSOLE_SIGN_IN_ATTEMPTS", 1...1_000_000) {
            console.signInAttempts = value
        }
        if let value = try integer("SWITCHYARD_CONSOLE_SIGN_IN_WINDOW_SECONDS", 1...86_400) {
            console.signInWindowSeconds = value
        }
        if let value = list("SWITCHYARD_TRUSTED_PROXIES") {
            trustedProxies = try AddressRanges(parsing: value, setting: "SWITCHYARD_TRUSTED_PROXIES")
        }
        if let value = try integer("SWITCHYARD_RATE_LIMIT_PER_SECOND", 0...10_000_000) { rateLimitPerSecond = value }
        if let value = try integer("SWITCHYARD_RATE_LIMIT_BURST", 1...10_000_000) { rateLimitBurst = value }
        if let value = try integer("SWITCHYARD_RATE_LIMIT_PER_MINUTE", 0...600_000_000) { rateLimitPerMinute = value }
        if let value = try integer("SWITCHYARD_REJECTIONS_PER_MINUTE", 0...1_000_000) {
            rejectionsPerAddressPerMinute = value
        }
        if let value = environment["SWITCHYARD_LOG_LEVEL"] { logLevel = value }
        if let value = environment["SWITCHYARD_STRIPE_API_KEY"] { actions.stripeAPIKey = value }
        if let value = environment["SWITCHYARD_ENRICHMENT_TOKEN"] { actions.enrichmentToken = value }
        if let value = environment["SWITCHYARD_C2S_API_TOKEN"] { actions.c2sToken = value }
        if let value = environment["SWITCHYARD_ACTIONS_ENABLED"] {
            guard let enabled = ["true": true, "false": false][value.lowercased()] else {
                throw ConfigurationError(
                    setting: "SWITCHYARD_ACTIONS_ENABLED", message: "expected true or false, got \"\(value)\"")
            }
            actions.enabled = enabled
        }
        if let value = environment["SWITCHYARD_ACTIONS_MODE"] {
            guard let mode = ActionsConfiguration.Mode(rawValue: value) else {
                throw ConfigurationError(setting: "SWITCHYARD_ACTIONS_MODE", message: "expected live or sandbox")
            }
            actions.mode = mode
        }
    }

    /// Checks what no single parser can: secret shapes, names, levels.
    func validate() throws {
        try actions.validate()
        if log.backend == .jetstream {
            guard (1...5).contains(log.jetStream.replicas) else {
                throw ConfigurationError(setting: "log.jetstream.replicas", message: "expected 1 to 5")
            }
            guard !log.jetStream.urls.isEmpty else {
                throw ConfigurationError(setting: "log.jetstream.urls", message: "name at least one NATS server")
            }
            guard !log.jetStream.stream.isEmpty,
                log.jetStream.stream.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
            else {
                throw ConfigurationError(
                    setting: "log.jetstream.stream", message: "a stream name holds only letters, digits, - and _")
            }
            guard (2...300).contains(log.leaseSeconds) else {
                throw ConfigurationError(setting: "log.leaseSeconds", message: "expected 2 to 300")
            }
        }
        guard (0...2_592_000).contains(sourceRotationOverlapSeconds) else {
            throw ConfigurationError(setting: "sourceRotationOverlapSeconds", message: "expected 0 to 2592000 seconds")
        }
        if let problem = SourceDefinition.problem(in: secrets.sources) {
            throw ConfigurationError(setting: problem.setting, message: problem.message)
        }
        guard (1...10_080).contains(console.sessionMinutes) else {
            throw ConfigurationError(setting: "console.sessionMinutes", message: "expected 1 to 10080 minutes")
        }
        guard (1...1_000_000).contains(console.signInAttempts) else {
            throw ConfigurationError(
                setting: "console.signInAttempts", message: "expected 1 to 1000000 failed sign-ins")
        }
        guard (1...86_400).contains(console.signInWindowSeconds) else {
            throw ConfigurationError(setting: "console.signInWindowSeconds", message: "expected 1 to 86400 seconds")
        }
        for origin in corsOrigins {
            guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil,
                url.path.isEmpty, url.query == nil
            else {
                throw ConfigurationError(
                    setting: "corsOrigins", message: "\"\(origin)\" is not an origin such as https://ops.example.com")
            }
        }
        for secret in stripeSecrets where !secret.hasPrefix("whsec_") {
            throw ConfigurationError(
                setting: "SWITCHYARD_STRIPE_SECRETS", message: "each Stripe secret starts with whsec_")
        }
        for (name, secrets) in inbound {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw ConfigurationError(
                    setting: "inbound", message: "endpoint name \"\(name)\" may hold only letters, digits, - and _")
            }
            for secret in secrets where StandardWebhookSignature.key(fromSecret: secret) == nil {
                throw ConfigurationError(
                    setting: "inbound.\(name).secrets", message: "each secret is whsec_ followed by base64")
            }
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(
                setting: "SWITCHYARD_LOG_LEVEL",
                message: "expected trace, debug, info, notice, warning, error or critical")
        }
        guard !dataDirectory.isEmpty else {
            throw ConfigurationError(setting: "SWITCHYARD_DATA_DIR", message: "must not be empty")
        }
        guard (1...(64 << 20)).contains(maxBodyBytes) else {
            throw ConfigurationError(setting: "maxBodyBytes", message: "expected 1 to \(64 << 20) bytes")
        }
        for header in corsAllowHeaders where HTTPField.Name(header) == nil {
            throw ConfigurationError(
                setting: "corsAllowHeaders", message: "\"\(header.prefix(100))\" is not a header name")
        }
        guard rateLimitPerSecond >= 0, rateLimitBurst >= 1, rejectionsPerAddressPerMinute >= 0,
            (rateLimitPerMinute ?? 0) >= 0,
            stripeToleranceSeconds > 0, inboundToleranceSeconds > 0
        else {
            throw ConfigurationError(
                setting: "rateLimit / rejectionsPerAddressPerMinute / toleranceSeconds", message: "must not be negative"
            )
        }
    }
}
