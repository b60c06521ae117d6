import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser refuses with the gateway's JSON error, instead of the empty `400` the HTTP
/// layer would send: `431 header_too_large` for a header section over the decoder's limits, `400 invalid_http`
/// for anything else it cannot parse. The connection is closed after the answer, as it must be: the parser cannot
/// find where the next request starts.
///
/// It sits after the HTTP/1 codec, so it sees the parser's error before the application does, and swallows it.
final class HTTPParseErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    /// Whether a request's head has gone up the pipeline: once the application has a request, it answers it.
    private var requestStarted = false
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: requestStarted = true
        case .end: requestStarted = false
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !requestStarted, !answered else {
            context.fireErrorCaught(error)
            return
        }
        answered = true
        let (status, code, message) = Self.answer(to: parserError)
        let body = #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        let head = HTTPResponse(
            status: status,
            headerFields: [
                .contentType: "application/json", .contentLength: "\(buffer.readableBytes)", .connection: "close",
            ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    /// The status, code and message for a parser error; messages are constant text, never what the client sent.
    static func answer(to error: HTTPParserError) -> (HTTPResponse.Status, String, String) {
        switch error {
        case .headerOverflow:
            (
                .requestHeaderFieldsTooLarge, "header_too_large",
                "the request's header section is larger than this gateway accepts"
            )
        default:
            (.badRequest, "invalid_http", "the request is not valid HTTP/1.1 (\(error))")
        }
    }
}
