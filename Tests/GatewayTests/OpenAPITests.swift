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
        let data = try Data(contentsOf: root.appendingPathComponent("Sources/GatewayApp/Operations/openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("every route is in openapi.json and every documented operation is a route")
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
                "routes missing from openapi.json: \(routed.subtracting(documented).sorted())")
            #expect(
                documented.subtracting(routed).isEmpty,
                "documented operations with no route: \(documented.subtracting(routed).sorted())")
            views.close()
            await log.close()
        }
    }

    @Test("GET /openapi.json serves the document in Sources/GatewayApp/Operations/openapi.json")
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
