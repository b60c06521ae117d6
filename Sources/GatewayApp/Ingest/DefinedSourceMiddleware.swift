import EventLog
import Hummingbird

/// Serves the sources defined through the admin API: a POST that no route takes goes to the source whose path it is,
/// as this gateway's `sources` projection has it now (``SourceCatalog``); else it is the 404 it was. Routes come
/// first, so the built-in and config file paths are never looked up here.
struct DefinedSourceMiddleware<Log: EventStore>: RouterMiddleware {
    let ingest: IngestController<Log>

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.method == .post {
            guard let source = try ingest.catalog.source(at: request.uri.path) else {
                throw error
            }
            return try await ingest.ingest(request, context, source)
        }
    }
}
