import EventLog

/// Re-verifies the signature kept with each stored webhook against the secrets, over the stored raw bytes: what
/// an auditor runs to show that the log holds exactly what each sender signed.
///
/// Stripe and Standard Webhooks signatures are checked at the time they carry, not now. Contact2Sale sends a
/// shared token, which is never stored, so its webhooks are not verifiable.
package struct SignatureCheck: Sendable {
    /// What the check found for one stored webhook.
    package enum Outcome: Equatable, Sendable {
        /// A kept signature matches the stored bytes with a configured secret.
        case verified
        /// No configured secret gives the kept signature: the bytes, the header or the secrets differ.
        case failed(reason: String)
        /// Nothing was kept to check (a token source, or no signature header).
        case notVerifiable(reason: String)
    }

    let stripe: StripeSignature
    let intercom: IntercomSignature
    let inbound: [String: StandardWebhookSignature]

    /// Checks with `secrets`.
    package init(secrets: WebhookSecrets) {
        stripe = StripeSignature(secrets: secrets.stripe, tolerance: .max)
        intercom = IntercomSignature(secrets: secrets.intercom)
        inbound = secrets.inbound.mapValues { StandardWebhookSignature(secrets: $0, tolerance: .max) }
    }

    /// Checks one event; `nil` when it is not a received webhook.
    package func check(_ event: Event) -> Outcome? {
        guard event.type == "webhook.received" else { return nil }
        guard event.source == "stripe" || event.source == "intercom" || event.source.hasPrefix("in:") else {
            return .notVerifiable(reason: "\(event.source) proves itself with a token, which is never stored")
        }
        let failure: VerificationFailure? = event.payload.withUnsafeBytes { body in
            do throws(VerificationFailure) {
                try verify(event.source, event.metadata, body)
                return nil
            } catch {
                return error
            }
        }
        return failure.map { .failed(reason: $0.message) } ?? .verified
    }

    private func verify(
        _ source: String, _ headers: [String: String], _ body: UnsafeRawBufferPointer
    ) throws(VerificationFailure) {
        switch source {
        case "stripe":
            try stripe.verify(header: headers["stripe-signature"], body: body, now: nil)
        case "intercom":
            try intercom.verify(header: headers["x-hub-signature"], body: body)
        default:
            let name = String(source.dropFirst(3))
            guard let verifier = inbound[name] else {
                throw VerificationFailure(.invalidSignature, "no secret is configured for the inbound endpoint \(name)")
            }
            try verifier.verify(
                id: headers["webhook-id"], timestamp: headers["webhook-timestamp"],
                signatureHeader: headers["webhook-signature"],
                body: body, now: nil
            )
        }
    }

    /// Checks every event of `log` and counts the outcomes per source.
    package func run<Log: EventStore>(on log: Log) async throws -> SignatureReport {
        var report = SignatureReport()
        var position: UInt64 = 1
        while true {
            let batch = try await log.events(from: position, limit: 4096)
            guard let last = batch.last else { break }
            for event in batch {
                guard let outcome = check(event) else { continue }
                report.record(outcome, source: event.source, position: event.position)
            }
            position = last.position + 1
        }
        return report
    }
}

/// The outcome of a ``SignatureCheck`` over a log, per source.
package struct SignatureReport: Sendable, Encodable {
    /// One source's counts.
    package struct Counts: Sendable, Encodable {
        /// Webhooks whose kept signature matches.
        package var verified = 0
        /// Webhooks whose kept signature does not match.
        package var failed = 0
        /// Webhooks with nothing kept to check.
        package var notVerifiable = 0
        /// The failed positions, with the reason of each, in log order (the first 1,000).
        package var failures: [Failure] = []

        enum CodingKeys: String, CodingKey {
            case verified, failed, failures
            case notVerifiable = "not_verifiable"
        }
    }

    /// One failed webhook.
    package struct Failure: Sendable, Encodable {
        /// Its position in the log.
        package let position: UInt64
        /// Why it failed.
        package let reason: String
    }

    /// Counts by source.
    package var sources: [String: Counts] = [:]
    /// Whether no stored webhook failed.
    package var ok: Bool { sources.values.allSatisfy { $0.failed == 0 } }

    mutating func record(_ outcome: SignatureCheck.Outcome, source: String, position: UInt64) {
        switch outcome {
        case .verified:
            sources[source, default: Counts()].verified += 1
        case .notVerifiable:
            sources[source, default: Counts()].notVerifiable += 1
        case .failed(let reason):
            sources[source, default: Counts()].failed += 1
            if sources[source]!.failures.count < 1000 {
                sources[source]!.failures.append(Failure(position: position, reason: reason))
            }
        }
    }

    enum CodingKeys: String, CodingKey { case ok, sources }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(sources, forKey: .sources)
    }
}
