import Hummingbird
import Foundation
import NIOCore
import Logging

/// Turns every error that escapes a route into the JSON error shape, so no client ever sees a bare 500 page.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GatewayError {
            throw error
        } catch let error as HTTPError {
            let code =
                switch error.status {
                case .notFound: "not_found"
                case .methodNotAllowed: "method_not_allowed"
                case .contentTooLarge: "payload_too_large"
                default: "http_\(error.status.code)"
                }
            throw GatewayError(error.status, code, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch is NIOTooManyBytesError {
            throw GatewayError(.contentTooLarge, "payload_too_large", "the body is larger than this gateway accepts")
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw GatewayError(
                .internalServerError, "internal_error", "the gateway failed to handle this request; it has been logged")
        }
    }
}
