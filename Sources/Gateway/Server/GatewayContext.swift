import Hummingbird
import NIOCore

/// The request context of the gateway: Hummingbird's core storage plus the sender's address.
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The remote IP address, or `unknown`.
    let remoteAddress: String
    /// A unique id for this request, sent back in `X-Request-Id` and stored with what it appends.
    let requestID: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = RequestID().description
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
