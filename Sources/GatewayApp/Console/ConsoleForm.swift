import Hummingbird

/// The console's forms, decoded from their `application/x-www-form-urlencoded` bodies by Hummingbird's
/// `URLEncodedFormDecoder`: a field the page does not send is `nil`, so a missing one is a check, not a crash.
enum ConsoleForm {
    /// `POST /console/sign-in`.
    struct SignIn: Decodable {
        var token: String?
        var key: String?
        var next: String?
        enum CodingKeys: String, CodingKey { case token = "sign_in_token", key, next }
    }

    /// Every form that changes something carries the session's CSRF token.
    struct Guarded: Decodable {
        var csrf: String?
    }

    /// `POST /console/payments/{id}/refund`: the amount typed, then the confirmation with its one-time token.
    struct Refund: Decodable {
        var amount: String?
        var confirm: String?
        var refundToken: String?
        enum CodingKeys: String, CodingKey { case amount, confirm, refundToken = "refund_token" }
    }

    /// The body of `request` (at most 16 KiB) as text.
    static func body(_ request: Request) async throws -> String {
        String(buffer: try await request.body.collect(upTo: 16 << 10))
    }

    /// `text` decoded as `T`; a 400 `invalid_form` when it is not a form of that shape.
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: text)
        } catch {
            throw GatewayError(
                .badRequest, "invalid_form", "the form's fields cannot be read; reload the page and try again")
        }
    }
}
