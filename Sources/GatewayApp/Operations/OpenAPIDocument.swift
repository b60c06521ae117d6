import Foundation
import NIOCore

/// The gateway's OpenAPI 3.1 document, served at `GET /openapi.json`: the resource `openapi.json` beside this file, as
/// it is. A test fails when the document and the router disagree.
struct OpenAPIDocument: Sendable {
    let bytes: ByteBuffer

    /// Loads the document; throws when the resource is missing from the build or is not JSON.
    static func load(from resources: URL? = Bundle.module.resourceURL) throws -> OpenAPIDocument {
        guard let url = resources?.appendingPathComponent("openapi.json"), let data = try? Data(contentsOf: url) else {
            throw ResourceError("the OpenAPI document (openapi.json) is missing from this build")
        }
        guard (try? JSONSerialization.jsonObject(with: data)) != nil else {
            throw ResourceError("the OpenAPI document (openapi.json) is not JSON")
        }
        return OpenAPIDocument(bytes: ByteBuffer(bytes: data))
    }
}
