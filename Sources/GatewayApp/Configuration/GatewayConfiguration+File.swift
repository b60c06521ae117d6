import EventLog
import Foundation
import JetStreamLog
import Projections
import WebhookAuth
import Outbound

extension GatewayConfiguration {
    /// The config file's shape: every key optional, unknown keys refused. The secrets are read by
    /// ``WebhookSecrets``.
    private struct File: Decodable {
        struct Tolerance: Decodable { var toleranceSeconds: Int64? }
        struct Log: Decodable {
            struct JetStream: Decodable {
                var urls: [String]?
                var stream: String?
                var replicas: Int?
                var credentialsFile: String?
                var requestTimeoutMilliseconds: Int64?
            }
            var backend: String?
            var jetstream: JetStream?
            var nodeName: String?
            var leaseSeconds: Int?
        }
        struct RateLimit: Decodable {
            var perSecond: Int?
            var perMinute: Int?
            var burst: Int?
        }

        var host: String?
        var port: Int?
        var dataDir: String?
        var maxBodyBytes: Int?
        var stripe: Tolerance?
        var inboundToleranceSeconds: Int64?
        var sourceRotationOverlapSeconds: Int64?
        var apiKeys: [String]?
        var adminKeys: [String]?
        var adminAllow: [String]?
        var corsOrigins: [String]?
        var corsAllowHeaders: [String]?
        var servedOverTLS: Bool?
        var console: ConsoleConfiguration?
        var log: Log?
        var trustedProxies: [String]?
        var rateLimit: RateLimit?
        var rejectionsPerAddressPerMinute: Int?
        var logLevel: String?
        var actions: ActionsConfiguration?

        static let keys: Set<String> = [
            "host", "port", "dataDir", "maxBodyBytes", "stripe", "intercom", "c2s", "inbound",
            "inboundToleranceSeconds",
            "apiKeys", "adminKeys", "adminAllow", "corsOrigins", "corsAllowHeaders", "servedOverTLS", "console", "log",
            "trustedProxies", "rateLimit",
            "rejectionsPerAddressPerMinute", "logLevel",
            "actions", "sources", "sourceRotationOverlapSeconds", "_comment",
        ]
    }

    mutating func apply(file data: Data, path: String) throws {
        let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let top else { throw ConfigurationError(setting: path, message: "the config file is not a JSON object") }
        if let unknown = Set(top.keys).subtracting(File.keys).sorted().first {
            throw ConfigurationError(
                setting: "\(path): \(unknown)", message: "unknown setting; see docs/configuration.md")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigurationError(setting: "\(path): \(key)", message: "has the wrong type")
        } catch {
            throw ConfigurationError(setting: path, message: "cannot be read as a Switchyard config file")
        }
        if let value = file.host { host = value }
        if let value = file.port {
            guard (0...65535).contains(value) else {
                throw ConfigurationError(setting: "\(path): port", message: "expected 0–65535")
            }
            port = value
        }
        if let value = file.dataDir { dataDirectory = value }
        if let value = file.maxBodyBytes { maxBodyBytes = value }
        if let value = file.stripe?.toleranceSeconds { stripeToleranceSeconds = value }
        do {
            try secrets.apply(file: data, path: path)
        } catch {
            throw ConfigurationError(setting: error.setting, message: error.message)
        }
        if let value = file.inboundToleranceSeconds { inboundToleranceSeconds = value }
        if let value = file.sourceRotationOverlapSeconds { sourceRotationOverlapSeconds = value }
        if let value = file.apiKeys { apiKeys = value }
        if let value = file.adminKeys { adminKeys = value }
        if let value = file.adminAllow { adminAllow = value }
        if let value = file.corsOrigins { corsOrigins = value }
        if let value = file.corsAllowHeaders { corsAllowHeaders = value }
        if let value = file.servedOverTLS { servedOverTLS = value }
        if let value = file.console { console = value }
        if let value = file.log {
            if let backend = value.backend {
                guard let parsed = LogConfiguration.Backend(rawValue: backend) else {
                    throw ConfigurationError(setting: "\(path): log.backend", message: "expected lmdb or jetstream")
                }
                log.backend = parsed
            }
            if let urls = value.jetstream?.urls { log.jetStream.urls = urls }
            if let stream = value.jetstream?.stream { log.jetStream.stream = stream }
            if let replicas = value.jetstream?.replicas { log.jetStream.replicas = replicas }
            if let file = value.jetstream?.credentialsFile { log.jetStream.credentialsFile = file }
            if let timeout = value.jetstream?.requestTimeoutMilliseconds {
                log.jetStream.requestTimeoutMilliseconds = timeout
            }
            if let name = value.nodeName { log.nodeName = name }
            if let seconds = value.leaseSeconds { log.leaseSeconds = seconds }
        }
        if let value = file.trustedProxies {
            trustedProxies = try AddressRanges(parsing: value, setting: "\(path): trustedProxies")
        }
        if let value = file.rateLimit?.perSecond { rateLimitPerSecond = value }
        if let value = file.rateLimit?.burst { rateLimitBurst = value }
        if let value = file.rateLimit?.perMinute { rateLimitPerMinute = value }
        if let value = file.rejectionsPerAddressPerMinute { rejectionsPerAddressPerMinute = value }
        if let value = file.logLevel { logLevel = value }
        if let value = file.actions { actions = value }
    }
}
