import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Projections
import ServiceLifecycle

extension ReadController {
    /// How long one `GET /api/stream` lasts before it ends (the browser's `EventSource` reconnects on its own).
    static var streamLifetime: Duration { .seconds(300) }

    /// `GET /api/stream`: Server-Sent Events that follow the log's head (`event: head`, `{"position","hash"}`) and the
    /// projections' checkpoints (`event: projections`, `[{"name","checkpoint","lag","state"}]`), each sent when it
    /// changes and checked at least once a second, with a comment line every 15 s to keep proxies from closing an
    /// idle stream. It ends after ``streamLifetime``, when the client goes, or when the gateway shuts down.
    func stream() -> Response {
        let body = ResponseBody { writer in
            let start = ContinuousClock.now
            var lastHead: LogHead?
            var lastProjections = ""
            var lastWrite = ContinuousClock.now
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            do {
                while !Task.isCancelled, !Task.isShuttingDownGracefully,
                    ContinuousClock.now - start < Self.streamLifetime
                {
                    let head = try await log.head()
                    if head != lastHead {
                        try await writer.write(
                            ByteBuffer(
                                string:
                                    "event: head\ndata: {\"position\":\(head.position),\"hash\":\"\(head.hash.hex)\"}\n\n"
                            ))
                        lastHead = head
                        lastWrite = .now
                    }
                    let projections =
                        "["
                        + runner.statuses().map { status in
                            #"{"name":\#(JSONText.quote(status.name)),"checkpoint":\#(status.checkpoint),"lag":\#(head.position - min(head.position, status.checkpoint)),"state":"\#(status.state.name)"}"#
                        }.joined(separator: ",") + "]"
                    if projections != lastProjections {
                        try await writer.write(ByteBuffer(string: "event: projections\ndata: \(projections)\n\n"))
                        lastProjections = projections
                        lastWrite = .now
                    }
                    if ContinuousClock.now - lastWrite >= .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                    await waitForEvents(after: head.position, atMost: .seconds(1))
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body
        )
    }

    /// Returns when the log holds an event after `position`, or after `limit`, whichever comes first.
    private func waitForEvents(after position: UInt64, atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await log.waitForEvents(after: position) }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }
}
