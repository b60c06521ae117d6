/// Checks Contact2Sale's shared token in `X-Webhook-Token`, in constant time.
package struct C2SToken: Sendable {
    let tokens: [String]

    /// Accepts any of `tokens`.
    package init(tokens: [String]) { self.tokens = tokens }

    /// Checks `header` (`X-Webhook-Token`).
    package func verify(header: String?) throws(VerificationFailure) {
        guard !tokens.isEmpty else {
            throw VerificationFailure(
                .invalidToken, "no Contact2Sale token is configured, so every Contact2Sale webhook is refused")
        }
        guard let header, !header.isEmpty else {
            throw VerificationFailure(.invalidToken, "the X-Webhook-Token header is missing")
        }
        var matched = false
        for token in tokens where Verification.constantTimeEquals(secret: token, header) { matched = true }
        guard matched else {
            throw VerificationFailure(.invalidToken, "X-Webhook-Token does not match a configured token")
        }
    }
}
