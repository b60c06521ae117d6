import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The console's Mustache templates and static assets, read once from the target's resources (`Templates/`,
/// `Assets/`). Templates escape every `{{value}}` as HTML; none uses triple braces except for SVG our own code draws.
struct ConsoleTemplates: Sendable {
    let library: MustacheLibrary
    /// Asset bytes and content type by file name; only these names are served.
    let assets: [String: (bytes: ByteBuffer, contentType: String)]

    /// The console's policy: scripts, styles and images from the gateway only, no inline script or style, no framing.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// Loads the templates and assets; throws when the resources are missing or a template does not parse (a
    /// broken build).
    static func load(from resources: URL? = Bundle.module.resourceURL) throws -> ConsoleTemplates {
        guard let root = resources else {
            throw ResourceError("the console's resources are missing from this build")
        }
        var library = MustacheLibrary()
        let templates = root.appendingPathComponent("Templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path)
        where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw ResourceError("the console template \(name) does not parse: \(error)")
            }
        }
        for name in ["layout", "error", "sign-in"] where library.getTemplate(named: name) == nil {
            throw ResourceError("the console template \(name).mustache is missing from this build")
        }
        var assets = [String: (bytes: ByteBuffer, contentType: String)]()
        let folder = root.appendingPathComponent("Assets")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let types = [
                "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml",
                "png": "image/png",
            ]
            guard let type = types[(name as NSString).pathExtension] else { continue }
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            assets[name] = (ByteBuffer(bytes: data), type)
        }
        return ConsoleTemplates(library: library, assets: assets)
    }

    /// `template` rendered with `context` as an HTML response.
    func page(
        _ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        let html =
            library.render(context, withTemplate: template)
            ?? "<!DOCTYPE html><title>Error</title><p>missing template \(template)</p>"
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.contentSecurityPolicy] = Self.contentSecurityPolicy
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The asset `name`, or `nil`.
    func asset(_ name: String) -> Response? {
        guard let asset = assets[name] else { return nil }
        return Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: asset.bytes)
        )
    }
}
