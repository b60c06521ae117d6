import Foundation
import Projections
import WebhookAuth
import Outbound

extension GatewayConfiguration {
    /// The config file's shape: every key optional, unknown keys refused. The secrets are read by
    /// ``WebhookSecrets``.
    private struct File: Decodable {
        struct Tolerance: Decodable { var toleranceSeconds: Int64? }
        struct RateLimit: Decodable {
            var perSecond: Int?
            var burst: Int?
        }

        var host: String?
        var port: Int?
        var dataDir: String?
        var maxBodyBytes: Int?
        var stripe: Tolerance?
        var inboundToleranceSeconds: Int64?
        var apiKeys: [String]?
        var adminKeys: [String]?
        var adminAllow: [String]?
        var corsOrigins: [String]?
        var console: ConsoleConfiguration?
        var trustedProxies: [String]?
        var rateLimit: RateLimit?
        var rejectionsPerAddressPerMinute: Int?
        var logLevel: String?
        var actions: ActionsConfiguration?

        static let keys: Set<String> = [
            "host", "port", "dataDir", "maxBodyBytes", "stripe", "intercom", "c2s", "inbound", "inboundToleranceSeconds",
            "apiKeys", "adminKeys", "adminAllow", "corsOrigins", "console", "trustedProxies", "rateLimit", "rejectionsPerAddressPerMinute", "logLevel",
            "actions", "_comment",
        ]
    }

    mutating func apply(file data: Data, path: String) throws {
        let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let top else { throw ConfigurationError(setting: path, message: "the config file is not a JSON object") }
        if let unknown = Set(top.keys).subtracting(File.keys).sorted().first {
            throw ConfigurationError(setting: "\(path): \(unknown)", message: "unknown setting; see docs/configuration.md")
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
            guard (0...65535).contains(value) else { throw ConfigurationError(setting: "\(path): port", message: "expected 0–65535") }
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
        if let value = file.apiKeys { apiKeys = value }
        if let value = file.adminKeys { adminKeys = value }
        if let value = file.adminAllow { adminAllow = value }
        if let value = file.corsOrigins { corsOrigins = value }
        if let value = file.console { console = value }
        if let value = file.trustedProxies { trustedProxies = try AddressRanges(parsing: value, setting: "\(path): trustedProxies") }
        if let value = file.rateLimit?.perSecond { rateLimitPerSecond = value }
        if let value = file.rateLimit?.burst { rateLimitBurst = value }
        if let value = file.rejectionsPerAddressPerMinute { rejectionsPerAddressPerMinute = value }
        if let value = file.logLevel { logLevel = value }
        if let value = file.actions { actions = value }
    }
}
