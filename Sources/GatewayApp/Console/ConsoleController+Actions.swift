import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Outbound
import Projections

extension ConsoleController {
    typealias Notification = NotificationsProjection.Notification

    /// Delivery history per channel and target, failed and dead actions with their last answer (and a retry button
    /// for admins), and each target's circuit breaker.
    func actions(_ request: Request, _ page: inout PageContext) throws -> String {
        let all =
            try store.read("notifications") {
                try $0.list(Notification.self, in: "actions", limit: 100_000).map(\.value)
            }
            ?? []
        var byTarget = [String: [String: Int]]()
        for action in all {
            byTarget["\(action.channel ?? "?")/\(action.target ?? "?")", default: [:]][action.status, default: 0] += 1
        }
        page.fields["targets"] = byTarget.keys.sorted().map { target -> [String: Any] in
            let counts = byTarget[target]!
            return [
                "target": target, "delivered": counts["delivered"] ?? 0,
                "pending": (counts["pending"] ?? 0) + (counts["attempted"] ?? 0),
                "failed": counts["failed"] ?? 0, "dead": counts["dead"] ?? 0,
            ]
        }
        let troubled = all.filter { $0.status == "failed" || $0.status == "dead" }.sorted {
            ($0.causedBy ?? 0) > ($1.causedBy ?? 0)
        }
        page.fields["troubled"] = troubled.prefix(200).map { action -> [String: Any] in
            [
                "id": action.id, "path_id": Self.queryEscaped(action.id), "kind": action.kind ?? "",
                "target": "\(action.channel ?? "?")/\(action.target ?? "?")", "status": action.status,
                "attempts": action.attempts, "last_error": action.lastError ?? "", "caused_by": action.causedBy ?? 0,
                "answer_status": action.lastStatusCode.map { "HTTP \($0)" } ?? "no answer",
                "answer_body": action.lastResponse ?? "",
                "has_answer": action.lastResponse != nil || action.lastStatusCode != nil,
                "retryable": page.isAdmin,
            ]
        }
        page.fields["has_troubled"] = !troubled.isEmpty
        let now = Timestamp.now().nanosecondsSinceEpoch
        let gateStates = gates?.states(now: now) ?? []
        page.fields["gates"] = gateStates.map { gate -> [String: Any] in
            [
                "target": gate.target, "state": gate.isOpen ? "open" : "closed", "failures": gate.failuresInRow,
                "busy": gate.busy,
                "open_until": gate.isOpen
                    ? Timestamp(nanosecondsSinceEpoch: gate.openUntil).iso8601(.second) + "Z" : "",
            ]
        }
        page.fields["has_gates"] = !gateStates.isEmpty
        if let retried = request.uri.queryParameters.get("retried") { page.fields["retried"] = retried }
        page.fields["title"] = "Notifications and actions"
        return "actions"
    }
}
