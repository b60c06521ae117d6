import Foundation
import Hummingbird

extension Parameters {
    /// The path parameter `name`, percent-decoded (`a%20b` is `a b`), as the ids it names are stored; a 400 when it
    /// is missing or its percent-encoding is not valid UTF-8.
    func requireDecoded(_ name: String) throws -> String {
        let raw = try require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw GatewayError(
                .badRequest, "invalid_parameter", "the path's \(name) is not valid percent-encoded UTF-8")
        }
        return decoded
    }
}
