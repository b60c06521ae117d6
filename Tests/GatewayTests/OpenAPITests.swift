import EventLog
import Foundation
import Projections
import Testing
import TestSupport
@testable import GatewayApp
@testable import Outbound
import Hummingbird
import HTTPTypes

@Suite("OpenAPI document")
struct OpenAPITests {
    static func document() throws -> [String: Any] {
        let root = projectRoot
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let json = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }.joined(
            separator: "\n")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("every route is in docs/openapi.yaml and every documented operation is a route")
    func routesMatchTheDocument() async throws {
        try await withTemporaryDirectory("openapi") { directory in
            var configuration = GatewayConfiguration()
            configuration.dataDirectory = directory
            let metrics = GatewayMetrics()
            let log = try openLog(configuration, metrics: metrics, logger: quietLogger)
            let views = try openViews(configuration, logger: quietLogger)
            let runner = ProjectionRunner(log: log, store: views, projections: [], logger: quietLogger)
            let router = try buildRouter(
                configuration, log: log, views: views, runner: runner, metrics: metrics, components: ComponentHealth(),
                logger: quietLogger)
            // The console's HTML pages (docs/console.md) are not part of the JSON API this document describes.
            let routed = Set(
                router.routes.map { route in
                    let path = "\(route.path)".split(separator: "/").map {
                        $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                    }
                    return "\(route.method.rawValue.lowercased()) /" + path.joined(separator: "/")
                }
                .filter { !$0.hasSuffix(" /") && !$0.contains(" /console") })
            let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
            #expect(
                routed.subtracting(documented).isEmpty,
                "routes missing from docs/openapi.yaml: \(routed.subtracting(documented).sorted())")
            #expect(
                documented.subtracting(routed).isEmpty,
                "documented operations with no route: \(documented.subtracting(routed).sorted())")
            views.close()
            await log.close()
        }
    }

    @Test("GET /openapi.json serves the same document as docs/openapi.yaml (run scripts/embed-openapi after editing)")
    func servedDocument() async throws {
        try await TestGateway.run { gateway in
            let served = try await gateway.get("/openapi.json")
            #expect(served.status == 200)
            let servedObject = try #require(served.json)
            #expect(NSDictionary(dictionary: servedObject).isEqual(to: try Self.document()))
            #expect(servedObject["openapi"] as? String == "3.1.0")
        }
    }
}
