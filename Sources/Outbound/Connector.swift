import HTTPTypes
import Projections

/// One HTTP call to a target.
package struct OutboundCall: Sendable {
    var method: HTTPRequest.Method = .post
    var url: String
    var headers: [(String, String)] = [("Content-Type", "application/json")]
    var body: [UInt8]
}

/// Turns an action of one channel into the call its target takes, credentials included: credentials come from
/// the configuration at call time and never enter the log.
package protocol Connector: Sendable {
    /// The channel it carries, such as `lark`.
    var channel: String { get }
    /// The call for `action`; throws ``ConnectorError`` when the action cannot be carried (no such target).
    func call(for action: ActionRequest, now: Int64) throws -> OutboundCall
    /// What later steps need from a successful response body; `nil` for nothing.
    func output(of action: ActionRequest, response: [UInt8]) -> [String: String]?
    /// What a sandbox delivery reports instead.
    func sandboxOutput(of action: ActionRequest) -> [String: String]?
    /// For a service that reports errors in the body of a 2xx answer: the refusal that `response` holds, or `nil`
    /// when it is a success.
    func refusal(in response: [UInt8]) -> Refusal?
}

/// A call the target answered with a 2xx status but refused in its body.
package struct Refusal: Equatable {
    /// What the target said, with its code.
    let message: String
    /// Whether a later attempt may succeed (a rate limit, a server error); `false` for what only a change of
    /// configuration fixes (a bad signature, a missing keyword), which makes the action dead at once.
    let retryable: Bool
}

extension Connector {
    package func output(of action: ActionRequest, response: [UInt8]) -> [String: String]? { nil }
    package func sandboxOutput(of action: ActionRequest) -> [String: String]? { nil }
    package func refusal(in response: [UInt8]) -> Refusal? { nil }
}

/// An action no attempt can carry, such as one for a target that is not configured: it is dead at once.
struct ConnectorError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Money in minor units as text, such as `1299.00 BRL`, `500 JPY` or `1.250 KWD`, in the currency's own number of
/// decimals (ISO 4217, as Stripe counts them), with integer arithmetic only; any `Int64` is written, `Int64.min`
/// included.
package func formatMoney(_ minor: Int64, currency: String) -> String {
    let code = currency.uppercased()
    let exponent = MinorUnits.exponent(of: currency)
    guard exponent > 0 else { return "\(minor) \(code)" }
    var scale: UInt64 = 1
    for _ in 0..<exponent { scale *= 10 }
    let magnitude = minor.magnitude
    let fraction = String(magnitude % scale)
    let padding = String(repeating: "0", count: exponent - fraction.count)
    return "\(minor < 0 ? "-" : "")\(magnitude / scale).\(padding)\(fraction) \(code)"
}
