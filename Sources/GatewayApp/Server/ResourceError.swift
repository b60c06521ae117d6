/// A failure that is ours, not the user's: a resource of the gateway (the console's templates and assets, the OpenAPI
/// document) missing from the build or broken. It stops start-up with one line.
package struct ResourceError: Error, CustomStringConvertible {
    let code = "resources_missing"
    let message: String
    init(_ message: String) { self.message = message }
    package var description: String { "\(code): \(message)" }
}
