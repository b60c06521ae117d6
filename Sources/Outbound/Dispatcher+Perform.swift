import AsyncHTTPClient
import EventLog
import Foundation
import NIOCore
import NIOHTTP1
import Projections
import Logging
import HTTPTypes

/// What one attempt led to, as the events that record it.
struct AttemptOutcome {
    let events: [NewEvent]
    /// `succeeded`, `failed` or `dead`.
    let result: String
    /// Whether it counts against the target's circuit.
    let failed: Bool
}

extension Dispatcher {
    /// Calls out for `entry` (live mode; sandbox runs are recorded by ``sandboxDelivery(_:)``) and returns the
    /// records of what happened; `nil` when the gateway is shutting down mid-call.
    func perform(_ entry: OutboxProjection.Entry) async -> AttemptOutcome? {
        let request = entry.request
        let attempt = entry.attempts + 1
        let started = ContinuousClock.now
        func milliseconds() -> Int64 { Int64((ContinuousClock.now - started) / .milliseconds(1)) }
        guard let connector = connectors[request.channel] else {
            return record(request, nil, .dead("no connector carries the channel \(request.channel)"))
        }
        let call: OutboundCall
        do {
            call = try connector.call(for: request, now: Timestamp.now().nanosecondsSinceEpoch)
        } catch {
            return record(request, nil, .dead("\(error)"))
        }
        var http = HTTPClientRequest(url: call.url)
        http.method = HTTPMethod(rawValue: call.method.rawValue)
        for (name, value) in call.headers { http.headers.add(name: name, value: value) }
        http.body = .bytes(ByteBuffer(bytes: call.body))
        do {
            let response = try await client.execute(http, timeout: .seconds(Int64(configuration.timeoutSeconds)))
            let body = Array((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            let status = Int(response.status.code)
            let record = ActionAttempt(
                actionId: request.actionId, attempt: attempt, statusCode: status, latencyMs: milliseconds(),
                response: String(decoding: body.prefix(2048), as: UTF8.self), sandbox: false
            )
            if (200..<300).contains(status) {
                guard let refusal = connector.refusal(in: body) else {
                    return self.record(
                        request, record,
                        .succeeded(output: connector.output(of: request, response: body), sandbox: false))
                }
                guard refusal.retryable else { return self.record(request, record, .dead(refusal.message)) }
                return self.record(request, record, next(after: attempt, retryAfter: nil, error: refusal.message))
            }
            let retryable = status == 408 || status == 425 || status == 429 || status >= 500
            let retryAfter = response.headers.first(name: "Retry-After").flatMap {
                Int64($0.trimmingCharacters(in: .whitespaces))
            }
            guard retryable else {
                return self.record(request, record, .dead("the target refused the call: HTTP \(status)"))
            }
            return self.record(request, record, next(after: attempt, retryAfter: retryAfter, error: "HTTP \(status)"))
        } catch {
            if Task.isCancelled { return nil }
            let record = ActionAttempt(
                actionId: request.actionId, attempt: attempt, statusCode: nil, latencyMs: milliseconds(),
                response: "\(error)", sandbox: false)
            return self.record(request, record, next(after: attempt, retryAfter: nil, error: "\(error)"))
        }
    }

    /// The record of a sandbox delivery: succeeded with `sandbox: true` and the connector's made-up output,
    /// and no attempt, since nothing was called.
    func sandboxDelivery(_ request: ActionRequest) -> AttemptOutcome? {
        record(request, nil, .succeeded(output: connectors[request.channel]?.sandboxOutput(of: request), sandbox: true))
    }

    /// How an attempt ended.
    enum Ending {
        case succeeded(output: [String: String]?, sandbox: Bool)
        case failed(error: String, nextAttemptAt: Int64)
        case dead(String)
    }

    /// After failed attempt number `attempt`: the next try from the schedule, with ±20 % jitter and no sooner
    /// than `Retry-After`; or dead when the schedule is used up.
    func next(after attempt: Int, retryAfter: Int64?, error: String) -> Ending {
        guard attempt < configuration.retrySchedule.count else { return .dead("\(error) after \(attempt) attempts") }
        let delay = Double(configuration.retrySchedule[attempt]) * Double.random(in: 0.8...1.2)
        let seconds = max(Int64(delay * 1_000_000_000), (retryAfter ?? 0) * 1_000_000_000)
        return .failed(error: error, nextAttemptAt: Timestamp.now().nanosecondsSinceEpoch + seconds)
    }

    func record(_ request: ActionRequest, _ attempt: ActionAttempt?, _ ending: Ending) -> AttemptOutcome? {
        do {
            var events = [NewEvent]()
            let metadata = ["action-kind": request.kind, "channel": request.channel, "subject": request.subject ?? ""]
            if let attempt {
                events.append(
                    NewEvent(
                        type: ActionEvent.attempted, source: ActionEvent.dispatcherSource, metadata: metadata,
                        payload: try ActionCoding.encode(attempt)))
            }
            let (type, result): (String, ActionResult) =
                switch ending {
                case .succeeded(let output, let sandbox):
                    (ActionEvent.succeeded, ActionResult(actionId: request.actionId, output: output, sandbox: sandbox))
                case .failed(let error, let next):
                    (ActionEvent.failed, ActionResult(actionId: request.actionId, error: error, nextAttemptAt: next))
                case .dead(let error): (ActionEvent.dead, ActionResult(actionId: request.actionId, error: error))
                }
            events.append(
                NewEvent(
                    type: type, source: ActionEvent.dispatcherSource, metadata: metadata,
                    payload: try ActionCoding.encode(result)))
            let label = String(type.dropFirst("action.".count))
            return AttemptOutcome(events: events, result: label, failed: label != "succeeded")
        } catch {
            logger.error(
                "could not encode an action record",
                metadata: ["action_id": "\(request.actionId)", "error": "\(error)"])
            return nil
        }
    }
}
