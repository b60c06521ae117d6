import Crypto
import Foundation
import EventLog
import Hummingbird
import Logging
import CoreMetrics

/// A refused webhook: the answer to send, and what the log may keep of it (never the body).
struct Rejection: Error {
    let error: GatewayError
    /// Whether it is appended as `webhook.rejected` (rate limiting is only counted).
    var recordable = true
    var bodyLength: Int?
    var bodySHA256: String?

    init(_ error: GatewayError, recordable: Bool = true, declaredLength: Int? = nil) {
        self.error = error
        self.recordable = recordable
        self.bodyLength = declaredLength
    }

    init(_ error: GatewayError, body: UnsafeRawBufferPointer) {
        self.error = error
        bodyLength = body.count
        bodySHA256 = Hex.encode(SHA256.hash(data: body))
    }
}

extension IngestController {
    /// Appends `webhook.rejected` within the sender's per-minute quota; beyond it, only counts.
    func record(_ rejection: Rejection, source: WebhookSource, context: GatewayContext) async {
        guard rejectionQuota.take(context.remoteAddress, nowSeconds: Timestamp.now().seconds) else {
            metrics.unloggedRejections.increment()
            return
        }
        var metadata = [
            "reason": rejection.error.code,
            "remote-address": context.remoteAddress,
            "request-id": context.requestID,
        ]
        if let length = rejection.bodyLength { metadata["body-length"] = "\(length)" }
        if let digest = rejection.bodySHA256 { metadata["body-sha256"] = digest }
        let event = NewEvent(type: "webhook.rejected", source: source.name, metadata: metadata)
        do {
            _ = try await log.append(event)
        } catch {
            context.logger.warning("could not record a rejection", metadata: ["error": "\(error)"])
        }
    }
}
