internal import CNATS

/// A failure of the NATS client or of JetStream: what was being done, the client's status text, and JetStream's
/// own error code when it gave one (10071 is "wrong last sequence": another node appended first).
package struct NATSError: Error, CustomStringConvertible, Sendable {
    package let code: String
    package let message: String
    /// JetStream's error code, or 0.
    package let jetStreamCode: Int
    package var description: String { "\(code): \(message)" }

    /// JetStream refused a publish because the stream's last sequence was not the one expected.
    package var isWrongLastSequence: Bool { jetStreamCode == 10071 }
}

/// The one place where a libnats status becomes a Swift error.
func natsCheck(
    _ status: natsStatus, _ what: @autoclosure () -> String, jetStreamCode: jsErrCode = jsErrCode(rawValue: 0)
) throws(NATSError) {
    guard status != NATS_OK else { return }
    var text = String(cString: natsStatus_GetText(status))
    if let detail = nats_GetLastError(nil) {
        let described = String(cString: detail)
        if !described.isEmpty, described != text { text += " (\(described))" }
    }
    let code =
        switch status {
        case NATS_NO_SERVER, NATS_CONNECTION_CLOSED, NATS_CONNECTION_DISCONNECTED, NATS_TIMEOUT, NATS_NO_RESPONDERS:
            "log_unavailable"
        case NATS_NOT_FOUND: "not_found"
        default: "log_failure"
        }
    throw NATSError(
        code: code,
        message: "\(what()): \(text)"
            + (jetStreamCode.rawValue != 0 ? " (JetStream error \(jetStreamCode.rawValue))" : ""),
        jetStreamCode: Int(jetStreamCode.rawValue))
}
