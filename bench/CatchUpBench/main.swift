// Catch-up speed of all projections from position 0 over a generated log of mixed events, beside a ceiling
// measured in the same run: the same events only read from the log and decoded by every projection.
// Usage: CatchUpBench DIR EVENTS. Prints `ceiling rate=…` and `projections rate=… peak_anon_mb=…` (heap, not the memory-mapped files).
import EventLog
import Foundation
import Logging
import Projections
import ServiceLifecycle
import Synchronization

let arguments = CommandLine.arguments
let directory = arguments.count > 1 ? arguments[1] : NSTemporaryDirectory() + "catchup-\(getpid())"
let count = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

/// Resident anonymous memory (heap and stacks) in MiB: the memory-mapped log and views are left out, since
/// the kernel pages them in and out as it likes.
func anonymousMegabytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// Anonymous memory at each tenth of the way, so that a plateau (or a rise) shows.
struct Timeline {
    private(set) var samples = [Int]()
    mutating func record(_ done: UInt64) {
        while samples.count < 10, done >= UInt64(count) * UInt64(samples.count + 1) / 10 {
            samples.append(anonymousMegabytes())
        }
    }
    var text: String { samples.map(String.init).joined(separator: ",") }
}

/// Realistic proportions: half Stripe, a quarter C2S, a fifth Intercom, the rest actions and rejections.
func generate(_ log: LMDBEventLog) async throws {
    var n = 0
    while n < count {
        var batch = [NewEvent]()
        for _ in 0..<min(2000, count - n) {
            n += 1
            let kind = n % 20
            switch kind {
            case 0..<10:
                let types = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]
                let type = types[n % 3]
                let object =
                    type == "charge.refunded"
                    ? #"{"id":"ch_\#(n % 50_000)","object":"charge","amount":\#(1000 + n % 9000),"amount_refunded":\#(n % 1000),"currency":"brl","payment_intent":"pi_\#(n % 50_000)","status":"succeeded","customer":"cus_\#(n % 7000)"}"#
                    : #"{"id":"pi_\#(n % 50_000)","object":"payment_intent","amount":\#(1000 + n % 9000),"amount_received":\#(1000 + n % 9000),"currency":"\#(n % 7 == 0 ? "usd" : "brl")","status":"succeeded","customer":"cus_\#(n % 7000)","description":"Assinatura mensal","metadata":{"order_id":"ord_\#(n)"},"payment_method_types":["card"]}"#
                let body =
                    #"{"id":"evt_\#(n)","object":"event","api_version":"2024-06-20","created":\#(1_763_900_000 + n),"livemode":false,"pending_webhooks":1,"request":{"id":"req_\#(n)","idempotency_key":null},"type":"\#(type)","data":{"object":\#(object)}}"#
                batch.append(
                    NewEvent(
                        type: "webhook.received", source: "stripe", idempotencyKey: "stripe:evt_\(n)",
                        metadata: ["event-type": type], payload: Array(body.utf8)
                    ))
            case 10..<15:
                let body =
                    #"{"id":"lead-\#(n % 20_000)","type":"lead","hook_action":"\#(["on_create_lead", "on_update_lead", "on_close_lead"][n % 3])","attributes":{"updated_at":"2026-11-23T10:\#(n % 60):00Z","customer":{"name":"Cliente \#(n)","email":"cliente\#(n)@example.com.br","phone":"(11) 9\#(String(format: "%04d", n % 10_000))-\#(String(format: "%04d", (n * 7) % 10_000))"},"product":{"description":"Apartamento","prop_ref":"AP-\#(n)","price":"R$ 500.000"},"description":"Gostaria de agendar uma visita."}}"#
                batch.append(
                    NewEvent(
                        type: "webhook.received", source: "c2s", idempotencyKey: "c2s:\(n)", payload: Array(body.utf8)))
            case 15..<19:
                let topic = ["conversation.admin.assigned", "conversation.admin.noted", "conversation.admin.closed"][
                    n % 3]
                let body =
                    #"{"type":"notification_event","app_id":"x7k2m9qa","id":"notif_\#(n)","topic":"\#(topic)","created_at":\#(1_763_900_000 + n),"data":{"type":"notification_event_data","item":{"type":"conversation","id":"\#(n % 30_000)","state":"open","team_assignee_id":5372074,"admin_assignee_id":4820115,"title":"Dúvida sobre a fatura"}}}"#
                batch.append(
                    NewEvent(
                        type: "webhook.received", source: "intercom", idempotencyKey: "intercom:\(n)",
                        metadata: ["event-type": topic],
                        payload: Array(body.utf8)))
            default:
                if n % 40 == 19 {
                    batch.append(
                        NewEvent(type: "webhook.rejected", source: "stripe", metadata: ["reason": "invalid_signature"]))
                } else {
                    // An action's life: requested by a reactor, then attempted and succeeded by the dispatcher.
                    let request = ActionRequest(
                        reactor: "intercom-lark", causedBy: UInt64(n - 1), index: n / 3, kind: "lark.card",
                        channel: "lark", target: "support",
                        params: ["topic": "conversation.admin.assigned", "conversation_id": "\(n % 30_000)"]
                    )
                    switch n % 3 {
                    case 0: batch.append(try request.event())
                    case 1:
                        let attempt = ActionAttempt(
                            actionId: request.actionId, attempt: 1, statusCode: 200, latencyMs: 120,
                            response: #"{"code":0}"#, sandbox: false)
                        batch.append(
                            NewEvent(
                                type: ActionEvent.attempted, source: ActionEvent.dispatcherSource,
                                metadata: ["action-kind": "lark.card"],
                                payload: try ActionCoding.encode(attempt)))
                    default:
                        batch.append(
                            NewEvent(
                                type: ActionEvent.succeeded, source: ActionEvent.dispatcherSource,
                                metadata: ["action-kind": "lark.card"],
                                payload: try ActionCoding.encode(ActionResult(actionId: request.actionId))))
                    }
                }
            }
        }
        _ = try await log.append(batch)
    }
}

/// CPU seconds this process has used so far, user and system.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
        usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func run() async throws {
    try? FileManager.default.removeItem(atPath: directory)
    let log = try LMDBEventLog(directory: directory + "/log", logger: quiet)
    try await generate(log)
    let projections = BuiltInProjections.all

    // Ceiling: read every event and decode it for every projection that wants it, in batches, in parallel.
    var start = ContinuousClock.now
    var cpu = cpuSeconds()
    var position: UInt64 = 1
    var decoded = 0
    while true {
        let batch = try log.events(from: position, limit: 1024)
        if batch.isEmpty { break }
        decoded += await withTaskGroup(of: Int.self) { group in
            let half = batch.count / 2
            for slice in [batch[..<half], batch[half...]] {
                group.addTask {
                    var n = 0
                    for event in slice {
                        n += try! Upcasters.builtIn.with(event) { event in
                            projections.count { (try? $0.decode(event)) != nil }
                        }
                    }
                    return n
                }
            }
            return await group.reduce(0, +)
        }
        position = batch[batch.count - 1].position + 1
    }
    let ceiling = Double(count) / seconds(ContinuousClock.now - start)
    print(
        "ceiling events=\(count) decoded=\(decoded) rate=\(Int(ceiling)) cpu_us_per_event=\(Int((cpuSeconds() - cpu) * 1e6) / count)"
    )

    start = ContinuousClock.now
    cpu = cpuSeconds()
    var peakAnonymous = 0
    var timeline = Timeline()
    let store = try ProjectionStore(directory: directory + "/views", logger: quiet)
    let runner = ProjectionRunner(log: log, store: store, projections: projections, logger: quiet)
    let group = ServiceGroup(services: [runner], gracefulShutdownSignals: [], logger: quiet)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var finished = [String: Double]()
        while !(runner.statuses().count == projections.count
            && runner.statuses().allSatisfy { $0.checkpoint == UInt64(count) })
        {
            for status in runner.statuses() where status.checkpoint == UInt64(count) && finished[status.name] == nil {
                finished[status.name] = seconds(ContinuousClock.now - start)
            }
            if let failed = runner.statuses().first(where: { if case .failed = $0.state { true } else { false } }) {
                print("projection failed: \(failed)")
                exit(1)
            }
            peakAnonymous = max(peakAnonymous, anonymousMegabytes())
            timeline.record(runner.statuses().map(\.checkpoint).min() ?? 0)
            try await Task.sleep(for: .milliseconds(20))
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        // When each projection caught up: the slowest one alone sets the pace at the end.
        let total = seconds(ContinuousClock.now - start)
        print(
            "finished_s "
                + projections.map { "\($0.name)=\(String(format: "%.1f", finished[$0.name] ?? total))" }.joined(
                    separator: " "))
    }
    let rate = Double(count) / seconds(ContinuousClock.now - start)
    print(
        "projections events=\(count) rate=\(Int(rate)) ratio=\(String(format: "%.2f", rate / ceiling)) peak_anon_mb=\(peakAnonymous) timeline_anon_mb=\(timeline.text) cpu_us_per_event=\(Int((cpuSeconds() - cpu) * 1e6) / count)"
    )

    // `replay rebuild`: the same views built again beside the live ones, then switched to.
    start = ContinuousClock.now
    cpu = cpuSeconds()
    let peak = Mutex((0, Timeline()))
    _ = try await Rebuild.inPlace(log: log, store: store, projections: projections, logger: quiet) { done, _ in
        peak.withLock {
            $0.0 = max($0.0, anonymousMegabytes()); $0.1.record(done)
        }
    }
    let rebuildRate = Double(count) / seconds(ContinuousClock.now - start)
    print(
        "rebuild events=\(count) seconds=\(String(format: "%.1f", seconds(ContinuousClock.now - start))) rate=\(Int(rebuildRate)) ratio=\(String(format: "%.2f", rebuildRate / ceiling)) peak_anon_mb=\(peak.withLock { $0.0 }) timeline_anon_mb=\(peak.withLock { $0.1.text }) cpu_us_per_event=\(Int((cpuSeconds() - cpu) * 1e6) / count)"
    )
    store.close()
    await log.close()
    try? FileManager.default.removeItem(atPath: directory)
}

try await run()
