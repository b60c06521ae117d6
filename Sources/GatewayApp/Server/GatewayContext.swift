import Hummingbird
import NIOCore
import Logging

/// The request context of the gateway: Hummingbird's core storage plus the sender's address.
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's IP address, or `unknown`: the peer's, or the one a trusted proxy names (see
    /// ``ClientAddressMiddleware``).
    var remoteAddress: String
    /// The address of the peer that opened the connection (the proxy, behind one).
    let peerAddress: String
    /// A unique id for this request, sent back in `X-Request-Id` and stored with what it appends.
    let requestID: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        // The same id Hummingbird puts in this request's log metadata, so logs and X-Request-Id agree.
        requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? RequestID().description
        peerAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        remoteAddress = peerAddress
    }
}
