internal import CNATS

/// A failure of the NATS client or of JetStream: its kind, what was being done with the client's status text, and
/// JetStream's own error code when it gave one.
package struct NATSError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, such as `log_unavailable`.
        package let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        /// No server answered (none reachable, the connection closed, a timeout, no responders): a retry may help.
        package static let logUnavailable = Code("log_unavailable")
        /// What was asked for does not exist.
        package static let notFound = Code("not_found")
        /// JetStream refused a publish because the stream's last sequence was not the one expected: another node
        /// appended first (`JSStreamWrongLastSequenceErr`).
        package static let wrongLastSequence = Code("wrong_last_sequence")
        /// A message of the stream does not follow the log's message layout.
        package static let corrupt = Code("log_corrupt")
        /// Any other failure of the client or the server.
        package static let failure = Code("log_failure")
    }

    package let code: Code
    package let message: String
    /// JetStream's error code, or 0.
    package let jetStreamCode: Int
    package var description: String { "\(code): \(message)" }

    /// JetStream refused a publish because the stream's last sequence was not the one expected.
    package var isWrongLastSequence: Bool { code == .wrongLastSequence }
}

/// The one place where a libnats status becomes a Swift error. A status the caller names in `expected` is an
/// answer, not a failure (a key that exists, an entry not found): it is returned for the caller to act on. `NATS_OK`
/// is returned too.
@discardableResult
func natsCheck(
    _ status: natsStatus, _ what: @autoclosure () -> String, jetStreamCode: jsErrCode = jsErrCode(rawValue: 0),
    expected: [natsStatus] = []
) throws(NATSError) -> natsStatus {
    guard status != NATS_OK, !expected.contains(status) else { return status }
    var text = String(cString: natsStatus_GetText(status))
    if let detail = nats_GetLastError(nil) {
        let described = String(cString: detail)
        if !described.isEmpty, described != text { text += " (\(described))" }
    }
    let code: NATSError.Code =
        switch (status, jetStreamCode) {
        case (_, JSStreamWrongLastSequenceErr): .wrongLastSequence
        case (NATS_NO_SERVER, _), (NATS_CONNECTION_CLOSED, _), (NATS_CONNECTION_DISCONNECTED, _), (NATS_TIMEOUT, _),
            (NATS_NO_RESPONDERS, _):
            .logUnavailable
        case (NATS_NOT_FOUND, _): .notFound
        default: .failure
        }
    throw NATSError(
        code: code,
        message: "\(what()): \(text)"
            + (jetStreamCode.rawValue != 0 ? " (JetStream error \(jetStreamCode.rawValue))" : ""),
        jetStreamCode: Int(jetStreamCode.rawValue))
}
