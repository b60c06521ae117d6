import EventLog
import Foundation
import Logging
import Metrics
import Projections
import ServiceLifecycle

/// Alerts → the configured channel: a card when an alert fires and when it resolves.
package struct AlertReactor: Reactor {
    package init(channel: String, target: String) { (self.channel, self.target) = (channel, target) }

    package let name = "alerts"
    let channel: String
    let target: String

    package func react(to event: Event) async throws -> [ActionRequest] {
        guard event.type == AlertsProjection.fired || event.type == AlertsProjection.resolved else { return [] }
        let alert = try JSONPayload.decode(AlertsProjection.Alert.self, from: event.payload)
        let state = event.type == AlertsProjection.fired ? "firing" : "resolved"
        return [
            ActionRequest(
                reactor: name, causedBy: event.position, index: 0, kind: "alert.card", channel: channel, target: target,
                params: ["alert": alert.name, "severity": alert.severity, "message": alert.message, "state": state],
                subject: "alert:\(alert.name)")
        ]
    }
}
