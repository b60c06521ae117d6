import Hummingbird
import NIOCore

/// The request context of the gateway: Hummingbird's core storage plus the sender's address.
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The remote IP address, or `unknown`.
    let remoteAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
