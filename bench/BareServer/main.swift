// The ceilings for the ingest benchmark: a bare Hummingbird server whose one POST route reads the body and
// answers 200; with a data directory, the same route also appends the body to an event log (group commit, fsync)
// before it answers, with no verification, scanning or projections: the least an ack that means durable costs.
// Usage: BareServer PORT [LOG_DIR].
import EventLog
import Hummingbird
import Logging
import Synchronization

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let log =
    try arguments.count > 2
    ? LMDBEventLog(directory: arguments[2], logger: Logger(label: "bare") { _ in SwiftLogNoOpLogHandler() }) : nil
let counter = Atomic<Int>(0)
let router = Router()
router.post("/webhooks/stripe") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    if let log {
        let number = counter.add(1, ordering: .relaxed).newValue
        _ = try await log.append(
            NewEvent(
                type: "webhook.received", source: "bare", idempotencyKey: "bare:\(number)", payload: Array(buffer: body)
            ))
    }
    return Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"status":"accepted"}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
await log?.close()
