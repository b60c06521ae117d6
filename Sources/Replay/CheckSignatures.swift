import ArgumentParser
import EventLog
import Foundation
import Projections
import WebhookAuth

/// `replay check-signatures`: re-verifies every stored webhook's kept signature over its stored bytes.
struct CheckSignatures: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-signatures",
        abstract: "Re-verify the kept signature of every stored webhook; report per source, exit 1 if any fails."
    )

    @OptionGroup var data: DataOptions
    @Option(
        help:
            "The gateway's config file to take the secrets from (default SWITCHYARD_CONFIG); the gateway's variables override it."
    )
    var secrets: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configured = WebhookSecrets()
        do {
            if let path = secrets ?? environment["SWITCHYARD_CONFIG"] {
                guard let file = FileManager.default.contents(atPath: path) else {
                    throw ValidationError("cannot read the secrets file \(path)")
                }
                try configured.apply(file: file, path: path)
            }
            try configured.apply(environment: environment)
        } catch let error as SecretsError {
            throw ValidationError(error.description)
        }
        let log = try data.openLog()
        let report = try await SignatureCheck(secrets: configured).run(on: log)
        await log.close()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try output(try encoder.encode(report) + Data("\n".utf8))
        if !report.ok { throw ExitCode(1) }
    }
}
