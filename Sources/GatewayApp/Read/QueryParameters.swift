import Foundation
import Hummingbird

/// Reads and checks query parameters, failing with 400 and a message that names the parameter.
struct QueryParameters {
    let request: Request

    func string(_ name: String) -> String? {
        request.uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer<T: FixedWidthInteger>(_ name: String, _ range: ClosedRange<T>, default value: T? = nil) throws -> T? {
        guard let text = string(name) else { return value }
        guard let number = T(text), range.contains(number) else {
            throw GatewayError(
                .badRequest, "invalid_parameter",
                "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// `limit`: default 50, at most 500.
    var limit: Int { get throws { try integer("limit", 1...500, default: 50)! } }

    func date(_ name: String) throws -> String? {
        guard let text = string(name) else { return nil }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        guard text.count == 10, formatter.date(from: text) != nil else {
            throw GatewayError(.badRequest, "invalid_parameter", "\(name) must be a date as YYYY-MM-DD")
        }
        return text
    }
}

/// A JSON response from an encodable value, with keys sorted.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return jsonResponse(bytes: try encoder.encode(value), status: status)
}

/// A JSON response from a JSON-compatible dictionary or array.
func jsonResponse(object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
    jsonResponse(
        bytes: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
        status: status)
}

/// A JSON response of bytes already encoded.
func jsonResponse(bytes: Data, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// A page of a list.
struct Page<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?
}

func notFound(_ what: String) -> GatewayError {
    GatewayError(.notFound, "not_found", "no \(what)")
}
